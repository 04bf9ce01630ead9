import { KernelRejectedError, NotFoundError } from '@kproxy/api';
import type { ListTarget } from '../client.ts';
import { parseRuleset } from '../ruleset.ts';
import type { Ruleset } from '../ruleset.ts';
import type {
  ChainObject,
  Command,
  CommandVerb,
  ElementObject,
  Expression,
  Family,
  ListItem,
  ListOutput,
  MapElement,
  MapObject,
  MetainfoObject,
  RuleObject,
  SetElement,
  SetObject,
  Statement,
  TableObject,
} from '../schema.ts';
import { commandObject, commandVerb } from '../schema.ts';
import { listedForm } from '../listing-form.ts';
import { commandText } from '../text.ts';
import { commandProblem } from '../validate.ts';
import { isValueError, keyParts, parseValue, valueKey } from '../values.ts';

/**
 * An in-memory nftables ruleset with the kernel's transaction semantics for kproxy's subset: a batch applies
 * completely or not at all, and it is refused for what the kernel (or nft) refuses: a missing table, chain,
 * set or element; a duplicate on `create`; a map element whose key exists with other data; an element of the
 * wrong type; a jump to a missing or base chain; deleting a chain that is referenced, or a set a rule uses;
 * a `dnat ... :port` without a transport protocol match; jumps that loop (or nest deeper than 16) from a
 * base chain.
 */

type Errno = 'ENOENT' | 'EEXIST' | 'EBUSY' | 'EINVAL' | 'EOPNOTSUPP' | 'ERANGE' | 'EMLINK';

const ERRNO_TEXT: Record<Errno, string> = {
  ENOENT: 'No such file or directory',
  EEXIST: 'File exists',
  EBUSY: 'Device or resource busy',
  EINVAL: 'Invalid argument',
  EOPNOTSUPP: 'Operation not supported',
  ERANGE: 'Numerical result out of range',
  EMLINK: 'Too many links',
};

class Refused extends Error {
  readonly errno: Errno;
  /** Refused by nft itself (from its cache), so nothing of the batch reached the kernel. */
  readonly userspace: boolean;
  constructor(errno: Errno, message: string, userspace = errno === 'EINVAL') {
    super(message);
    this.errno = errno;
    this.userspace = userspace;
  }
}

interface FChain {
  readonly chain: ChainObject;
  rules: RuleObject[];
}

interface FSet {
  readonly kind: 'set' | 'map';
  readonly set: SetObject | MapObject;
  /** Canonical key -> element as given (normalised to the `[key, data]` pair for maps). */
  elements: Map<string, SetElement | MapElement>;
}

interface FTable {
  readonly table: TableObject;
  chains: Map<string, FChain>;
  sets: Map<string, FSet>;
  /** How many rules and map elements jump/goto each chain. */
  chainRefs: Map<string, number>;
  /** How many rules reference each named set. */
  setRefs: Map<string, number>;
  /**
   * The table's handle generator. Shared by every copy of the table: like the kernel's, it is not rolled back
   * when a transaction aborts, so handles match the kernel's after failures too.
   */
  readonly handles: { next: number };
}

/** Counts of what a fake saw. */
export interface FakeStats {
  /** Transactions applied successfully. */
  applies: number;
  /** Transactions refused (nothing of them applied). */
  rejected: number;
  /** Commands in successfully applied transactions. */
  operations: number;
  /** Validation-only runs. */
  checks: number;
  /** Listings. */
  lists: number;
}

const METAINFO: MetainfoObject = { version: '1.0.6', release_name: 'kproxy fake', json_schema_version: 1 };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Chains a statement list jumps or goes to, and sets it names (`@x`), each counted once per occurrence. */
function references(expr: unknown, chains: string[], sets: string[]): void {
  if (typeof expr === 'string') {
    if (expr.startsWith('@')) sets.push(expr.slice(1));
    return;
  }
  if (Array.isArray(expr)) {
    for (const x of expr) references(x, chains, sets);
    return;
  }
  if (!isRecord(expr)) return;
  for (const [k, v] of Object.entries(expr)) {
    if ((k === 'jump' || k === 'goto') && isRecord(v) && typeof v['target'] === 'string') chains.push(v['target']);
    else references(v, chains, sets);
  }
}

