import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExecError, KernelRejectedError, NotFoundError } from '@kproxy/api';
import type { ExecResult, Executor } from '@kproxy/api';
import { InvalidCommandError } from './errors.ts';
import { parseRuleset } from './ruleset.ts';
import type { Ruleset } from './ruleset.ts';
import type { Family, NftablesDocument } from './schema.ts';
import { documentOf } from './transaction.ts';
import type { Transaction } from './transaction.ts';
import { NftSession } from './session.ts';
import { scriptBytes } from './wire-text.ts';

/** The first command of a document that declares a set or map by `typeof` (a kproxy extension), if any. */
function typeofDeclaration(doc: NftablesDocument): { index: number; name: string } | undefined {
  for (const [index, c] of doc.nftables.entries()) {
    const body = 'add' in c ? c.add : 'create' in c ? c.create : undefined;
    const s = body !== undefined && ('set' in body ? body.set : 'map' in body ? body.map : undefined);
    if (s && s.typeof !== undefined) return { index, name: s.name };
  }
  return undefined;
}

/** How a batch travels to nft: its native syntax (`nft -f`) or its JSON (`nft -j -f`). */
export type NftWire = 'text' | 'json';

/** What `apply` sent. */
export interface ApplyResult {
  /** Number of commands in the batch. */
  readonly operations: number;
  /** Bytes of the document sent to nft (its text or JSON). */
  readonly bytes: number;
  /** How it was sent (absent when nothing was sent). */
  readonly wire?: NftWire;
  /** True when it went through the long-running `nft -i` session rather than an `nft` process of its own. */
  readonly session?: true;
}

/** The nft program's version and capabilities. */
export interface NftVersion {
  /** `1.0.6` */
  readonly version: string;
  /** [major, minor, patch] */
  readonly parts: readonly [number, number, number];
  /** Whether this nft was built with JSON support (`-j`). Everything else in this package needs it. */
  readonly json: boolean;
}

/**
 * What to list: the whole ruleset; one table; one chain (with its rules), set or map (with its elements) of a
 * table; or every chain of the ruleset without rules (`{ chains: true }`, cheap: tens of milliseconds where
 * listing a 10,000-service table takes seconds).
 */
export type ListTarget =
  | { readonly ruleset: true }
  | { readonly chains: true }
  | { readonly family: Family; readonly table: string; readonly chain?: string; readonly set?: string; readonly map?: string };

/** The JSON `list` command for a target (undefined for the ones nft lists by argv). */
export function listCommand(target: ListTarget): object | undefined {
  if ('ruleset' in target || 'chains' in target) return undefined;
  const at = { family: target.family, table: target.table };
  if (target.chain !== undefined) return { list: { chain: { ...at, name: target.chain } } };
  if (target.set !== undefined) return { list: { set: { ...at, name: target.set } } };
  if (target.map !== undefined) return { list: { map: { ...at, name: target.map } } };
  return { list: { table: { family: target.family, name: target.table } } };
}

/**
 * A client of the kernel's nftables: the seam the backend programs through. `nftables()` implements it over
 * the `nft` CLI; `fakeNftClient()` (under `./testing`) over an in-memory ruleset; a netlink transport could
 * implement it later without changing callers.
 */
export interface NftClient {
  /**
   * Applies a transaction atomically: all of it or nothing. Rejects with `InvalidCommandError` when the
   * transaction recorded one (nothing is sent), `KernelRejectedError` (nft's diagnostic in `detail`) when
   * nft or the kernel refuses it, `ExecError` when nft cannot run. An empty transaction sends nothing.
   */
  apply(tx: Transaction | NftablesDocument): Promise<ApplyResult>;
  /** Validates a transaction against the current ruleset without applying it (`nft -c`); rejects like apply. */
  check(tx: Transaction | NftablesDocument): Promise<void>;
  /**
   * Lists the target as a `Ruleset` (a partial listing holds only what was listed, under its table). Rejects
   * with `NotFoundError` when the table (or chain, set, map) does not exist.
   */
  list(target: ListTarget): Promise<Ruleset>;
  /** The nft version and whether it speaks JSON (`nft -V`, else `nft --version` and an empty JSON check). */
  version(): Promise<NftVersion>;
  /** Ends the long-running `nft -i` session, if one is open (the next small batch opens a new one). */
  close?(): void;
}

