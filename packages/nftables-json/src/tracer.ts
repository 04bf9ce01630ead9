import type { Packet, Verdict } from '@kproxy/api';
import type { Ruleset, RulesetChain, RulesetSet, RulesetTable } from './ruleset.ts';
import type { Expression, Family, Hook, MapElement, RuleObject, Statement } from './schema.ts';
import { ruleText } from './text.ts';
import type { ParsedValue, Scalar } from './values.ts';
import { bigIntToIp, ipToBigInt, isValueError, keyParts, parseScalar, parseValue, protocolNumber, valueContains } from './values.ts';

/**
 * A packet tracer over a `Ruleset`: walks the base chains the way the kernel would for the first packet of
 * a new connection, for kproxy's rule subset, and returns every possible outcome (each `numgen` draw, each
 * branch of a verdict map keyed on it).
 */

/** A packet to trace: `@kproxy/api`'s `Packet`, plus state the rules may read. */
export interface TracePacket extends Packet {
  /** The packet mark on entry. Default 0. */
  readonly mark?: number;
}

/** Options of `trace`. */
export interface TraceOptions {
  /**
   * The node's own addresses: `fib daddr type local` (and `fib saddr ...`) is true for these and for
   * loopback; routing sends packets to them to `input` rather than `forward`.
   */
  readonly localAddresses?: readonly string[];
  /** Only evaluate base chains of these tables (default: every table of the packet's family and `inet`). */
  readonly tables?: readonly { readonly family: Family; readonly name: string }[];
  /** Stop after this many rule evaluations (default 100 000); the result is then `truncated`. */
  readonly maxSteps?: number;
}

/** One possible fate of the packet. */
export interface TraceOutcome {
  readonly verdict: Verdict;
  /** For DNAT: where the packet goes. */
  readonly endpoint?: { readonly ip: string; readonly port: number };
  /** SNAT to the node (`masquerade`) on the way out. */
  readonly masquerade: boolean;
  /** The path touched a set with timeouts (ClientIP affinity): looked it up or updated it. */
  readonly affinity: boolean;
  /** The packet mark at the end. */
  readonly mark: number;
  /** Base chains entered and rules that acted, in order, as `table/chain` and `table/chain #handle: rule`. */
  readonly path: readonly string[];
}

/** Everything that may happen to a packet, and a summary shaped like `@kproxy/api`'s `Trace`. */
export interface TraceResult {
  /** The summary verdict: the common one, else the first of DNAT, REJECT, DROP, PASS that occurs. */
  readonly verdict: Verdict;
  /** Every verdict that occurs. */
  readonly verdicts: readonly Verdict[];
  /** Every DNAT destination, distinct, in the order found. */
  readonly endpoints: readonly { readonly ip: string; readonly port: number }[];
  /** True when any outcome is masqueraded (see `outcomes` for which). */
  readonly masquerade: boolean;
  /** True when any outcome touched an affinity (timeout) set. */
  readonly affinity: boolean;
  /** The union of the outcomes' paths, in the order first seen. */
  readonly path: readonly string[];
  readonly outcomes: readonly TraceOutcome[];
  /** Expressions or statements outside the supported subset that the trace met (matches on them fail). */
  readonly unsupported: readonly string[];
  /** True when `maxSteps` stopped the walk: outcomes are then incomplete. */
  readonly truncated: boolean;
}

interface St {
  readonly v6: boolean;
  saddr: bigint;
  daddr: bigint;
  readonly sport: number;
  dport: number;
  readonly l4: number;
  mark: bigint;
  readonly iifname: string;
  dnat?: { ip: string; port: number };
  masquerade: boolean;
  snat: boolean;
  affinity: boolean;
  path: string[];
}

function clone(st: St): St {
  return { ...st, path: st.path.slice(), ...(st.dnat ? { dnat: { ...st.dnat } } : {}) };
}

type Flow = 'next' | 'accept' | 'drop' | 'reject' | 'return';
interface Out {
  readonly st: St;
  readonly flow: Flow;
}

class Truncated extends Error {}