const refCache = new WeakMap<RuleObject, { chains: string[]; sets: string[] }>();

/** The chains and sets a rule names (rules are immutable, so this is cached). */
function ruleRefs(rule: RuleObject): { chains: string[]; sets: string[] } {
  let refs = refCache.get(rule);
  if (refs === undefined) {
    refs = { chains: [], sets: [] };
    references(rule.expr, refs.chains, refs.sets);
    refCache.set(rule, refs);
  }
  return refs;
}

/** Number of anonymous sets (`{"set": [...]}`) in a rule's statements. */
function anonymousSets(expr: unknown): number {
  if (Array.isArray(expr)) return expr.reduce((n: number, x) => n + anonymousSets(x), 0);
  if (!isRecord(expr)) return 0;
  let n = 0;
  for (const [k, v] of Object.entries(expr)) {
    if (k === 'set' && Array.isArray(v)) n++;
    n += anonymousSets(v);
  }
  return n;
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n === 0) map.delete(key);
  else map.set(key, n);
}

const L4_PAYLOADS = new Set(['tcp', 'udp', 'sctp', 'udplite', 'dccp']);

/** Whether a statement matches the transport protocol (what nft needs before `dnat to addr:port`). */
function isL4Match(s: Statement): boolean {
  if (!('match' in s)) return false;
  const left = s.match.left;
  if (isRecord(left) && 'meta' in left) return (left as { meta: { key: string } }).meta.key === 'l4proto';
  if (isRecord(left) && 'payload' in left) {
    const p = (left as { payload: { protocol?: string } }).payload;
    return p.protocol !== undefined && L4_PAYLOADS.has(p.protocol);
  }
  if (isRecord(left) && 'concat' in left) {
    return (left as { concat: unknown[] }).concat.some((x) => isRecord(x) && 'meta' in x && (x as { meta: { key: string } }).meta.key === 'l4proto');
  }
  return false;
}

/**
 * How the kernel lists an element: in a set with timeouts, as `{"elem": {"val", "timeout"?, "expires"}}`
 * (`expires` is the full timeout here: the fake's clock does not run).
 */
function listedElement(s: FSet, e: SetElement | MapElement): SetElement | MapElement {
  const flags = s.set.flags === undefined ? [] : typeof s.set.flags === 'string' ? [s.set.flags] : s.set.flags;
  if (!flags.includes('timeout') || s.kind === 'map') return e;
  const inner = isRecord(e) && 'elem' in e ? (e as { elem: { val: Expression; timeout?: number; comment?: string } }).elem : { val: e as Expression };
  const expires = inner.timeout ?? s.set.timeout;
  return { elem: { ...inner, ...(expires === undefined ? {} : { expires }) } };
}

/** The listing item of a set or map. */
function setItem(s: FSet): ListItem {
  const elem = [...s.elements.values()].map((e) => listedElement(s, e));
  if (s.kind === 'set') return { set: elem.length === 0 ? (s.set as SetObject) : { ...(s.set as SetObject), elem: elem as SetElement[] } };
  return { map: elem.length === 0 ? (s.set as MapObject) : { ...(s.set as MapObject), elem: elem as MapElement[] } };
}

/** The in-memory ruleset behind `fakeNftClient()`. */
export class FakeRuleset {
  #tables = new Map<string, FTable>();
  #nextTableHandle = 1;
  /** Objects created by the transaction being applied (safe to mutate in place). */
  #owned = new WeakSet<object>();
  readonly stats: FakeStats = { applies: 0, rejected: 0, operations: 0, checks: 0, lists: 0 };

  /**
   * Applies a batch atomically. Rejects with `KernelRejectedError` (nft-like diagnostic in `detail`, naming
   * the failing command) and leaves the ruleset unchanged when any command fails.
   */
  apply(commands: readonly Command[]): void {
    const work = this.#run(commands);
    this.#tables = work.tables;
    this.stats.applies++;
    this.stats.operations += commands.length;
  }

  /** Runs a batch without keeping its effects (`nft -c`); rejects like `apply`. */
  check(commands: readonly Command[]): void {
    this.#run(commands);
    this.stats.checks++;
  }