/** Options of `nftables()`. */
export interface NftablesOptions {
  /** Runs nft (use `netnsExecutor` to run inside a namespace). */
  readonly executor: Executor;
  /** The nft program. Default `nft` (looked up in PATH). */
  readonly nftPath?: string;
  /** Kill nft after this many milliseconds. Default 300 000 (a cold load of a huge ruleset takes long). */
  readonly timeoutMs?: number;
  /**
   * Documents up to this size (bytes) are passed to nft as one argv element (`nft -j '<json>'`); larger
   * ones through a private temporary file (`nft -j -f <file>`). Default 65 536 (the kernel allows 131 072
   * bytes per argument). Not standard input: nft's JSON reader opens `/dev/stdin` by path, which fails
   * (ENXIO) when stdin is a socket, as it is for every process Node spawns.
   */
  readonly argvLimitBytes?: number;
  /**
   * How apply and check send a batch. `text` (default): nft's native syntax, written by `nftScript` from the
   * JSON document (nft 1.0.6 parses it about twice as fast as JSON); a document the text syntax cannot carry
   * with the same meaning (names that are not plain identifiers, strings with quotes or non-ASCII, shapes outside
   * the written subset) is sent as JSON instead. `json`: always JSON. Listings are JSON either way.
   */
  readonly wire?: NftWire;
  /**
   * Small text batches (up to `sessionLimitBytes`, default 16 384) go through one long-running `nft -i`
   * process when the executor can keep one (`Executor.start`): about a millisecond each instead of an exec
   * and a fresh cache of the table per batch. Default true; `false` runs one nft process per batch.
   */
  readonly session?: boolean;
  readonly sessionLimitBytes?: number;
}


const NOT_FOUND = /No such file or directory/;
const NO_PROGRAM = /exec of ".*" failed|command not found|not found in PATH/;
const NOT_PERMITTED = /Operation not permitted|Permission denied/;
/**
 * nft's own diagnostic lines: `Error: ...`, `<file>:<line>:<col>-<col>: Error: ...` or `netlink: Error: ...`.
 * After each, nft echoes the offending input line (a text-wire command, which may carry comments and values
 * that spell anything) and a caret line: those are never read as the diagnostic. An input line starts with a
 * command verb and a space, so it cannot match.
 */
const DIAGNOSTIC = /^(?:\S*:\d+:\d+-\d+: |netlink: )?((?:Error|Warning): .*)$/;

/** nft's diagnostic lines (without location), or undefined when stderr has none (not nft speaking). */
function diagnostics(stderr: string): string[] | undefined {
  const out: string[] = [];
  for (const line of stderr.split('\n')) {
    const m = DIAGNOSTIC.exec(line.trim());
    if (m) out.push(m[1] as string);
  }
  return out.length === 0 ? undefined : out;
}

/** The first few meaningful lines of nft's stderr, for messages. */
function summary(stderr: string): string {
  return (diagnostics(stderr) ?? stderr.trim().split('\n')).slice(0, 3).join('; ');
}

/**
 * Turns a failed nft run into a typed error: `ExecError` when nft could not run (missing program, no
 * permission), `NotFoundError` for a `list` of a missing table, `KernelRejectedError` otherwise (the batch
 * was refused, by nft's parser or by the kernel; nothing of it was applied).
 */
export function classifyNftFailure(command: readonly string[], result: ExecResult, action: 'apply' | 'check' | 'list' | 'version'): Error {
  const detail = result.stderr.trim();
  const text = summary(result.stderr);
  // Classify by nft's diagnostics only, never by the input lines it echoes (they may contain any text).
  const said = diagnostics(result.stderr)?.join('\n') ?? detail;
  if (NO_PROGRAM.test(said) || (result.exitCode === 127 && detail === '')) {
    return new ExecError(`nft is not available: ${text || `exit ${result.exitCode}`}`, { command, exitCode: result.exitCode, stderr: result.stderr });
  }
  if (NOT_PERMITTED.test(said)) {
    return new ExecError(`nft is not permitted (needs CAP_NET_ADMIN): ${text}`, { command, exitCode: result.exitCode, stderr: result.stderr });
  }
  if (action === 'list' && NOT_FOUND.test(said)) {
    return new NotFoundError(`nftables object listed by ${command.slice(1).join(' ').slice(0, 300)} does not exist`);
  }
  if (action === 'version') {
    return new ExecError(`nft --version failed: ${text}`, { command, exitCode: result.exitCode, stderr: result.stderr });
  }
  return new KernelRejectedError(`nft ${action === 'check' ? 'check' : 'transaction'} rejected: ${text || `exit ${result.exitCode}`}`, detail);
}

/** Parses `nft --version` output (`nftables v1.0.6 (Lester Gooch #5)`). */
export function parseNftVersion(stdout: string): { version: string; parts: [number, number, number] } | undefined {
  const m = /v(\d+)\.(\d+)(?:\.(\d+))?/.exec(stdout);
  if (m === null) return undefined;
  const parts: [number, number, number] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  return { version: parts.join('.'), parts };
}

/**
 * An `NftClient` over the `nft` program, run from argv (never a shell). Batches go as nft text by default (see
 * `wire`), as one argv element up to `argvLimitBytes`, else through a private temporary file.
 */
