import ipaddr from 'ipaddr.js';
import type { Expression, SetKeyType } from './schema.ts';

/**
 * Typed values of the nftables subset, shared by the fake (element identity and type checks) and the tracer
 * (matching packet fields against rule values and set elements). Every value is an unsigned integer
 * (addresses as 32/128-bit numbers, protocols, ports, marks, ct state bits) or a string (interface names);
 * an element is one closed interval per concatenated part.
 */

/** A concrete value: an integer of a given width, or a string (interface names). */
export type Scalar = bigint | string;

/** Why a value could not be parsed. */
export interface ValueError {
  readonly error: string;
}

function fail(error: string): ValueError {
  return { error };
}

/** Whether a parse result is an error. */
export function isValueError(v: unknown): v is ValueError {
  return typeof v === 'object' && v !== null && 'error' in v;
}

/** One part of an element: all values `lo <= x <= hi` (strings: equal, or prefix when `wildcard`). */
export interface Interval {
  readonly lo: Scalar;
  readonly hi: Scalar;
  /** String prefix match (`iifname "veth*"`). */
  readonly wildcard?: boolean;
}

/** A parsed element (or rule value): one interval per concatenated part. */
export type ParsedValue = readonly Interval[];

const PROTOCOLS: Readonly<Record<string, number>> = { icmp: 1, igmp: 2, tcp: 6, udp: 17, gre: 47, esp: 50, ah: 51, icmpv6: 58, sctp: 132, udplite: 136 };
const CT_STATE: Readonly<Record<string, number>> = { invalid: 1, established: 2, related: 4, new: 8, untracked: 64 };
const CT_STATUS: Readonly<Record<string, number>> = {
  expected: 1, seen_reply: 2, assured: 4, confirmed: 8, snat: 16, dnat: 32, dying: 512,
};
const FIB_ADDRTYPE: Readonly<Record<string, number>> = {
  unspec: 0, unicast: 1, local: 2, broadcast: 3, anycast: 4, multicast: 5, blackhole: 6, unreachable: 7, prohibit: 8,
};
const NFPROTO: Readonly<Record<string, number>> = { ipv4: 2, ipv6: 10 };

/** The protocol number of a protocol name (`tcp` is 6). */
export function protocolNumber(name: string): number | undefined {
  return PROTOCOLS[name];
}

/** Bits of a ct state name (`established` is 2). */
export function ctStateBits(name: string): number | undefined {
  return CT_STATE[name];
}

/** Bits of a ct status name (`dnat` is 32). */
export function ctStatusBits(name: string): number | undefined {
  return CT_STATUS[name];
}

/** The fib address type number of a name (`local` is 2). */
export function fibAddrType(name: string): number | undefined {
  return FIB_ADDRTYPE[name];
}

/** The types of the parts of a set key (`ipv4_addr . inet_service` has two). */
export function keyParts(type: SetKeyType | undefined): readonly string[] {
  if (type === undefined) return [];
  return typeof type === 'string' ? [type] : type;
}

const MAX: Readonly<Record<string, bigint>> = {
  inet_proto: 255n,
  inet_service: 65_535n,
  mark: 0xffff_ffffn,
  ct_state: 0xffff_ffffn,
  ct_status: 0xffff_ffffn,
  fib_addrtype: 255n,
  nf_proto: 255n,
};

/** Parses an IP address of the given family to its integer, or undefined. */
export function ipToBigInt(text: string, family: 4 | 6): bigint | undefined {
  if (family === 4) {
    if (!ipaddr.IPv4.isValidFourPartDecimal(text)) return undefined;
    return ipaddr.IPv4.parse(text).octets.reduce((n, o) => (n << 8n) | BigInt(o), 0n);
  }
  if (!text.includes(':') || !ipaddr.IPv6.isValid(text)) return undefined;
  return ipaddr.IPv6.parse(text).parts.reduce((n, p) => (n << 16n) | BigInt(p), 0n);
}

/** Formats an address integer back to text (`10.0.0.1`, `fd00::1`). */
export function bigIntToIp(n: bigint, family: 4 | 6): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
  }
  const parts: number[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) parts.push(Number((n >> s) & 0xffffn));
  return new ipaddr.IPv6(parts).toString();
}

function names(expr: unknown, table: Readonly<Record<string, number>>): bigint | ValueError {
  const list = Array.isArray(expr) ? expr : [expr];
  let bits = 0n;
  for (const x of list) {
    if (typeof x === 'number') bits |= BigInt(x);
    else if (typeof x === 'string' && table[x] !== undefined) bits |= BigInt(table[x]);
    else return fail(`unknown value ${JSON.stringify(x)}`);
  }
  return bits;
}

/**
 * Parses one immediate of data type `type` to a scalar. Returns an error string for a value of the wrong
 * type (an IPv6 address where `ipv4_addr` is expected, a port above 65535, an unknown protocol name).
 */