  /**
   * The ruleset, or a part of it (see `ListTarget`), in the exact JSON shape `nft -j list ...` prints.
   * Throws `NotFoundError` for a missing table, chain, set or map.
   */
  dump(target?: ListTarget): ListOutput {
    if (target !== undefined && 'chains' in target) {
      const items: ListItem[] = [{ metainfo: METAINFO }];
      for (const t of this.#tables.values()) for (const c of t.chains.values()) items.push({ chain: c.chain });
      return { nftables: items };
    }
    if (target !== undefined && !('ruleset' in target) && (target.chain ?? target.set ?? target.map) !== undefined) {
      const t = this.#tables.get(`${target.family} ${target.table}`);
      const items: ListItem[] = [{ metainfo: METAINFO }];
      if (target.chain !== undefined) {
        const c = t?.chains.get(target.chain);
        if (c === undefined) throw new NotFoundError(`nftables chain ${target.family} ${target.table} ${target.chain} does not exist`);
        items.push({ chain: c.chain });
        for (const r of c.rules) items.push({ rule: { ...r, expr: listedForm(r.expr ?? [], r.family) } });
      } else {
        const name = (target.set ?? target.map) as string;
        const s = t?.sets.get(name);
        if (s === undefined || s.kind !== (target.set !== undefined ? 'set' : 'map')) {
          throw new NotFoundError(`nftables ${target.set !== undefined ? 'set' : 'map'} ${target.family} ${target.table} ${name} does not exist`);
        }
        items.push(setItem(s));
      }
      return { nftables: items };
    }
    const only = target !== undefined && !('ruleset' in target) ? target : undefined;
    const items: ListItem[] = [{ metainfo: METAINFO }];
    for (const t of this.#tables.values()) {
      if (only !== undefined && (t.table.family !== only.family || t.table.name !== only.table)) continue;
      items.push({ table: t.table });
      for (const s of t.sets.values()) items.push(setItem(s));
      for (const c of t.chains.values()) items.push({ chain: c.chain });
      for (const c of t.chains.values()) {
        for (const r of c.rules) items.push({ rule: { ...r, expr: listedForm(r.expr ?? [], r.family) } });
      }
    }
    if (only !== undefined && items.length === 1) {
      throw new NotFoundError(`nftables table ${only.family} ${only.table} does not exist`);
    }
    return { nftables: items };
  }

  /** The ruleset (or a part of it) as a `Ruleset`, as `NftClient.list` returns it. */
  snapshot(target?: ListTarget): Ruleset {
    return parseRuleset(this.dump(target));
  }

  /** The elements of a named set or map (as written, maps as `[key, data]`), or undefined. */
  elements(family: Family, table: string, name: string): readonly (SetElement | MapElement)[] | undefined {
    const s = this.#tables.get(`${family} ${table}`)?.sets.get(name);
    return s === undefined ? undefined : [...s.elements.values()];
  }

  /** Number of rules over all chains (for tests that count work). */
  ruleCount(): number {
    let n = 0;
    for (const t of this.#tables.values()) for (const c of t.chains.values()) n += c.rules.length;
    return n;
  }

  #run(commands: readonly Command[]): { tables: Map<string, FTable> } {
    const work = { tables: new Map(this.#tables) };
    this.#owned = new WeakSet();
    // Handle generators advance even when the kernel aborts a batch, but not when nft itself refuses it
    // (EINVAL here: types, shapes), since then nothing reaches the kernel.
    const counters = [...this.#tables.values()].map((t) => [t.handles, t.handles.next] as const);
    const tableCounter = this.#nextTableHandle;
    let first: { err: Refused; index: number } | undefined;
    commands.forEach((cmd, i) => {
      try {
        const problem = commandProblem(cmd);
        if (problem !== undefined) throw new Refused('EINVAL', problem);
        this.#command(work, cmd);
      } catch (err) {
        if (!(err instanceof Refused)) throw err;
        if (err.userspace) {
          if (first === undefined || !first.err.userspace) first = { err, index: i };
        } else {
          // The kernel goes on through the rest of the batch (allocating handles) before aborting it.
          first ??= { err, index: i };
        }
      }
    });
    if (first !== undefined) {
      const { err, index } = first;
      if (err.userspace) {
        // nft refused the batch before sending it: nothing reached the kernel, no handle was used.
        for (const [box, next] of counters) box.next = next;
        this.#nextTableHandle = tableCounter;
      }
      const cmd = commands[index] as Command;
      this.stats.rejected++;
      let text: string;
      try {
        text = commandText(cmd);
      } catch {
        text = JSON.stringify(cmd);
      }
      const detail = `internal:0:0-0: Error: Could not process rule: ${ERRNO_TEXT[err.errno]}\n(command #${index}: ${text.slice(0, 500)}): ${err.message}`;
      throw new KernelRejectedError(`nft transaction rejected: Error: Could not process rule: ${ERRNO_TEXT[err.errno]} (${err.message})`, detail);
    }
    for (const t of work.tables.values()) {
      if (!this.#owned.has(t)) continue;
      try {
        this.#validateLoops(t);
      } catch (err) {
        if (!(err instanceof Refused)) throw err;
        // A commit that fails validation makes the kernel replay the whole batch (validating rule by rule)
        // before aborting it: every handle the batch used is used a second time.
        for (const [box, next] of counters) box.next += box.next - next;
        this.stats.rejected++;
        throw new KernelRejectedError(
          `nft transaction rejected: Error: Could not process rule: ${ERRNO_TEXT[err.errno]} (${err.message})`,
          `internal:0:0-0: Error: Could not process rule: ${ERRNO_TEXT[err.errno]}\n(at commit): ${err.message}`,
        );
      }
    }
    return work;
  }

  #table(work: { tables: Map<string, FTable> }, family: Family, name: string, write: boolean): FTable {
    const key = `${family} ${name}`;
    const t = work.tables.get(key);
    if (t === undefined) throw new Refused('ENOENT', `table ${family} ${name} does not exist`);
    if (!write || this.#owned.has(t)) return t;
    const copy: FTable = {
      table: t.table,
      chains: new Map(t.chains),
      sets: new Map(t.sets),
      chainRefs: new Map(t.chainRefs),
      setRefs: new Map(t.setRefs),
      handles: t.handles,
    };
    this.#owned.add(copy);
    work.tables.set(key, copy);
    return copy;
  }

  #chain(t: FTable, name: string, write: boolean): FChain {
    const c = t.chains.get(name);
    if (c === undefined) throw new Refused('ENOENT', `chain ${name} does not exist`);
    if (!write || this.#owned.has(c)) return c;
    const copy: FChain = { chain: c.chain, rules: c.rules.slice() };
    this.#owned.add(copy);
    t.chains.set(name, copy);
    return copy;
  }

  #set(t: FTable, name: string, write: boolean): FSet {
    const s = t.sets.get(name);
    if (s === undefined) throw new Refused('ENOENT', `set ${name} does not exist`);
    if (!write || this.#owned.has(s)) return s;
    const copy: FSet = { kind: s.kind, set: s.set, elements: new Map(s.elements) };
    this.#owned.add(copy);
    t.sets.set(name, copy);
    return copy;
  }

  #command(work: { tables: Map<string, FTable> }, cmd: Command): void {
    const verb = commandVerb(cmd);
    const { kind, body } = commandObject(cmd);
    if (kind === 'ruleset') {
      if (verb === 'flush') work.tables.clear();
      return;
    }
    if (verb === 'list' || kind === 'tables') return;
    const o = body as Record<string, unknown> & { family: Family };
    switch (kind) {
      case 'table':
        return this.#tableCommand(work, verb, o as unknown as TableObject);
      case 'chain':
        return this.#chainCommand(work, verb, o as unknown as ChainObject);
      case 'rule':
        return this.#ruleCommand(work, verb, o as unknown as RuleObject);
      case 'set':
      case 'map':
        return this.#setCommand(work, verb, kind, o as unknown as SetObject & MapObject);
      case 'element':
        return this.#elementCommand(work, verb, o as unknown as ElementObject);
    }
  }

  #tableCommand(work: { tables: Map<string, FTable> }, verb: CommandVerb, o: TableObject): void {
    let key = `${o.family} ${o.name}`;
    if (o.name === undefined && o.handle !== undefined) {
      const found = [...work.tables.entries()].find(([, t]) => t.table.family === o.family && t.table.handle === o.handle);
      if (found === undefined) throw new Refused('ENOENT', `table handle ${o.handle} does not exist`);
      key = found[0];
    }
    const existing = work.tables.get(key);
    if (verb === 'add' || verb === 'create') {
      if (existing !== undefined) {
        if (verb === 'create') throw new Refused('EEXIST', `table ${o.family} ${o.name} exists`);
        return;
      }
      const table: TableObject = {
        family: o.family,
        name: o.name,
        // Like the kernel's, the table handle generator is not rolled back by an aborted transaction. No
        // comment: nft 1.0.6's JSON parser ignores a table's comment (and its JSON listing would not show it).
        handle: this.#nextTableHandle++,
      };
      const t: FTable = { table, chains: new Map(), sets: new Map(), chainRefs: new Map(), setRefs: new Map(), handles: { next: 1 } };
      this.#owned.add(t);
      work.tables.set(key, t);
      return;
    }
    if (existing === undefined) throw new Refused('ENOENT', `table ${o.family} ${o.name} does not exist`);
    if (verb === 'delete') {
      work.tables.delete(key);
      return;
    }
    if (verb === 'flush') {
      // `flush table` removes every rule of every chain; chains, sets and their elements stay.
      const t = this.#table(work, existing.table.family, existing.table.name, true);
      for (const name of t.chains.keys()) {
        const c = this.#chain(t, name, true);
        for (const r of c.rules) this.#unref(t, r);
        c.rules = [];
      }
    }
  }

  #chainCommand(work: { tables: Map<string, FTable> }, verb: CommandVerb, o: ChainObject): void {
    const t = this.#table(work, o.family, o.table, true);
    let name = o.name;
    if (name === undefined && o.handle !== undefined) {
      const found = [...t.chains.values()].find((c) => c.chain.handle === o.handle);
      if (found === undefined) throw new Refused('ENOENT', `chain handle ${o.handle} does not exist`);
      name = found.chain.name;
    }
    const existing = t.chains.get(name);
    if (verb === 'add' || verb === 'create') {
      if (existing !== undefined) {
        if (verb === 'create') throw new Refused('EEXIST', `chain ${name} exists`);
        const was = existing.chain;
        if (o.hook !== undefined) {
          if (was.hook !== o.hook || was.type !== o.type || was.prio !== o.prio) {
            throw new Refused('EEXIST', `chain ${name} exists with another type, hook or priority`);
          }
          if (o.policy !== undefined && o.policy !== was.policy) {
            t.chains.set(name, { chain: { ...was, policy: o.policy }, rules: existing.rules });
          }
        }
        return;
      }
      if (o.hook !== undefined) {
        if (o.type === 'nat' && !['prerouting', 'input', 'output', 'postrouting'].includes(o.hook)) {
          throw new Refused('EOPNOTSUPP', `a nat chain cannot hook ${o.hook}`);
        }
      }
      const chain: ChainObject = {
        family: o.family,
        table: o.table,
        name,
        handle: t.handles.next++,
        ...(o.type === undefined ? {} : { type: o.type, hook: o.hook, prio: o.prio, policy: o.policy ?? 'accept' }),
        // No comment: nft 1.0.6's JSON parser ignores a chain's comment (and its JSON listing would not show it).
      };
      const c: FChain = { chain, rules: [] };
      this.#owned.add(c);
      t.chains.set(name, c);
      return;
    }
    if (existing === undefined) throw new Refused('ENOENT', `chain ${name} does not exist`);
    if (verb === 'flush') {
      const c = this.#chain(t, name, true);
      for (const r of c.rules) this.#unref(t, r);
      c.rules = [];
      return;
    }
    if (verb === 'delete') {
      // The kernel deletes a chain with its rules, unless something (even one of its own rules) jumps to it.
      if ((t.chainRefs.get(name) ?? 0) > 0) throw new Refused('EBUSY', `chain ${name} is referenced by ${t.chainRefs.get(name)} rules or elements`);
      for (const r of existing.rules) this.#unref(t, r);
      t.chains.delete(name);
    }
  }

  #ref(t: FTable, rule: RuleObject): void {
    const { chains, sets } = ruleRefs(rule);
    for (const c of chains) {
      const target = t.chains.get(c);
      if (target === undefined) throw new Refused('ENOENT', `jump/goto target chain ${c} does not exist`);
      if (target.chain.hook !== undefined) throw new Refused('EOPNOTSUPP', `cannot jump to base chain ${c}`);
    }
    // nft needs the set's type to encode a lookup, so it refuses a missing set itself.
    for (const s of sets) if (!t.sets.has(s)) throw new Refused('ENOENT', `set @${s} does not exist`, true);
    for (const c of chains) bump(t.chainRefs, c, 1);
    for (const s of sets) bump(t.setRefs, s, 1);
  }

  /** The chains a verdict map's elements jump or go to (none for a set). */
  #mapTargets(t: FTable, name: string): string[] {
    const s = t.sets.get(name);
    if (s === undefined || s.kind !== 'map') return [];
    const out: string[] = [];
    for (const e of s.elements.values()) references((e as MapElement)[1], out, []);
    return out;
  }