export function nftables(options: NftablesOptions): NftClient {
  const nft = options.nftPath ?? 'nft';
  const timeoutMs = options.timeoutMs ?? 300_000;
  const exec = options.executor;
  const argvLimit = Math.min(options.argvLimitBytes ?? 65_536, 131_000);
  const preferred: NftWire = options.wire ?? 'text';
  const session = options.session === false ? undefined : NftSession.over(exec, nft);
  const sessionLimit = options.sessionLimitBytes ?? 16_384;

  async function run(args: readonly string[], action: 'apply' | 'check' | 'list' | 'version'): Promise<ExecResult> {
    const command = [nft, ...args];
    let result: ExecResult;
    try {
      result = await exec.run(nft, args, { timeoutMs });
    } catch (err) {
      if (err instanceof Error && err.name === 'ExecError') throw err;
      throw new ExecError(`cannot run ${nft}: ${String(err)}`, { command }, { cause: err });
    }
    if (result.exitCode !== 0) throw classifyNftFailure(command, result, action);
    return result;
  }

  async function send(tx: Transaction | NftablesDocument, check: boolean): Promise<ApplyResult> {
    const doc = documentOf(tx);
    if (doc.nftables.length === 0) return { operations: 0, bytes: 0 };
    let wire = preferred;
    let payload: Buffer | string | undefined;
    if (wire === 'text') {
      try {
        payload = scriptBytes(doc);
      } catch (err) {
        // Valid, but not expressible in nft's text syntax with the same meaning: JSON carries it verbatim.
        if (!(err instanceof InvalidCommandError)) throw err;
        wire = 'json';
      }
    }
    if (wire === 'json') {
      const declared = typeofDeclaration(doc);
      if (declared !== undefined) {
        throw new InvalidCommandError(
          `set ${JSON.stringify(declared.name)} is declared by typeof, which only the text wire can send (nft 1.0.6's JSON parser cannot)`,
          declared.index,
        );
      }
    }
    payload ??= JSON.stringify(doc);
    const bytes = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
    if (session && wire === 'text' && !check && bytes <= sessionLimit) {
      // One line, one transaction: the text wire writes one command per line and never a newline inside one.
      const line = payload.toString('latin1').split('\n').filter((l) => l !== '').join('; ');
      const result = await session.apply(line, timeoutMs);
      if (result.exitCode !== 0) throw classifyNftFailure([nft, '-i'], result, 'apply');
      return { operations: doc.nftables.length, bytes, wire, session: true };
    }
    const flags = [...(check ? ['-c'] : []), ...(wire === 'json' ? ['-j'] : [])];
    const action = check ? 'check' : 'apply';
    if (bytes <= argvLimit) {
      // The text wire's bytes are ASCII.
      await run([...flags, typeof payload === 'string' ? payload : payload.toString('latin1')], action);
    } else {
      const dir = await mkdtemp(path.join(tmpdir(), 'kproxy-nft-'));
      try {
        const file = path.join(dir, wire === 'json' ? 'batch.json' : 'batch.nft');
        await writeFile(file, payload, { mode: 0o600 });
        await run([...flags, '-f', file], action);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    return { operations: doc.nftables.length, bytes, wire };
  }

  return {
    close: () => session?.close(),
    apply: (tx) => send(tx, false),
    async check(tx) {
      await send(tx, true);
    },
    async list(target) {
      // A table is listed with a JSON `list` command rather than `list table <family> <name>`: nft's text
      // grammar would re-parse the name (spaces, quotes, keywords), JSON carries any name verbatim.
      const cmd = listCommand(target);
      const args =
        'ruleset' in target
          ? ['-j', 'list', 'ruleset']
          : 'chains' in target
            ? ['-j', 'list', 'chains']
            : ['-j', JSON.stringify({ nftables: [cmd] })];
      const result = await run(args, 'list');
      try {
        return parseRuleset(result.stdout);
      } catch (err) {
        throw new KernelRejectedError(`nft printed unparseable JSON: ${String(err)}`, result.stdout.slice(0, 2000), { cause: err });
      }
    },
    async version() {
      // `nft -V` (1.0.5+) names the build features, JSON among them, without touching the ruleset.
      const long = await exec.run(nft, ['-V'], { timeoutMs }).catch(() => undefined);
      const features = long?.exitCode === 0 ? /^\s*json:\s*(\w+)/m.exec(long.stdout) : null;
      const longParsed = long?.exitCode === 0 ? parseNftVersion(long.stdout) : undefined;
      if (features !== null && longParsed !== undefined) return { ...longParsed, json: features[1] === 'yes' };
      const v = await run(['--version'], 'version');
      const parsed = parseNftVersion(v.stdout);
      if (parsed === undefined) {
        throw new ExecError(`cannot parse nft version from ${JSON.stringify(v.stdout.trim())}`, {
          command: [nft, '--version'],
          exitCode: 0,
          stderr: v.stderr,
        });
      }
      // Older nft: an empty JSON batch, checked only (-c), proves JSON support and costs no ruleset read
      // (`nft -j list tables` reads the whole ruleset: seconds on a large one).
      const probe = await exec.run(nft, ['-c', '-j', '{"nftables": []}'], { timeoutMs });
      return { ...parsed, json: probe.exitCode === 0 };
    },
  };
}
