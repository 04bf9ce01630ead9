import { Command, CommanderError, Option } from 'commander';
import { ConfigError } from '@kproxy/api';
import { FLAGS } from './flag-table.ts';
import type { FlagSpec } from './flag-table.ts';
import { flagValue } from './flag-values.ts';

/** The subcommands: `run` is the daemon (no subcommand word). */
export type CommandName = 'run' | 'explain' | 'diff';

/** The packet `explain` traces, as given on its command line. */
export interface ExplainArgs {
  readonly src: string;
  readonly dst: string;
  readonly port: number;
  readonly proto: 'TCP' | 'UDP' | 'SCTP';
  /** The packet is sent by a process on the node (output hook) rather than arriving (prerouting). */
  readonly fromNode: boolean;
  readonly iif?: string;
  readonly json: boolean;
}

/** A parsed command line. */
export interface CommandLine {
  readonly command: CommandName;
  /** Flags given explicitly, by long name, with converted values. Defaults are not here. */
  readonly flags: ReadonlyMap<string, unknown>;
  readonly explain?: ExplainArgs;
  readonly diff?: { readonly json: boolean };
  /** Set when `--help` was asked for: print it and exit 0. */
  readonly help?: string;
}

/** Marks a flag's values for accumulation in commander (lists and maps may be repeated). */
function addFlag(cmd: Command, spec: FlagSpec): void {
  const long = `--${spec.name}`;
  const flags = spec.short ? `-${spec.short}, ${long}` : long;
  const value = spec.kind === 'bool' ? ' [bool]' : ' <value>';
  const help = `${spec.help}${spec.deprecated ? ` (DEPRECATED: ${spec.deprecated})` : ''}${spec.extension ? ' [kproxy]' : ''}`;
  const opt = new Option(`${flags}${value}`, help);
  // Keep raw text; conversion happens afterwards with kube-proxy-like messages. Lists accumulate.
  opt.argParser((text: string, previous: unknown) => {
    if ((spec.kind === 'stringList' || spec.kind === 'boolMap') && Array.isArray(previous)) return [...previous, text];
    return [text];
  });
  cmd.addOption(opt);
}

function optionKey(spec: FlagSpec): string {
  // commander's camel-casing of the long name.
  return spec.name.replace(/-([a-z])/g, (_m, ch: string) => ch.toUpperCase());
}

function buildCommand(name: CommandName): Command {
  const cmd = new Command(name === 'run' ? 'kproxy' : `kproxy ${name}`);
  cmd
    .description(
      name === 'run'
        ? 'kproxy: a Kubernetes service proxy, command-line compatible with kube-proxy.\nSubcommands: explain, diff (see `kproxy explain --help`).'
        : name === 'explain'
          ? 'Trace a packet through the live ruleset of the current mode and say where it goes and why.'
          : 'Show what the next sync would change, without applying it.',
    )
    .helpOption('-h, --help', 'help for kproxy')
    .allowExcessArguments(false)
    .allowUnknownOption(false)
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined, outputError: () => undefined });
  for (const spec of FLAGS) addFlag(cmd, spec);
  if (name === 'explain') {
    cmd
      .addOption(new Option('--src <ip>', 'source IP of the packet').makeOptionMandatory())
      .addOption(new Option('--dst <ip>', 'destination IP of the packet').makeOptionMandatory())
      .addOption(new Option('--port <n>', 'destination port').makeOptionMandatory())
      .addOption(new Option('--proto <proto>', 'tcp, udp or sctp').default('tcp'))
      .addOption(new Option('--from-node', 'the packet is sent by a process on the node (default: it arrives from a pod or outside)'))
      .addOption(new Option('--iif <name>', 'input interface of an arriving packet'))
      .addOption(new Option('--json', 'print the trace as JSON'));
  }
  if (name === 'diff') cmd.addOption(new Option('--json', 'print the plan as JSON'));
  return cmd;
}

/** pflag spells `-v=4`; commander would read that as the value "=4". */
function normaliseArgv(argv: readonly string[]): string[] {
  return argv.map((a) => (/^-v=/.test(a) ? `--v=${a.slice(3)}` : a));
}

function commanderMessage(err: CommanderError): string {
  const m = /unknown option '([^']+)'/.exec(err.message);
  if (m) return `unknown flag: ${m[1]}`;
  return err.message.replace(/^error: /, '');
}

function parseExplain(opts: Record<string, unknown>): ExplainArgs {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError(`invalid argument ${JSON.stringify(opts.port)} for "--port" flag: want 1-65535`);
  }
  const proto = String(opts.proto).toUpperCase();
  if (proto !== 'TCP' && proto !== 'UDP' && proto !== 'SCTP') {
    throw new ConfigError(`invalid argument ${JSON.stringify(opts.proto)} for "--proto" flag: want tcp, udp or sctp`);
  }
  return {
    src: String(opts.src),
    dst: String(opts.dst),
    port,
    proto,
    fromNode: opts.fromNode === true,
    ...(typeof opts.iif === 'string' ? { iif: opts.iif } : {}),
    json: opts.json === true,
  };
}

/**
 * Parses kproxy's command line (`argv` without the node and script paths). The first word may be a
 * subcommand (`explain`, `diff`); everything else is flags, kube-proxy style (`--flag value`,
 * `--flag=value`, booleans with an optional `=false`). Unknown flags, stray arguments and invalid values
 * are a `ConfigError`. Pure.
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const args = normaliseArgv(argv);
  let command: CommandName = 'run';
  if (args[0] === 'explain' || args[0] === 'diff') {
    command = args[0];
    args.shift();
  }
  const cmd = buildCommand(command);
  try {
    cmd.parse(args, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help') {
        return { command, flags: new Map(), help: cmd.helpInformation() };
      }
      if (err.code === 'commander.excessArguments') {
        throw new ConfigError(`${command === 'run' ? 'kproxy' : `kproxy ${command}`} does not take any arguments, got ${JSON.stringify(cmd.args)}`);
      }
      throw new ConfigError(commanderMessage(err), { cause: err });
    }
    throw err;
  }
  const opts = cmd.opts() as Record<string, unknown>;
  const flags = new Map<string, unknown>();
  for (const spec of FLAGS) {
    const key = optionKey(spec);
    if (cmd.getOptionValueSource(key) !== 'cli') continue;
    const raw = opts[key];
    const texts = Array.isArray(raw) ? (raw as string[]) : [];
    if (spec.kind === 'bool') {
      // `--flag` alone is true; commander passes `true` without calling the parser.
      flags.set(spec.name, raw === true ? true : flagValue('bool', texts[0] ?? 'true', spec.name));
    } else if (spec.kind === 'stringList') {
      flags.set(spec.name, texts.flatMap((t) => flagValue('stringList', t, spec.name) as string[]));
    } else if (spec.kind === 'boolMap') {
      flags.set(spec.name, Object.assign({}, ...texts.map((t) => flagValue('boolMap', t, spec.name) as object)));
    } else {
      // pflag keeps the last value of a repeated scalar flag.
      flags.set(spec.name, flagValue(spec.kind, texts[texts.length - 1] ?? '', spec.name));
    }
  }
  return {
    command,
    flags,
    ...(command === 'explain' ? { explain: parseExplain(opts) } : {}),
    ...(command === 'diff' ? { diff: { json: opts.json === true } } : {}),
  };
}

/** The help text of a command (`kproxy --help`). */
export function helpText(command: CommandName = 'run'): string {
  return buildCommand(command).helpInformation();
}