  /**
   * The kernel's commit-time validation: from every base chain, the jumps and gotos (direct, through anonymous
   * and named verdict maps) must not loop nor nest deeper than 16. Chains no base chain reaches are not checked.
   */
  #validateLoops(t: FTable): void {
    const state = new Map<string, 'open' | 'done'>();
    const visit = (name: string, depth: number): void => {
      const s = state.get(name);
      if (s === 'done') return;
      if (s === 'open') throw new Refused('EMLINK', `jumps from a base chain loop through ${name}`);
      if (depth > 16) throw new Refused('EMLINK', `jumps from a base chain nest deeper than 16 at ${name}`);
      state.set(name, 'open');
      for (const r of t.chains.get(name)?.rules ?? []) {
        const refs = ruleRefs(r);
        for (const x of refs.chains) visit(x, depth + 1);
        for (const set of refs.sets) for (const x of this.#mapTargets(t, set)) visit(x, depth + 1);
      }
      state.set(name, 'done');
    };
    for (const c of t.chains.values()) if (c.chain.hook !== undefined) visit(c.chain.name, 0);
  }

  #unref(t: FTable, rule: RuleObject): void {
    const { chains, sets } = ruleRefs(rule);
    for (const c of chains) bump(t.chainRefs, c, -1);
    for (const s of sets) bump(t.setRefs, s, -1);
  }

  #ruleCommand(work: { tables: Map<string, FTable> }, verb: CommandVerb, o: RuleObject): void {
    const t = this.#table(work, o.family, o.table, true);
    // Each anonymous set or map of the rule is a kernel object with a handle, created (by a message of its
    // own) before the rule, so even when the rule then fails.
    if (verb !== 'delete') t.handles.next += anonymousSets(o.expr);
    const c = this.#chain(t, o.chain, true);
    const at = (handle: number): number => {
      const i = c.rules.findIndex((r) => r.handle === handle);
      if (i < 0) throw new Refused('ENOENT', `rule handle ${handle} does not exist in chain ${o.chain}`);
      return i;
    };
    if (verb === 'delete') {
      const i = at(o.handle as number);
      this.#unref(t, c.rules[i] as RuleObject);
      c.rules.splice(i, 1);
      return;
    }
    const expr = o.expr ?? [];
    // nft refuses `dnat to addr:port` unless the rule first matches the transport protocol.
    let l4 = false;
    for (const s of expr) {
      if (isL4Match(s)) l4 = true;
      if (('dnat' in s || 'snat' in s) && !l4) {
        const body = 'dnat' in s ? s.dnat : (s as { snat: { port?: unknown } }).snat;
        if (body.port !== undefined) throw new Refused('EINVAL', 'transport protocol mapping is only valid after transport protocol match');
      }
      if (c.chain.hook !== undefined && ('dnat' in s || 'masquerade' in s || 'snat' in s)) {
        if (c.chain.type !== 'nat') throw new Refused('EOPNOTSUPP', `NAT in a ${c.chain.type} chain`);
        if ('dnat' in s && !['prerouting', 'output'].includes(c.chain.hook)) throw new Refused('EOPNOTSUPP', `dnat at ${c.chain.hook}`);
        if ('masquerade' in s && c.chain.hook !== 'postrouting') throw new Refused('EOPNOTSUPP', `masquerade at ${c.chain.hook}`);
      }
    }
    const rule: RuleObject = {
      family: o.family,
      table: o.table,
      chain: o.chain,
      handle: verb === 'replace' ? (o.handle as number) : t.handles.next++,
      ...(o.comment === undefined ? {} : { comment: o.comment }),
      expr,
    };
    if (verb === 'replace') {
      const i = at(o.handle as number);
      this.#unref(t, c.rules[i] as RuleObject);
      try {
        this.#ref(t, rule);
      } catch (err) {
        this.#ref(t, c.rules[i] as RuleObject);
        throw err;
      }
      c.rules[i] = rule;
      return;
    }
    this.#ref(t, rule);
    let index: number;
    if (o.handle !== undefined) index = at(o.handle) + (verb === 'add' ? 1 : 0);
    else if (o.index !== undefined) {
      if (o.index >= c.rules.length) throw new Refused('ENOENT', `rule index ${o.index} does not exist`);
      index = o.index + (verb === 'add' ? 1 : 0);
    } else index = verb === 'insert' ? 0 : c.rules.length;
    c.rules.splice(index, 0, rule);
  }

  #setCommand(work: { tables: Map<string, FTable> }, verb: CommandVerb, kind: 'set' | 'map', o: SetObject & MapObject): void {
    const t = this.#table(work, o.family, o.table, true);
    let name = o.name;
    if (name === undefined && o.handle !== undefined) {
      const found = [...t.sets.values()].find((s) => s.set.handle === o.handle);
      if (found === undefined) throw new Refused('ENOENT', `set handle ${o.handle} does not exist`);
      name = found.set.name;
    }
    const existing = t.sets.get(name);
    if (verb === 'add' || verb === 'create') {
      if (existing !== undefined) {
        if (verb === 'create') throw new Refused('EEXIST', `${kind} ${name} exists`);
        const same =
          existing.kind === kind &&
          JSON.stringify(keyParts(existing.set.type)) === JSON.stringify(keyParts(o.type)) &&
          JSON.stringify(keyParts((existing.set as MapObject).map)) === JSON.stringify(keyParts(o.map));
        if (!same) throw new Refused('EEXIST', `${existing.kind} ${name} exists with another type`);
      } else {
        // nft 1.0.6's JSON parser ignores a set's comment: the kernel never gets it. A `typeof` declaration
        // lists as its `type` (and `map`), which the command carries too.
        const { elem: _elem, comment: _comment, typeof: _typeof, ...def } = o;
        const set = { ...def, name, handle: t.handles.next++ } as SetObject | MapObject;
        const s: FSet = { kind, set, elements: new Map() };
        this.#owned.add(s);
        t.sets.set(name, s);
      }
      if (o.elem !== undefined && o.elem.length > 0) this.#addElements(t, name, o.elem, false);
      return;
    }
    if (existing === undefined) throw new Refused('ENOENT', `${kind} ${name} does not exist`);
    if (verb === 'flush') {
      const s = this.#set(t, name, true);
      if (s.kind === 'map') for (const e of s.elements.values()) this.#unrefElement(t, e);
      s.elements = new Map();
      return;
    }
    if (verb === 'delete') {
      if ((t.setRefs.get(name) ?? 0) > 0) throw new Refused('EBUSY', `${kind} ${name} is used by ${t.setRefs.get(name)} rules`);
      if (existing.kind === 'map') for (const e of existing.elements.values()) this.#unrefElement(t, e);
      t.sets.delete(name);
    }
  }

  #unrefElement(t: FTable, e: SetElement | MapElement): void {
    const chains: string[] = [];
    references(Array.isArray(e) ? e[1] : undefined, chains, []);
    for (const c of chains) bump(t.chainRefs, c, -1);
  }

  #parseElement(s: FSet, e: SetElement | MapElement): { key: string; data?: Expression } {
    const flags = s.set.flags === undefined ? [] : typeof s.set.flags === 'string' ? [s.set.flags] : s.set.flags;
    const interval = flags.includes('interval');
    let keyExpr: unknown = e;
    let data: Expression | undefined;
    if (s.kind === 'map') {
      if (!Array.isArray(e) || e.length !== 2) throw new Refused('EINVAL', `map element must be [key, data]: ${JSON.stringify(e)}`);
      keyExpr = e[0];
      data = e[1] as Expression;
    } else if (Array.isArray(e)) {
      throw new Refused('EINVAL', `set element cannot carry data: ${JSON.stringify(e)}`);
    }
    const parsed = parseValue(keyExpr, keyParts(s.set.type), interval);
    if (isValueError(parsed)) throw new Refused('EINVAL', `element ${JSON.stringify(keyExpr)} of ${s.set.name}: ${parsed.error}`);
    if (s.kind === 'map') {
      const dataTypes = keyParts((s.set as MapObject).map);
      if (dataTypes.length === 1 && dataTypes[0] === 'verdict') {
        const ok = isRecord(data) && ['accept', 'drop', 'continue', 'return', 'jump', 'goto'].some((k) => k in (data as object));
        if (!ok) throw new Refused('EINVAL', `map ${s.set.name} needs verdicts, got ${JSON.stringify(data)}`);
      } else {
        const pd = parseValue(data, dataTypes, false);
        if (isValueError(pd)) throw new Refused('EINVAL', `data ${JSON.stringify(data)} of ${s.set.name}: ${pd.error}`);
      }
    }
    return data === undefined ? { key: valueKey(parsed) } : { key: valueKey(parsed), data };
  }

  #addElements(t: FTable, name: string, elems: readonly (SetElement | MapElement)[], create: boolean): void {
    const s = this.#set(t, name, true);
    for (const e of elems) {
      const { key, data } = this.#parseElement(s, e);
      const old = s.elements.get(key);
      if (old !== undefined) {
        if (create) throw new Refused('EEXIST', `element ${JSON.stringify(e)} exists in ${name}`);
        // The kernel keeps an existing element on `add`, unless a map element's data differs: that clashes.
        if (s.kind === 'map' && JSON.stringify((old as MapElement)[1]) !== JSON.stringify(data)) {
          throw new Refused('EEXIST', `element ${JSON.stringify((e as MapElement)[0])} exists in ${name} with other data`);
        }
        continue;
      }
      if (data !== undefined) {
        const chains: string[] = [];
        references(data, chains, []);
        for (const c of chains) {
          const target = t.chains.get(c);
          if (target === undefined) throw new Refused('ENOENT', `verdict target chain ${c} does not exist`);
          if (target.chain.hook !== undefined) throw new Refused('EOPNOTSUPP', `cannot jump to base chain ${c}`);
        }
        for (const c of chains) bump(t.chainRefs, c, 1);
      }
      s.elements.set(key, e);
    }
  }

  #elementCommand(work: { tables: Map<string, FTable> }, verb: CommandVerb, o: ElementObject): void {
    const t = this.#table(work, o.family, o.table, true);
    // nft needs the set's type to encode elements, so it refuses a missing set itself.
    if (!t.sets.has(o.name)) throw new Refused('ENOENT', `set ${o.name} does not exist`, true);
    if (verb === 'add' || verb === 'create') {
      this.#addElements(t, o.name, o.elem, verb === 'create');
      return;
    }
    if (verb === 'delete') {
      const s = this.#set(t, o.name, true);
      for (const e of o.elem) {
        // A delete names map elements by key alone, or as [key, data].
        const keyOnly = s.kind === 'map' && !Array.isArray(e) ? ([e, { accept: null }] as MapElement) : e;
        const flags = s.set.flags === undefined ? [] : typeof s.set.flags === 'string' ? [s.set.flags] : s.set.flags;
        const parsed = parseValue(s.kind === 'map' ? (keyOnly as MapElement)[0] : e, keyParts(s.set.type), flags.includes('interval'));
        if (isValueError(parsed)) throw new Refused('EINVAL', `element ${JSON.stringify(e)} of ${o.name}: ${parsed.error}`);
        const key = valueKey(parsed);
        const old = s.elements.get(key);
        if (old === undefined) throw new Refused('ENOENT', `element ${JSON.stringify(e)} does not exist in ${o.name}`);
        if (s.kind === 'map') this.#unrefElement(t, old);
        s.elements.delete(key);
      }
    }
  }
}