interface Ctx {
  readonly local: readonly bigint[];
  readonly unsupported: Set<string>;
  steps: number;
  readonly maxSteps: number;
  readonly parsedSets: Map<RulesetSet, (ParsedValue | null)[]>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const PROTO_NAME: Readonly<Record<string, number>> = { TCP: 6, UDP: 17, SCTP: 132 };

/** One possible value of a left-hand expression: concrete parts and their data types. */
interface LeftValue {
  readonly values: readonly Scalar[];
}

/** Evaluates a left-hand expression to every value it can take (several for `numgen`); null: absent field. */
function leftValues(ctx: Ctx, st: St, e: Expression): { types: string[]; options: LeftValue[] } | null {
  if (isRecord(e) && 'concat' in e) {
    const parts = (e as { concat: Expression[] }).concat.map((p) => leftValues(ctx, st, p));
    if (parts.some((p) => p === null)) return null;
    let options: LeftValue[] = [{ values: [] }];
    const types: string[] = [];
    for (const p of parts as { types: string[]; options: LeftValue[] }[]) {
      types.push(...p.types);
      const next: LeftValue[] = [];
      for (const a of options) for (const b of p.options) next.push({ values: [...a.values, ...b.values] });
      options = next;
      if (options.length > 4096) throw new Truncated('too many concatenated numgen values');
    }
    return { types, options };
  }
  const one = (type: string, v: Scalar) => ({ types: [type], options: [{ values: [v] }] });
  if (isRecord(e) && 'payload' in e) {
    const p = (e as { payload: { protocol?: string; field?: string } }).payload;
    const proto = p.protocol ?? '';
    if (proto === 'ip' || proto === 'ip6') {
      if ((proto === 'ip6') !== st.v6) return null;
      const type = proto === 'ip' ? 'ipv4_addr' : 'ipv6_addr';
      if (p.field === 'saddr') return one(type, st.saddr);
      if (p.field === 'daddr') return one(type, st.daddr);
    }
    if (['th', 'tcp', 'udp', 'sctp'].includes(proto) && (p.field === 'dport' || p.field === 'sport')) {
      if (proto !== 'th' && protocolNumber(proto) !== st.l4) return null;
      return one('inet_service', BigInt(p.field === 'dport' ? st.dport : st.sport));
    }
    ctx.unsupported.add(`payload ${JSON.stringify(p)}`);
    return null;
  }
  if (isRecord(e) && 'meta' in e) {
    const key = (e as { meta: { key: string } }).meta.key;
    switch (key) {
      case 'l4proto':
        return one('inet_proto', BigInt(st.l4));
      case 'nfproto':
        return one('nf_proto', st.v6 ? 10n : 2n);
      case 'mark':
        return one('mark', st.mark);
      case 'iifname':
        return one('ifname', st.iifname);
      case 'oifname':
        return one('ifname', '');
      default:
        ctx.unsupported.add(`meta ${key}`);
        return null;
    }
  }
  if (isRecord(e) && 'ct' in e) {
    const key = (e as { ct: { key: string } }).ct.key;
    // The first packet of a new connection; its conntrack status shows the NAT done to it so far.
    if (key === 'state') return one('ct_state', 8n);
    if (key === 'status') return one('ct_status', (st.dnat ? 32n : 0n) | (st.masquerade || st.snat ? 16n : 0n));
    ctx.unsupported.add(`ct ${key}`);
    return null;
  }
  if (isRecord(e) && 'fib' in e) {
    const f = (e as { fib: { result: string; flags?: string | string[] } }).fib;
    const flags = f.flags === undefined ? [] : typeof f.flags === 'string' ? [f.flags] : f.flags;
    if (f.result !== 'type' || (!flags.includes('daddr') && !flags.includes('saddr'))) {
      ctx.unsupported.add(`fib ${JSON.stringify(f)}`);
      return null;
    }
    const addr = flags.includes('daddr') ? st.daddr : st.saddr;
    return one('fib_addrtype', BigInt(addrType(ctx, st.v6, addr)));
  }
  if (isRecord(e) && 'numgen' in e) {
    const n = (e as { numgen: { mod: number; offset?: number } }).numgen;
    if (n.mod > 4096) throw new Truncated(`numgen mod ${n.mod} is too large to enumerate`);
    const options: LeftValue[] = [];
    for (let i = 0; i < n.mod; i++) options.push({ values: [BigInt(i + (n.offset ?? 0))] });
    return { types: ['integer'], options };
  }
  for (const op of ['&', '|', '^'] as const) {
    if (isRecord(e) && op in e) {
      const [l, r] = (e as unknown as Record<string, [Expression, Expression]>)[op] as [Expression, Expression];
      const lv = leftValues(ctx, st, l);
      if (lv === null || typeof r !== 'number') {
        ctx.unsupported.add(`binary ${op} ${JSON.stringify(e)}`);
        return null;
      }
      const rv = BigInt(r);
      return {
        types: lv.types,
        options: lv.options.map((o) => ({
          values: o.values.map((x) => (typeof x === 'bigint' ? (op === '&' ? x & rv : op === '|' ? x | rv : x ^ rv) : x)),
        })),
      };
    }
  }
  ctx.unsupported.add(`expression ${JSON.stringify(e).slice(0, 200)}`);
  return null;
}

function addrType(ctx: Ctx, v6: boolean, addr: bigint): number {
  if (v6) {
    if (addr === 1n || ctx.local.includes(addr)) return 2;
    if (addr >> 120n === 0xffn) return 5;
    return 1;
  }
  if (addr >> 24n === 127n || ctx.local.includes(addr)) return 2;
  if (addr === 0xffffffffn) return 3;
  if (addr >> 28n === 0xen) return 5;
  return 1;
}

/** The elements of a named set, parsed with the set's own key type (null where unparseable), in order. */
function namedElements(ctx: Ctx, s: RulesetSet): (ParsedValue | null)[] {
  const cached = ctx.parsedSets.get(s);
  if (cached) return cached;
  const types = keyParts(s.set.type);
  const out: (ParsedValue | null)[] = [];
  for (const e of s.elements) {
    const key = s.kind === 'map' ? (e as MapElement)[0] : e;
    const v = parseValue(key, types, true);
    if (isValueError(v)) ctx.unsupported.add(`element of ${s.set.name}: ${v.error}`);
    out.push(isValueError(v) ? null : v);
  }
  ctx.parsedSets.set(s, out);
  return out;
}

function hasTimeout(s: RulesetSet): boolean {
  const flags = s.set.flags === undefined ? [] : typeof s.set.flags === 'string' ? [s.set.flags] : s.set.flags;
  return flags.includes('timeout') || s.set.timeout !== undefined;
}

const FLAG_TYPES = new Set(['ct_state', 'ct_status']);

/** Whether one left value satisfies `op right`. */
function matches(ctx: Ctx, st: St, table: RulesetTable, op: string, types: string[], value: LeftValue, right: Expression): boolean {
  if (typeof right === 'string' && right.startsWith('@')) {
    const s = table.sets.get(right.slice(1));
    if (s === undefined) {
      ctx.unsupported.add(`missing set ${right}`);
      return false;
    }
    if (hasTimeout(s)) st.affinity = true;
    const hit = namedElements(ctx, s).some((el) => el !== null && valueContains(el, value.values));
    return op === '!=' ? !hit : hit;
  }
  if (FLAG_TYPES.has(types[0] ?? '') && types.length === 1 && (op === 'in' || op === '==' || op === '!=')) {
    const bits = parseScalar(right, types[0] as string);
    if (isValueError(bits) || typeof bits !== 'bigint') {
      ctx.unsupported.add(`${types[0]} value ${JSON.stringify(right)}`);
      return false;
    }
    const v = value.values[0] as bigint;
    if (op === 'in') return (v & bits) !== 0n;
    return op === '==' ? v === bits : v !== bits;
  }
  const elements: unknown[] = isRecord(right) && 'set' in right ? (right as { set: unknown[] }).set : [right];
  let hit = false;
  for (const el of elements) {
    const parsed = parseValue(el, types, true);
    if (isValueError(parsed)) {
      ctx.unsupported.add(`value ${JSON.stringify(el)}: ${parsed.error}`);
      continue;
    }
    if (op === '<' || op === '>' || op === '<=' || op === '>=') {
      const v = value.values[0];
      const r = parsed[0]?.lo;
      if (typeof v !== 'bigint' || typeof r !== 'bigint') return false;
      return op === '<' ? v < r : op === '>' ? v > r : op === '<=' ? v <= r : v >= r;
    }
    if (valueContains(parsed, value.values)) {
      hit = true;
      break;
    }
  }
  return op === '!=' ? !hit : hit;
}

/** Looks `value` up in verdict-map or map data; returns the data, or undefined when no element matches. */
function lookup(ctx: Ctx, st: St, table: RulesetTable, types: string[], value: LeftValue, data: Expression): Expression | undefined {
  let pairs: { key: ParsedValue | null; data: Expression }[];
  if (typeof data === 'string' && data.startsWith('@')) {
    const s = table.sets.get(data.slice(1));
    if (s === undefined || s.kind !== 'map') {
      ctx.unsupported.add(`missing map ${data}`);
      return undefined;
    }
    if (hasTimeout(s)) st.affinity = true;
    const keys = namedElements(ctx, s);
    pairs = keys.map((key, i) => ({ key, data: (s.elements[i] as MapElement)[1] }));
  } else if (isRecord(data) && 'set' in data) {
    pairs = [];
    for (const el of (data as { set: unknown[] }).set) {
      if (!Array.isArray(el) || el.length !== 2) continue;
      const key = parseValue(el[0], types, true);
      if (isValueError(key)) {
        ctx.unsupported.add(`map key ${JSON.stringify(el[0])}: ${key.error}`);
        continue;
      }
      pairs.push({ key, data: el[1] as Expression });
    }
  } else {
    ctx.unsupported.add(`map data ${JSON.stringify(data).slice(0, 200)}`);
    return undefined;
  }
  return pairs.find((p) => p.key !== null && valueContains(p.key, value.values))?.data;
}

/** Groups the possible left values by what they lead to, forking the state once per distinct result. */
function fork<R>(st: St, options: LeftValue[], decide: (st: St, v: LeftValue) => R): { st: St; result: R }[] {
  if (options.length === 1 && options[0]) return [{ st, result: decide(st, options[0]) }];
  const groups = new Map<string, { st: St; result: R }>();
  for (const o of options) {
    const probe = clone(st);
    const result = decide(probe, o);
    const key = JSON.stringify(result, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
    if (!groups.has(key)) groups.set(key, { st: probe, result });
  }
  const out = [...groups.values()];
  if (out.length === 1 && out[0]) return [{ st: Object.assign(st, out[0].st), result: out[0].result }];
  return out;
}

function describeRule(table: RulesetTable, chain: RulesetChain, rule: RuleObject): string {
  const handle = rule.handle === undefined ? '' : ` #${rule.handle}`;
  return `${table.table.family} ${table.table.name}/${chain.chain.name}${handle}: ${ruleText(rule.expr, rule.comment)}`;
}

function verdictFlow(v: Expression): { flow: Flow } | { jump: string; goto: boolean } | undefined {
  if (!isRecord(v)) return undefined;
  if ('accept' in v) return { flow: 'accept' };
  if ('drop' in v) return { flow: 'drop' };
  if ('return' in v) return { flow: 'return' };
  if ('continue' in v) return { flow: 'next' };
  if ('jump' in v) return { jump: (v as { jump: { target: string } }).jump.target, goto: false };
  if ('goto' in v) return { jump: (v as { goto: { target: string } }).goto.target, goto: true };
  return undefined;
}

/** Runs the statements of one rule from index `i`. */
function runStatements(ctx: Ctx, st: St, table: RulesetTable, chain: RulesetChain, rule: RuleObject, i: number, depth: number, acted: boolean): Out[] {
  const expr = rule.expr ?? [];
  const note = () => {
    if (!acted) st.path.push(describeRule(table, chain, rule));
    acted = true;
  };
  for (; i < expr.length; i++) {
    const s = expr[i] as Statement;
    if ('match' in s) {
      const left = leftValues(ctx, st, s.match.left);
      if (left === null) return [{ st, flow: 'next' }];
      const branches = fork(st, left.options, (probe, v) => matches(ctx, probe, table, s.match.op, left.types, v, s.match.right));
      if (branches.length === 1) {
        if (!branches[0]?.result) return [{ st, flow: 'next' }];
        continue;
      }
      const outs: Out[] = [];
      for (const b of branches) {
        if (b.result) outs.push(...runStatements(ctx, b.st, table, chain, rule, i + 1, depth, acted));
        else outs.push({ st: b.st, flow: 'next' });
      }
      return outs;
    }
    if ('vmap' in s) {
      const left = leftValues(ctx, st, s.vmap.key);
      if (left === null) return [{ st, flow: 'next' }];
      const branches = fork(st, left.options, (probe, v) => lookup(ctx, probe, table, left.types, v, s.vmap.data) ?? null);
      const outs: Out[] = [];
      for (const b of branches) {
        if (b.result === null) {
          outs.push({ st: b.st, flow: 'next' });
          continue;
        }
        if (!acted) b.st.path.push(describeRule(table, chain, rule));
        outs.push(...applyVerdict(ctx, b.st, table, b.result as Expression, depth));
      }
      return outs;
    }
    const v = verdictFlow(s as Expression);
    if (v !== undefined) {
      note();
      return applyVerdict(ctx, st, table, s as Expression, depth);
    }
    if ('counter' in s || 'notrack' in s) continue;
    if ('reject' in s) {
      note();
      return [{ st, flow: 'reject' }];
    }
    if ('mangle' in s) {
      note();
      const key = s.mangle.key;
      if (isRecord(key) && 'meta' in key && (key as { meta: { key: string } }).meta.key === 'mark') {
        const val = leftValues(ctx, st, s.mangle.value);
        const n = typeof s.mangle.value === 'number' ? BigInt(s.mangle.value) : val?.options[0]?.values[0];
        if (typeof n === 'bigint') st.mark = n & 0xffff_ffffn;
        else ctx.unsupported.add(`mark value ${JSON.stringify(s.mangle.value)}`);
      } else ctx.unsupported.add(`mangle ${JSON.stringify(key)}`);
      continue;
    }
    if ('dnat' in s) {
      note();
      const addrExpr = s.dnat.addr;
      if (isRecord(addrExpr) && 'map' in addrExpr) {
        const m = (addrExpr as { map: { key: Expression; data: Expression } }).map;
        const left = leftValues(ctx, st, m.key);
        if (left === null) return [{ st, flow: 'next' }];
        const branches = fork(st, left.options, (probe, v) => lookup(ctx, probe, table, left.types, v, m.data) ?? null);
        const outs: Out[] = [];
        for (const b of branches) {
          if (b.result === null) {
            // No mapping: the kernel drops the packet (NAT with no address).
            outs.push({ st: b.st, flow: 'drop' });
            continue;
          }
          const d = b.result as Expression;
          const parts = isRecord(d) && 'concat' in d ? (d as { concat: Expression[] }).concat : [d];
          outs.push(doDnat(ctx, b.st, parts[0], parts[1] ?? s.dnat.port));
        }
        return outs;
      }
      return [doDnat(ctx, st, addrExpr, s.dnat.port)];
    }
    if ('masquerade' in s) {
      note();
      st.masquerade = true;
      return [{ st, flow: 'accept' }];
    }
    if ('snat' in s) {
      note();
      st.snat = true;
      return [{ st, flow: 'accept' }];
    }
    if ('set' in s) {
      note();
      const target = table.sets.get(s.set.set.slice(1));
      if (target !== undefined && hasTimeout(target)) st.affinity = true;
      continue;
    }
    ctx.unsupported.add(`statement ${JSON.stringify(s).slice(0, 200)}`);
  }
  return [{ st, flow: 'next' }];
}

function doDnat(ctx: Ctx, st: St, addr: Expression | undefined, port: Expression | undefined): Out {
  const text = typeof addr === 'string' ? addr : undefined;
  const n = text === undefined ? undefined : ipToBigInt(text, st.v6 ? 6 : 4);
  if (n === undefined || text === undefined) {
    ctx.unsupported.add(`dnat address ${JSON.stringify(addr)}`);
    return { st, flow: 'accept' };
  }
  const p = typeof port === 'number' ? port : st.dport;
  st.daddr = n;
  st.dport = p;
  st.dnat = { ip: bigIntToIp(n, st.v6 ? 6 : 4), port: p };
  return { st, flow: 'accept' };
}

function applyVerdict(ctx: Ctx, st: St, table: RulesetTable, v: Expression, depth: number): Out[] {
  const f = verdictFlow(v);
  if (f === undefined) {
    ctx.unsupported.add(`verdict ${JSON.stringify(v)}`);
    return [{ st, flow: 'next' }];
  }
  if ('flow' in f) return [{ st, flow: f.flow }];
  const target = table.chains.get(f.jump);
  if (target === undefined) {
    ctx.unsupported.add(`missing chain ${f.jump}`);
    return [{ st, flow: 'next' }];
  }
  if (depth > 16) throw new Truncated('jump depth over 16');
  const outs: Out[] = [];
  for (const end of runChain(ctx, st, table, target, depth + 1)) {
    // A return (or the end) of a jumped-to chain resumes after the jumping rule; of a goto, it returns
    // from the calling chain.
    if (end.flow === 'return' || end.flow === 'next') outs.push({ st: end.st, flow: f.goto ? 'return' : 'next' });
    else outs.push(end);
  }
  return outs;
}

/** Runs a chain from its first rule; `next` in the result means the chain ended without a verdict. */
function runChain(ctx: Ctx, st: St, table: RulesetTable, chain: RulesetChain, depth: number): Out[] {
  return runRules(ctx, st, table, chain, 0, depth);
}

function runRules(ctx: Ctx, st: St, table: RulesetTable, chain: RulesetChain, from: number, depth: number): Out[] {
  for (let i = from; i < chain.rules.length; i++) {
    if (++ctx.steps > ctx.maxSteps) throw new Truncated('step limit');
    const outs = runStatements(ctx, st, table, chain, chain.rules[i] as RuleObject, 0, depth, false);
    if (outs.length === 1 && outs[0]?.flow === 'next') {
      st = outs[0].st;
      continue;
    }
    const results: Out[] = [];
    for (const o of outs) {
      if (o.flow === 'next') results.push(...runRules(ctx, o.st, table, chain, i + 1, depth));
      else results.push(o);
    }
    return results;
  }
  return [{ st, flow: 'next' }];
}

interface BaseChain {
  readonly table: RulesetTable;
  readonly chain: RulesetChain;
  readonly prio: number;
}

/** Runs every base chain of a hook in priority order; returns accepted states and final outcomes. */
function runHook(ctx: Ctx, states: St[], bases: readonly BaseChain[], hook: Hook, finals: { st: St; verdict: Verdict }[]): St[] {
  let current = states;
  let natDone = new Set<St>();
  for (const b of bases) {
    if (b.chain.chain.hook !== hook) continue;
    const next: St[] = [];
    const nextNatDone = new Set<St>();
    for (const st of current) {
      // Once a NAT chain bound the connection at this hook, later NAT chains there are not consulted.
      if (b.chain.chain.type === 'nat' && natDone.has(st)) {
        next.push(st);
        nextNatDone.add(st);
        continue;
      }
      const before = { dnat: st.dnat, masq: st.masquerade || st.snat };
      st.path.push(`${b.table.table.family} ${b.table.table.name}/${b.chain.chain.name} (${hook} ${b.prio})`);
      for (const end of runChain(ctx, st, b.table, b.chain, 0)) {
        if (end.flow === 'drop') finals.push({ st: end.st, verdict: 'DROP' });
        else if (end.flow === 'reject') finals.push({ st: end.st, verdict: 'REJECT' });
        else if (end.flow !== 'accept' && b.chain.chain.policy === 'drop') {
          end.st.path.push(`${b.table.table.name}/${b.chain.chain.name}: policy drop`);
          finals.push({ st: end.st, verdict: 'DROP' });
        } else {
          next.push(end.st);
          const bound = end.st.dnat !== before.dnat || (end.st.masquerade || end.st.snat) !== before.masq;
          if (b.chain.chain.type === 'nat' && (bound || natDone.has(st))) nextNatDone.add(end.st);
        }
      }
    }
    current = next;
    natDone = nextNatDone;
  }
  return current;
}

/** Summarises outcomes into a `TraceResult`. */
function summarise(outcomes: TraceOutcome[], unsupported: Set<string>, truncated: boolean): TraceResult {
  const verdicts = [...new Set(outcomes.map((o) => o.verdict))];
  const order: Verdict[] = ['DNAT', 'REJECT', 'DROP', 'PASS'];
  const verdict = verdicts.length === 1 ? (verdicts[0] as Verdict) : (order.find((v) => verdicts.includes(v)) ?? 'PASS');
  const seen = new Set<string>();
  const endpoints: { ip: string; port: number }[] = [];
  for (const o of outcomes) {
    if (o.endpoint === undefined) continue;
    const key = `${o.endpoint.ip}|${o.endpoint.port}`;
    if (!seen.has(key)) {
      seen.add(key);
      endpoints.push(o.endpoint);
    }
  }
  const path: string[] = [];
  const inPath = new Set<string>();
  for (const o of outcomes) {
    for (const p of o.path) {
      if (!inPath.has(p)) {
        inPath.add(p);
        path.push(p);
      }
    }
  }
  return {
    verdict,
    verdicts,
    endpoints,
    masquerade: outcomes.some((o) => o.masquerade),
    affinity: outcomes.some((o) => o.affinity),
    path,
    outcomes,
    unsupported: [...unsupported],
    truncated,
  };
}

/**
 * Traces the first packet of a new connection through `ruleset`. For a `prerouting` packet: the prerouting
 * base chains (filter and nat, by priority; DNAT happens here), routing (to `input` when the destination,
 * after DNAT, is a local address, else `forward` then `postrouting`, where masquerade happens). For an
 * `output` packet: the output chains, then `postrouting`, then `input` when the destination is local.
 * Every `numgen` draw is explored, so a service's outcomes list each reachable endpoint.
 */
export function trace(ruleset: Ruleset, packet: TracePacket, options: TraceOptions = {}): TraceResult {
  const v6 = packet.family === 'IPv6';
  const fam = v6 ? 6 : 4;
  const parse = (a: string, what: string): bigint => {
    const n = ipToBigInt(a, fam);
    if (n === undefined) throw new TypeError(`${what} ${JSON.stringify(a)} is not an ${packet.family} address`);
    return n;
  };
  const ctx: Ctx = {
    local: (options.localAddresses ?? []).flatMap((a) => {
      const n = ipToBigInt(a, fam);
      return n === undefined ? [] : [n];
    }),
    unsupported: new Set(),
    steps: 0,
    maxSteps: options.maxSteps ?? 100_000,
    parsedSets: new Map(),
  };
  const l4 = PROTO_NAME[packet.protocol];
  if (l4 === undefined) throw new TypeError(`unknown protocol ${JSON.stringify(packet.protocol)}`);
  const st: St = {
    v6,
    saddr: parse(packet.src, 'source'),
    daddr: parse(packet.dst, 'destination'),
    sport: packet.sport ?? 32768,
    dport: packet.dport,
    l4,
    mark: BigInt(packet.mark ?? 0),
    iifname: packet.hook === 'prerouting' ? (packet.iifname ?? '') : '',
    masquerade: false,
    snat: false,
    affinity: false,
    path: [],
  };
  const families: Family[] = v6 ? ['ip6', 'inet'] : ['ip', 'inet'];
  const bases: BaseChain[] = [];
  for (const t of ruleset.tables) {
    if (!families.includes(t.table.family)) continue;
    if (options.tables && !options.tables.some((x) => x.family === t.table.family && x.name === t.table.name)) continue;
    for (const c of t.chains.values()) {
      if (c.chain.hook !== undefined) bases.push({ table: t, chain: c, prio: c.chain.prio ?? 0 });
    }
  }
  bases.sort((a, b) => a.prio - b.prio);

  const finals: { st: St; verdict: Verdict }[] = [];
  let truncated = false;
  try {
    const isLocal = (s: St) => addrType(ctx, s.v6, s.daddr) === 2;
    if (packet.hook === 'prerouting') {
      const routed = runHook(ctx, [st], bases, 'prerouting', finals);
      const toInput = routed.filter(isLocal);
      const forwarded = runHook(ctx, routed.filter((s) => !isLocal(s)), bases, 'forward', finals);
      const out = runHook(ctx, forwarded, bases, 'postrouting', finals);
      for (const s of [...runHook(ctx, toInput, bases, 'input', finals), ...out]) finals.push({ st: s, verdict: s.dnat ? 'DNAT' : 'PASS' });
    } else {
      const sent = runHook(ctx, [st], bases, 'output', finals);
      const out = runHook(ctx, sent, bases, 'postrouting', finals);
      const local = runHook(ctx, out.filter(isLocal), bases, 'input', finals);
      for (const s of [...local, ...out.filter((x) => !isLocal(x))]) finals.push({ st: s, verdict: s.dnat ? 'DNAT' : 'PASS' });
    }
  } catch (err) {
    if (!(err instanceof Truncated)) throw err;
    truncated = true;
    ctx.unsupported.add(`truncated: ${err.message}`);
  }
  const outcomes: TraceOutcome[] = finals.map(({ st: s, verdict }) => ({
    verdict,
    ...(s.dnat && verdict === 'DNAT' ? { endpoint: s.dnat } : {}),
    masquerade: s.masquerade,
    affinity: s.affinity,
    mark: Number(s.mark),
    path: s.path,
  }));
  return summarise(outcomes, ctx.unsupported, truncated);
}