export function parseScalar(expr: unknown, type: string): Scalar | ValueError {
  switch (type) {
    case 'ipv4_addr':
    case 'ipv6_addr': {
      const fam = type === 'ipv4_addr' ? 4 : 6;
      const n = typeof expr === 'string' ? ipToBigInt(expr, fam) : undefined;
      return n ?? fail(`${JSON.stringify(expr)} is not an ${type === 'ipv4_addr' ? 'IPv4' : 'IPv6'} address`);
    }
    case 'ifname':
      return typeof expr === 'string' && expr.length > 0 && expr.length < 16 ? expr : fail(`${JSON.stringify(expr)} is not an interface name`);
    case 'ct_state':
      return names(expr, CT_STATE);
    case 'ct_status':
      return names(expr, CT_STATUS);
    case 'fib_addrtype':
      return names(expr, FIB_ADDRTYPE);
    case 'nf_proto':
      return names(expr, NFPROTO);
    case 'inet_proto':
      if (typeof expr === 'string') {
        const p = PROTOCOLS[expr];
        return p === undefined ? fail(`unknown protocol ${JSON.stringify(expr)}`) : BigInt(p);
      }
      return parseNumber(expr, type);
    default:
      return parseNumber(expr, type);
  }
}

function parseNumber(expr: unknown, type: string): Scalar | ValueError {
  if (typeof expr === 'number' && Number.isSafeInteger(expr) && expr >= 0) {
    const n = BigInt(expr);
    const max = MAX[type];
    return max !== undefined && n > max ? fail(`${expr} is out of range for ${type}`) : n;
  }
  if (typeof expr === 'string' && (type === 'string' || type === 'unknown')) return expr;
  return fail(`${JSON.stringify(expr)} is not a valid ${type}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses one part of an element or a rule's right-hand side to an interval: an immediate, a prefix
 * (`10.0.0.0/8`) or a range (`1000-2000`). `interval` says whether prefixes and ranges are allowed.
 */
export function parseInterval(expr: unknown, type: string, interval: boolean): Interval | ValueError {
  if (isRecord(expr) && 'prefix' in expr) {
    if (!interval) return fail('a prefix needs an interval set');
    const p = expr['prefix'] as { addr: unknown; len: number };
    if (type !== 'ipv4_addr' && type !== 'ipv6_addr') return fail(`a prefix is not a ${type}`);
    const lo = parseScalar(p.addr, type);
    if (typeof lo !== 'bigint') return isValueError(lo) ? lo : fail('prefix of a non-address');
    const bits = type === 'ipv6_addr' ? 128n : 32n;
    const len = BigInt(p.len);
    if (len > bits) return fail(`prefix length ${p.len} too long`);
    const host = (1n << (bits - len)) - 1n;
    return { lo: lo & ~host, hi: (lo & ~host) | host };
  }
  if (isRecord(expr) && 'range' in expr) {
    if (!interval) return fail('a range needs an interval set');
    const [a, b] = expr['range'] as [unknown, unknown];
    const lo = parseScalar(a, type);
    const hi = parseScalar(b, type);
    if (isValueError(lo)) return lo;
    if (isValueError(hi)) return hi;
    if (typeof lo !== 'bigint' || typeof hi !== 'bigint') return fail('a range of strings');
    if (lo > hi) return fail('range is reversed');
    return { lo, hi };
  }
  const v = parseScalar(expr, type);
  if (isValueError(v)) return v;
  if (type === 'ifname' && typeof v === 'string' && v.endsWith('*') && !v.endsWith('\\*')) {
    return { lo: v.slice(0, -1), hi: v.slice(0, -1), wildcard: true };
  }
  return { lo: v, hi: v };
}

/**
 * Parses an element (or value) of a key type of one or more parts. `{"elem": {"val": ...}}` wrappers are
 * unwrapped. Returns an error string when the shape or a part's type is wrong.
 */
export function parseValue(expr: Expression | unknown, types: readonly string[], interval: boolean): ParsedValue | ValueError {
  let e = expr;
  if (isRecord(e) && 'elem' in e) e = (e['elem'] as { val: unknown }).val;
  if (types.length > 1) {
    if (!isRecord(e) || !Array.isArray(e['concat'])) return fail(`expected a concatenation of ${types.join(' . ')}`);
    const parts = e['concat'] as unknown[];
    if (parts.length !== types.length) return fail(`expected ${types.length} concatenated values, got ${parts.length}`);
    const out: Interval[] = [];
    for (let i = 0; i < parts.length; i++) {
      const p = parseInterval(parts[i], types[i] ?? 'unknown', interval);
      if (isValueError(p)) return p;
      out.push(p);
    }
    return out;
  }
  const p = parseInterval(e, types[0] ?? 'unknown', interval);
  return isValueError(p) ? p : [p];
}

/** A stable identity of a parsed element (equal elements, however written, have the same key). */
export function valueKey(v: ParsedValue): string {
  return v.map((i) => (i.lo === i.hi && !i.wildcard ? String(i.lo) : `${String(i.lo)}-${String(i.hi)}${i.wildcard ? '*' : ''}`)).join(' . ');
}

/** Whether the concrete values (one per part) fall inside the parsed element. */
export function valueContains(v: ParsedValue, concrete: readonly Scalar[]): boolean {
  if (v.length !== concrete.length) return false;
  return v.every((i, k) => {
    const c = concrete[k];
    if (c === undefined) return false;
    if (typeof c === 'string' || typeof i.lo === 'string') {
      if (typeof c !== 'string' || typeof i.lo !== 'string') return false;
      return i.wildcard ? c.startsWith(i.lo) : c === i.lo;
    }
    return typeof i.hi === 'bigint' && c >= i.lo && c <= i.hi;
  });
}
