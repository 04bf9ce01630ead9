import { InvalidCommandError } from './errors.ts';
import type { Command, NftablesDocument } from './schema.ts';
import { documentOf } from './transaction.ts';
import type { Transaction } from './transaction.ts';
import { NFT_KEYWORDS } from './wire-keywords.ts';
import { isRecord, isUint, soleKey } from './shape.ts';

/**
 * The text wire: a strict serializer of an nftables JSON document into nft's native syntax, one command per
 * line, which nft 1.0.6 parses (`nft -f`) much faster than the same batch in JSON. The JSON document stays the
 * model; this is only how it travels, and it must load exactly what nft 1.0.6 loads from the JSON:
 *
 * - Values are written the way nft's JSON parser reads them: string and number immediates as quoted strings
 *   (`"10.0.0.1"`, `"80"`), which nft's grammar turns into the same symbol expression the JSON parser builds (it
 *   parses JSON integers from their decimal text too); `"@name"` as a set reference, `"*"` as the catch-all
 *   element. Only fields that are numbers in the grammar (`mod`, prefix lengths, priorities, handles, sizes,
 *   timeouts) are bare numbers.
 * - The strings nft's JSON parser turns into typed constants (`tcp`, `udp`, `sctp`, `icmp`, ...: protocol
 *   numbers, not names looked up in /etc/protocols) are written as the bare keywords nft's grammar turns into
 *   the same constants, where the grammar allows them (match values, set elements); elsewhere they are refused.
 * - Relational `in` is nft's implicit operator (`ct state "new"`: a flag test), `==` stays `==`.
 * - Names (tables, chains, sets, maps, jump targets) are unquoted identifiers: nft 1.0.6 refuses quoted ones.
 *   Only `[A-Za-z_][A-Za-z0-9_./-]*` that is not an nft keyword is written.
 * - Quoted strings (values, comments, devices) have no escapes in nft: only printable ASCII without `"` and
 *   `\` is written.
 * - Fields nft 1.0.6's JSON parser ignores are left out the same way (the `comment` of tables, chains, sets
 *   and maps), and forms it reads differently are refused (set `flags` as one string, which it ignores; `ct`
 *   with a family).
 * - Every object, statement and expression is checked against the keys it may carry; anything outside the
 *   subset written here (an unknown key, payload field, meta key, nesting the grammar cannot express) is
 *   refused rather than approximated.
 *
 * What cannot be written this way makes `nftScript` throw `InvalidCommandError` (the client then sends that
 * document as JSON). Checked against nft 1.0.6 by `wire-text.kernel.test.ts`: both wires load the same listing.
 */

/** Why a part of a command cannot be written; converted to `InvalidCommandError` with the command's index. */
class Unwritable extends Error {}

function fail(message: string): never {
  throw new Unwritable(message);
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 120 ? `${s.slice(0, 120)}...` : s;
}

/** Refuses a body with a key outside `allowed` (nft's JSON parser might read it, so the text must not drop it). */
function onlyKeys(body: Record<string, unknown>, allowed: ReadonlySet<string>, what: string): void {
  for (const k in body) {
    if (!allowed.has(k) && body[k] !== undefined) fail(`${what} has a field the text wire does not write: ${JSON.stringify(k)}`);
  }
}

const keys = (...k: string[]): ReadonlySet<string> => new Set(k);

// ---------------------------------------------------------------------------------------------------------
// Tokens

const IDENT = /^[A-Za-z_][A-Za-z0-9_./-]*$/;
const goodNames = new Set<string>();
const GOOD_NAMES_MAX = 200_000;

/** An object name as an nft identifier (never quoted: nft 1.0.6 refuses quoted names). */
function ident(s: unknown, what: string): string {
  if (typeof s !== 'string') fail(`${what} must be a string`);
  if (goodNames.has(s)) return s;
  if (s.length > 255 || !IDENT.test(s)) fail(`${what} ${show(s)} is not an identifier nft's text syntax reads unquoted`);
  if (NFT_KEYWORDS.has(s)) fail(`${what} ${show(s)} is an nft keyword`);
  if (goodNames.size >= GOOD_NAMES_MAX) goodNames.clear();
  goodNames.add(s);
  return s;
}

// Printable ASCII except `"` and `\`: nft's quoted strings end at the next `"` and know no escapes.
const QUOTABLE = /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/;

/** A string as an nft quoted string. */
function quote(s: string, what: string): string {
  if (!QUOTABLE.test(s)) fail(`${what} ${show(s)} is not printable ASCII without quotes and backslashes`);
  return `"${s}"`;
}

/** A number field of the grammar (not an expression): a bare decimal. */
function num(v: unknown, what: string): string {
  if (!isUint(v)) fail(`${what} must be an unsigned integer, got ${show(v)}`);
  return String(v);
}

/** Seconds as an nft time string (`10800s`). */
function seconds(v: unknown, what: string): string {
  return `${num(v, what)}s`;
}

const FAMILY = keys('ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev');
function family(v: unknown): string {
  if (typeof v !== 'string' || !FAMILY.has(v)) fail(`invalid family ${show(v)}`);
  return v;
}

/** Data type names that are keywords but that nft's `type_identifier` accepts. */
const KEYWORD_TYPES = keys('mark', 'dscp', 'ecn', 'classid');
const TYPE_NAME = /^[a-z][a-z0-9_]*$/;

function dataType(t: unknown, what: string): string {
  const parts = Array.isArray(t) ? (t as unknown[]) : [t];
  if (parts.length === 0) fail(`${what} is empty`);
  return parts
    .map((p) => {
      if (typeof p !== 'string' || !TYPE_NAME.test(p) || (NFT_KEYWORDS.has(p) && !KEYWORD_TYPES.has(p))) fail(`${what} ${show(t)} cannot be written`);
      return p;
    })
    .join(' . ');
}

function flagList(v: unknown, allowed: ReadonlySet<string>, what: string): string[] {
  const list = Array.isArray(v) ? (v as unknown[]) : v === undefined ? [] : [v];
  return list.map((f) => {
    if (typeof f !== 'string' || !allowed.has(f)) fail(`${what} flag ${show(f)} cannot be written`);
    return f;
  });
}

// ---------------------------------------------------------------------------------------------------------
// Expressions

const PAYLOAD_FIELDS: Readonly<Record<string, ReadonlySet<string>>> = {
  ip: keys('saddr', 'daddr', 'protocol', 'ttl', 'length', 'id', 'version', 'hdrlength', 'dscp', 'ecn', 'checksum'),
  ip6: keys('saddr', 'daddr', 'nexthdr', 'hoplimit', 'flowlabel', 'length', 'version', 'dscp', 'ecn'),
  th: keys('sport', 'dport'),
  tcp: keys('sport', 'dport', 'sequence', 'ackseq', 'doff', 'flags', 'window', 'checksum', 'urgptr'),
  udp: keys('sport', 'dport', 'length', 'checksum'),
  sctp: keys('sport', 'dport', 'vtag', 'checksum'),
  ether: keys('saddr', 'daddr', 'type'),
  icmp: keys('type', 'code', 'checksum', 'id', 'sequence', 'mtu', 'gateway'),
  icmpv6: keys('type', 'code', 'checksum', 'id', 'sequence', 'mtu'),
};
const PAYLOAD_BASES = keys('ll', 'nh', 'th');
const META_KEYS = keys(
  'l4proto', 'nfproto', 'mark', 'iifname', 'oifname', 'iif', 'oif', 'protocol', 'length', 'priority', 'skuid',
  'skgid', 'iiftype', 'oiftype', 'pkttype', 'cpu', 'iifgroup', 'oifgroup', 'cgroup', 'nftrace', 'rtclassid',
);
const CT_KEYS = keys('state', 'status', 'mark', 'direction', 'expiration', 'l3proto', 'protocol', 'zone', 'bytes', 'packets', 'avgpkt');
const CT_DIR_KEYS = keys('saddr', 'daddr', 'l3proto', 'protocol', 'proto-src', 'proto-dst', 'zone', 'bytes', 'packets', 'avgpkt');
const FIB_FLAGS = keys('saddr', 'daddr', 'mark', 'iif', 'oif');
const FIB_RESULTS = keys('oif', 'oifname', 'type');
const SIMPLE_VERDICTS = keys('accept', 'drop', 'continue', 'return');
/** Binding strength of binary operators in nft's grammar (C-like: shifts, then &, ^, |). */
const BINOP_LEVEL: Readonly<Record<string, number>> = { '<<': 4, '>>': 4, '&': 3, '^': 2, '|': 1 };

const K_PAYLOAD_FIELD = keys('protocol', 'field');
const K_PAYLOAD_RAW = keys('base', 'offset', 'len');
const K_KEY = keys('key');
const K_CT = keys('key', 'family', 'dir');
const K_FIB = keys('result', 'flags');
const K_NUMGEN = keys('mode', 'mod', 'offset');
const K_MAP = keys('key', 'data');
const K_PREFIX = keys('addr', 'len');
const K_ELEM = keys('val', 'timeout', 'expires', 'comment');
const K_TARGET = keys('target');

/**
 * A packet or state expression (the left-hand side of a match, a map key, a binary operand on the left):
 * payload, meta, ct, fib, numgen, concatenations of those, binary operations, and (`withMap`) map lookups.
 */
function selector(e: unknown, withMap = false): string {
  if (!isRecord(e)) fail(`expected a packet expression, got ${show(e)}`);
  const k = soleKey(e);
  const v = k === undefined ? undefined : e[k];
  const b = isRecord(v) ? v : undefined;
  switch (k) {
    case 'payload': {
      if (b === undefined) break;
      if (typeof b['protocol'] === 'string') {
        onlyKeys(b, K_PAYLOAD_FIELD, 'payload');
        const fields = PAYLOAD_FIELDS[b['protocol']];
        if (fields === undefined || typeof b['field'] !== 'string' || !fields.has(b['field'])) fail(`payload ${show(b)} cannot be written`);
        return `${b['protocol']} ${b['field']}`;
      }
      onlyKeys(b, K_PAYLOAD_RAW, 'payload');
      if (typeof b['base'] !== 'string' || !PAYLOAD_BASES.has(b['base'])) fail(`payload base ${show(b['base'])} cannot be written`);
      return `@${b['base']},${num(b['offset'], 'payload offset')},${num(b['len'], 'payload length')}`;
    }
    case 'meta':
      if (b === undefined) break;
      onlyKeys(b, K_KEY, 'meta');
      if (typeof b['key'] !== 'string' || !META_KEYS.has(b['key'])) fail(`meta key ${show(b['key'])} cannot be written`);
      return `meta ${b['key']}`;
    case 'ct': {
      if (b === undefined) break;
      onlyKeys(b, K_CT, 'ct');
      const key = b['key'];
      const dir = b['dir'];
      const fam = b['family'];
      if (typeof key !== 'string') fail(`ct key ${show(key)} cannot be written`);
      if (dir === undefined) {
        if (fam !== undefined || !CT_KEYS.has(key)) fail(`ct ${show(b)} cannot be written`);
        return `ct ${key}`;
      }
      // No family: nft's JSON parser reads `ct original saddr` with a family as the family-less key, the text
      // grammar's `ct original ip saddr` is another kernel expression.
      if ((dir !== 'original' && dir !== 'reply') || !CT_DIR_KEYS.has(key) || fam !== undefined) fail(`ct ${show(b)} cannot be written`);
      return `ct ${dir} ${key}`;
    }
    case 'fib': {
      if (b === undefined) break;
      onlyKeys(b, K_FIB, 'fib');
      const flags = flagList(b['flags'], FIB_FLAGS, 'fib');
      if (flags.length === 0 || typeof b['result'] !== 'string' || !FIB_RESULTS.has(b['result'])) fail(`fib ${show(b)} cannot be written`);
      return `fib ${flags.join(' . ')} ${b['result']}`;
    }
    case 'numgen': {
      if (b === undefined) break;
      onlyKeys(b, K_NUMGEN, 'numgen');
      if (b['mode'] !== 'random' && b['mode'] !== 'inc') fail(`numgen mode ${show(b['mode'])} cannot be written`);
      const offset = b['offset'] === undefined ? '' : ` offset ${num(b['offset'], 'numgen offset')}`;
      return `numgen ${b['mode']} mod ${num(b['mod'], 'numgen mod')}${offset}`;
    }
    case 'concat': {
      if (!Array.isArray(v) || v.length < 2) fail('a concatenation needs at least two expressions');
      return concatenation(v, (x) => selector(x));
    }
    case 'map': {
      if (!withMap || b === undefined) break;
      onlyKeys(b, K_MAP, 'map');
      return `${selector(b['key'])} map ${mapData(b['data'])}`;
    }
    case '|':
    case '&':
    case '^':
    case '<<':
    case '>>': {
      if (!Array.isArray(v) || v.length !== 2) fail(`operator ${k} needs two operands`);
      const [l, r] = v as unknown[];
      // Left-associative grammar: a left operand that is itself an operation must bind at least as tightly.
      const inner = isRecord(l) ? soleKey(l) : undefined;
      const innerLevel = inner === undefined ? undefined : BINOP_LEVEL[inner];
      if (innerLevel !== undefined && innerLevel < (BINOP_LEVEL[k] as number)) fail(`${show(e)} needs parentheses, which the text wire does not write`);
      if (isRecord(l) && 'concat' in l) fail('an operation on a concatenation cannot be written');
      return `${selector(l)} ${k} ${atom(r, false)}`;
    }
  }
  return fail(`expected a packet expression, got ${show(e)}`);
}

/**
 * Strings nft's JSON parser turns into typed constants (`tcp` is protocol 6 of type inet_proto, not a symbol
 * looked up in /etc/protocols), mirroring the bare keywords of nft's grammar that do the same on a right-hand
 * side. Written as those bare keywords, which nft accepts only there (`rhs`). `redirect` (an ICMP type) is left
 * out: its keyword also opens the NAT statement's scanner state.
 */
const JSON_CONSTANTS = keys('tcp', 'udp', 'udplite', 'esp', 'ah', 'icmp', 'icmpv6', 'comp', 'dccp', 'sctp');

/** An immediate: a quoted string or number (nft's symbol, as JSON's), or a JSON constant's keyword (`rhs` only). */
function atom(v: unknown, rhs: boolean): string {
  if (typeof v === 'string') {
    if (v.startsWith('@')) fail(`a set reference ${show(v)} cannot stand here`);
    if (v === '*') fail('the catch-all "*" can only be a set element');
    if (JSON_CONSTANTS.has(v)) {
      if (!rhs) fail(`${show(v)} can only be written as a match value or set element`);
      return v;
    }
    if (v === 'redirect') fail('"redirect" (a JSON constant) cannot be written');
    return quote(v, 'value');
  }
  if (typeof v === 'number') {
    if (!isUint(v)) fail(`number ${show(v)} is not an unsigned integer`);
    return `"${v}"`;
  }
  return fail(`expected a value, got ${show(v)}`);
}

/** The parts of a concatenation joined by ` . `, each written by `part` (nft has no nested concatenations). */
function concatenation(parts: readonly unknown[], part: (x: unknown) => string): string {
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const x = parts[i];
    if (isRecord(x) && 'concat' in x) fail('nested concatenations cannot be written');
    out += i === 0 ? part(x) : ` . ${part(x)}`;
  }
  return out;
}

/** A value on a right-hand side: an immediate, prefix, range, or a concatenation of those. */
function value(v: unknown): string {
  if (typeof v === 'string' || typeof v === 'number') return atom(v, true);
  if (!isRecord(v)) return fail(`expected a value, got ${show(v)}`);
  const k = soleKey(v);
  const body = k === undefined ? undefined : v[k];
  switch (k) {
    case 'prefix': {
      if (!isRecord(body)) break;
      onlyKeys(body, K_PREFIX, 'prefix');
      if (!isUint(body['len']) || body['len'] > 128) fail(`prefix length ${show(body['len'])} cannot be written`);
      return `${atom(body['addr'], false)}/${body['len']}`;
    }
    case 'range': {
      if (!Array.isArray(body) || body.length !== 2) break;
      return `${atom(body[0], false)}-${atom(body[1], false)}`;
    }
    case 'concat': {
      if (!Array.isArray(body) || body.length < 2) break;
      return concatenation(body, value);
    }
  }
  return fail(`expected a value, got ${show(v)}`);
}

/** A verdict (statement, or the data of a verdict map), or undefined when `v` is none. */
function verdict(v: unknown): string | undefined {
  if (!isRecord(v)) return undefined;
  const k = soleKey(v);
  if (k === undefined) return undefined;
  if (SIMPLE_VERDICTS.has(k)) {
    if (v[k] !== null) fail(`${k} takes null`);
    return k;
  }
  if (k === 'jump' || k === 'goto') {
    const b = v[k];
    if (!isRecord(b)) fail(`${k} needs a target`);
    onlyKeys(b, K_TARGET, k);
    return `${k} ${ident(b['target'], `${k} target`)}`;
  }
  return undefined;
}

/** A set element key: a value, `*`, or `{elem: {val, timeout, expires, comment}}`. */
function elementKey(e: unknown): string {
  if (e === '*') return '*';
  if (isRecord(e) && 'elem' in e) {
    const b = e['elem'];
    if (soleKey(e) !== 'elem' || !isRecord(b)) fail(`malformed element ${show(e)}`);
    onlyKeys(b, K_ELEM, 'element');
    let out = b['val'] === '*' ? '*' : value(b['val']);
    if (b['timeout'] !== undefined) out += ` timeout ${seconds(b['timeout'], 'element timeout')}`;
    if (b['expires'] !== undefined) out += ` expires ${seconds(b['expires'], 'element expiry')}`;
    if (b['comment'] !== undefined) out += ` comment ${comment(b['comment'])}`;
    return out;
  }
  return value(e);
}

/** One member of a set/map element list or anonymous set: a key, or `[key, data]`. */
function element(e: unknown): string {
  if (Array.isArray(e)) {
    if (e.length !== 2) fail(`a map element must be [key, data], got ${show(e)}`);
    return `${elementKey(e[0])} : ${verdict(e[1]) ?? value(e[1])}`;
  }
  return elementKey(e);
}

function elements(list: unknown): string {
  if (!Array.isArray(list) || list.length === 0) fail('an element list must be a non-empty array');
  let out = '{ ';
  for (let i = 0; i < list.length; i++) out += (i === 0 ? '' : ', ') + element(list[i]);
  return `${out} }`;
}

/** The data of a map or vmap: `@name`, or an anonymous set of `[key, data]` pairs. */
function mapData(d: unknown): string {
  if (typeof d === 'string' && d.startsWith('@')) return `@${ident(d.slice(1), 'map reference')}`;
  if (isRecord(d) && soleKey(d) === 'set' && Array.isArray(d['set'])) {
    const list = d['set'] as unknown[];
    for (const x of list) if (!Array.isArray(x)) fail(`an anonymous map needs [key, data] pairs, got ${show(x)}`);
    return elements(list);
  }
  return fail(`map data must be "@name" or an anonymous set of pairs, got ${show(d)}`);
}

/** The right-hand side of a match. */
function matchRight(v: unknown): string {
  if (typeof v === 'string' && v.startsWith('@')) return `@${ident(v.slice(1), 'set reference')}`;
  if (typeof v === 'boolean') return v ? 'exists' : 'missing';
  if (Array.isArray(v)) {
    // A JSON array on the right is nft's list (`ct state established,related`), not a set.
    if (v.length === 0) fail('an empty list cannot be written');
    return v.map((x) => atom(x, true)).join(',');
  }
  if (isRecord(v) && soleKey(v) === 'set') {
    const list = v['set'];
    if (!Array.isArray(list)) fail('an anonymous set must be an array');
    for (const x of list) if (Array.isArray(x)) fail('an anonymous set of pairs cannot be matched against');
    return elements(list);
  }
  return value(v);
}

/** An expression a statement writes (mangle value, NAT address or port): a value or a packet expression. */
function statementValue(v: unknown): string {
  if (typeof v === 'string' || typeof v === 'number') return atom(v, false);
  if (isRecord(v)) {
    const k = soleKey(v);
    if (k === 'range') return value(v);
  }
  return selector(v, true);
}

function comment(c: unknown): string {
  if (typeof c !== 'string') fail('comment must be a string');
  return quote(c, 'comment');
}

// ---------------------------------------------------------------------------------------------------------
// Statements

const K_MATCH = keys('op', 'left', 'right');
const K_COUNTER = keys('packets', 'bytes');
const K_REJECT = keys('type', 'expr');
const K_MANGLE = keys('key', 'value');
const K_NAT = keys('addr', 'port', 'family', 'flags');
const K_MASQ = keys('port', 'flags');
const K_SETSTMT = keys('op', 'elem', 'set');
const MATCH_OPS = keys('==', '!=', '<', '>', '<=', '>=', 'in');
const NAT_FLAGS = keys('random', 'fully-random', 'persistent');
const REJECT_CODE = /^[a-z][a-z0-9-]*$/;

function natFlags(f: unknown): string {
  if (f === undefined) return '';
  const list = flagList(f, NAT_FLAGS, 'nat');
  return list.length === 0 ? '' : ` ${list.join(',')}`;
}

function isMapExpr(v: unknown): boolean {
  return isRecord(v) && soleKey(v) === 'map';
}

/**
 * Match statements already written in this document, by identity: renderers share them (every DNAT rule's
 * protocol match and `numgen ... == 0`), and a document cannot change while it is being written (the map lives
 * for one `scriptBytes` call). Other statements are mostly unique (NAT targets), not worth remembering.
 */
let writtenMatches: Map<object, string> | undefined;

function statement(s: unknown): string {
  if (!isRecord(s)) fail(`not a statement: ${show(s)}`);
  if ('match' in s && writtenMatches !== undefined) {
    let text = writtenMatches.get(s);
    if (text === undefined) {
      text = statementText(s);
      writtenMatches.set(s, text);
    }
    return text;
  }
  return statementText(s);
}

function statementText(s: Record<string, unknown>): string {
  const k = soleKey(s);
  const v = k === undefined ? undefined : s[k];
  const b = isRecord(v) ? v : undefined;
  switch (k) {
    case 'accept':
    case 'drop':
    case 'continue':
    case 'return':
    case 'jump':
    case 'goto':
      return verdict(s) as string;
    case 'match': {
      if (b === undefined) break;
      onlyKeys(b, K_MATCH, 'match');
      const op = b['op'];
      if (typeof op !== 'string' || !MATCH_OPS.has(op)) fail(`match operator ${show(op)} cannot be written`);
      // JSON `in` is nft's implicit operator (a flag test for flag types, membership for sets); `==` is `==`.
      return `${selector(b['left'])} ${op === 'in' ? '' : `${op} `}${matchRight(b['right'])}`;
    }
    case 'counter':
      if (v === null) return 'counter';
      if (b === undefined) break;
      onlyKeys(b, K_COUNTER, 'counter');
      return `counter packets ${num(b['packets'], 'packets')} bytes ${num(b['bytes'], 'bytes')}`;
    case 'reject': {
      if (v === null) return 'reject';
      if (b === undefined) break;
      onlyKeys(b, K_REJECT, 'reject');
      const type = b['type'];
      if (type === undefined && b['expr'] === undefined) return 'reject';
      if (type === 'tcp reset' && b['expr'] === undefined) return 'reject with tcp reset';
      if ((type === 'icmp' || type === 'icmpv6' || type === 'icmpx') && typeof b['expr'] === 'string' && REJECT_CODE.test(b['expr']) && !NFT_KEYWORDS.has(b['expr'])) {
        return `reject with ${type} type ${b['expr']}`;
      }
      return fail(`reject ${show(b)} cannot be written`);
    }
    case 'mangle': {
      if (b === undefined) break;
      onlyKeys(b, K_MANGLE, 'mangle');
      const key = b['key'];
      const kk = isRecord(key) ? soleKey(key) : undefined;
      if (kk !== 'meta' && kk !== 'ct' && kk !== 'payload') fail(`mangle key ${show(key)} cannot be written`);
      return `${selector(key)} set ${statementValue(b['value'])}`;
    }
    case 'dnat':
    case 'snat': {
      if (b === undefined) break;
      onlyKeys(b, K_NAT, k);
      const fam = b['family'];
      if (fam !== undefined && fam !== 'ip' && fam !== 'ip6') fail(`${k} family ${show(fam)} cannot be written`);
      if (b['addr'] === undefined) fail(`${k} needs addr`);
      const addr = b['addr'];
      const port = b['port'];
      if (port !== undefined && (isMapExpr(addr) || (isRecord(addr) && soleKey(addr) === 'range'))) {
        fail(`${k} to a map or a range with a port cannot be written`);
      }
      if (!(typeof addr === 'string' || isMapExpr(addr) || (isRecord(addr) && soleKey(addr) === 'range'))) fail(`${k} address ${show(addr)} cannot be written`);
      const portText = port === undefined ? '' : `:${statementValue(port)}`;
      if (port !== undefined && typeof port !== 'string' && typeof port !== 'number' && !(isRecord(port) && soleKey(port) === 'range') && !isMapExpr(port)) {
        fail(`${k} port ${show(port)} cannot be written`);
      }
      return `${k}${fam === undefined ? '' : ` ${fam}`} to ${statementValue(addr)}${portText}${natFlags(b['flags'])}`;
    }
    case 'masquerade': {
      if (v === null) return 'masquerade';
      if (b === undefined) break;
      onlyKeys(b, K_MASQ, 'masquerade');
      const port = b['port'];
      if (port !== undefined && typeof port !== 'string' && typeof port !== 'number' && !(isRecord(port) && soleKey(port) === 'range')) {
        fail(`masquerade port ${show(port)} cannot be written`);
      }
      return `masquerade${port === undefined ? '' : ` to :${statementValue(port)}`}${natFlags(b['flags'])}`;
    }
    case 'vmap': {
      if (b === undefined) break;
      onlyKeys(b, K_MAP, 'vmap');
      return `${selector(b['key'])} vmap ${mapData(b['data'])}`;
    }
    case 'set': {
      if (b === undefined) break;
      onlyKeys(b, K_SETSTMT, 'set statement');
      const op = b['op'];
      if (op !== 'add' && op !== 'update' && op !== 'delete') fail(`set statement op ${show(op)} cannot be written`);
      const ref = b['set'];
      if (typeof ref !== 'string' || !ref.startsWith('@')) fail('a set statement needs "@name"');
      return `${op} @${ident(ref.slice(1), 'set')} { ${setStatementElement(b['elem'])} }`;
    }
    case 'notrack':
      if (v !== null) fail('notrack takes null');
      return 'notrack';
  }
  return fail(`statement ${show(s)} cannot be written`);
}

/** The element a set statement adds from the packet: a packet expression, with a timeout as `elem`. */
function setStatementElement(e: unknown): string {
  if (isRecord(e) && 'elem' in e) {
    const b = e['elem'];
    if (soleKey(e) !== 'elem' || !isRecord(b)) fail(`malformed element ${show(e)}`);
    onlyKeys(b, K_ELEM, 'element');
    if (b['expires'] !== undefined || b['comment'] !== undefined) fail('a set statement element can only carry a timeout');
    let out = selector(b['val']);
    if (b['timeout'] !== undefined) out += ` timeout ${seconds(b['timeout'], 'element timeout')}`;
    return out;
  }
  return selector(e);
}

// ---------------------------------------------------------------------------------------------------------
// Commands

const K_TABLE = keys('family', 'name', 'handle', 'comment');
const K_CHAIN = keys('family', 'table', 'name', 'handle', 'type', 'hook', 'prio', 'dev', 'policy', 'comment');
const K_RULE = keys('family', 'table', 'chain', 'expr', 'handle', 'index', 'comment');
const K_SET = keys('family', 'table', 'name', 'handle', 'type', 'map', 'policy', 'flags', 'elem', 'timeout', 'gc-interval', 'size', 'comment', 'typeof');
const K_TYPEOF = keys('key', 'data');
const K_ELEMENT = keys('family', 'table', 'name', 'elem');
const SET_FLAGS = keys('constant', 'interval', 'timeout');
const CHAIN_TYPES = keys('filter', 'nat', 'route');
const HOOKS = keys('prerouting', 'input', 'forward', 'output', 'postrouting', 'ingress', 'egress');

/** `name`, or `handle N` where a command may name its object by handle (delete). */
function nameOrHandle(o: Record<string, unknown>, verb: string, what: string): string {
  if (verb === 'delete' && o['handle'] !== undefined && o['name'] === undefined) return `handle ${num(o['handle'], 'handle')}`;
  if (o['handle'] !== undefined) fail(`${verb} ${what} with a handle cannot be written`);
  return ident(o['name'], `${what} name`);
}

// Table, chain, set and map comments are not written: nft 1.0.6's JSON parser ignores them (and its JSON
// listing does not even print a table's or chain's), so writing them would load another table than JSON does.

function tableCommand(verb: string, o: Record<string, unknown>): string {
  onlyKeys(o, K_TABLE, 'table');
  return `${verb} table ${family(o['family'])} ${nameOrHandle(o, verb, 'table')}`;
}

function chainCommand(verb: string, o: Record<string, unknown>): string {
  onlyKeys(o, K_CHAIN, 'chain');
  const head = `${verb} chain ${family(o['family'])} ${ident(o['table'], 'table name')} ${nameOrHandle(o, verb, 'chain')}`;
  if (verb !== 'add' && verb !== 'create') return head;
  let block = '';
  if (o['type'] !== undefined || o['hook'] !== undefined || o['prio'] !== undefined) {
    const type = o['type'];
    const hook = o['hook'];
    const prio = o['prio'];
    if (typeof type !== 'string' || !CHAIN_TYPES.has(type)) fail(`chain type ${show(type)} cannot be written`);
    if (typeof hook !== 'string' || !HOOKS.has(hook)) fail(`hook ${show(hook)} cannot be written`);
    if (typeof prio !== 'number' || !Number.isSafeInteger(prio)) fail(`priority ${show(prio)} cannot be written`);
    const dev = o['dev'] === undefined ? '' : ` device ${typeof o['dev'] === 'string' ? quote(o['dev'], 'device') : fail('device must be a string')}`;
    block += ` type ${type} hook ${hook}${dev} priority ${prio};`;
  } else if (o['dev'] !== undefined) {
    fail('a device without a base chain cannot be written');
  }
  if (o['policy'] !== undefined) {
    if (o['policy'] !== 'accept' && o['policy'] !== 'drop') fail(`policy ${show(o['policy'])} cannot be written`);
    block += ` policy ${o['policy']};`;
  }
  return block === '' ? head : `${head} {${block} }`;
}

/** The last rule command's head (`add rule ip kube-proxy chain`): consecutive rules of a chain share it. */
const lastHead = { verb: '', family: undefined as unknown, table: undefined as unknown, chain: undefined as unknown, text: '' };

function ruleCommand(verb: string, o: Record<string, unknown>): string {
  onlyKeys(o, K_RULE, 'rule');
  let out: string;
  if (lastHead.verb === verb && lastHead.family === o['family'] && lastHead.table === o['table'] && lastHead.chain === o['chain']) {
    out = lastHead.text;
  } else {
    out = `${verb} rule ${family(o['family'])} ${ident(o['table'], 'table name')} ${ident(o['chain'], 'chain name')}`;
    Object.assign(lastHead, { verb, family: o['family'], table: o['table'], chain: o['chain'], text: out });
  }
  const handle = o['handle'];
  const index = o['index'];
  if (verb === 'delete') {
    if (index !== undefined || handle === undefined) fail('delete rule needs a handle (and no index)');
    return `${out} handle ${num(handle, 'handle')}`;
  }
  if (handle !== undefined && index !== undefined) fail('a rule with both handle and index cannot be written');
  if (handle !== undefined) {
    // nft 1.0.6 JSON appends an `add` with a handle at the end; the text grammar would place it: refuse.
    if (verb === 'add') fail('add rule with a handle cannot be written');
    out += ` handle ${num(handle, 'handle')}`;
  } else if (verb === 'replace') {
    fail('replace rule needs a handle');
  }
  if (index !== undefined) out += ` index ${num(index, 'index')}`;
  const expr = o['expr'];
  if (!Array.isArray(expr) || expr.length === 0) fail('a rule needs at least one statement');
  for (const s of expr) out += ` ${statement(s)}`;
  if (o['comment'] !== undefined) out += ` comment ${comment(o['comment'])}`;
  return out;
}

function setCommand(verb: string, kind: 'set' | 'map', o: Record<string, unknown>): string {
  onlyKeys(o, K_SET, kind);
  const head = `${verb} ${kind} ${family(o['family'])} ${ident(o['table'], 'table name')} ${nameOrHandle(o, verb, kind)}`;
  if (verb !== 'add' && verb !== 'create') return head;
  if (kind === 'set' && o['map'] !== undefined) fail('a set has no map data type');
  let block: string;
  const byExample = o['typeof'];
  if (byExample !== undefined) {
    // `type`/`map` (as nft lists them) are not written: the expressions declare the same key and data.
    if (!isRecord(byExample)) fail(`typeof ${show(byExample)} cannot be written`);
    onlyKeys(byExample, K_TYPEOF, 'typeof');
    if ((byExample['data'] !== undefined) !== (kind === 'map')) fail('typeof has data exactly when it declares a map');
    block = ` typeof ${selector(byExample['key'])}`;
    if (kind === 'map') block += ` : ${selector(byExample['data'])}`;
  } else {
    block = ` type ${dataType(o['type'], `${kind} type`)}`;
    if (kind === 'map') block += ` : ${dataType(o['map'], 'map data type')}`;
  }
  block += ';';
  // nft 1.0.6's JSON parser ignores set flags given as one string (it reads arrays only): refuse that form.
  if (typeof o['flags'] === 'string') fail('set flags given as a string (nft 1.0.6 JSON ignores them) cannot be written');
  const flags = flagList(o['flags'], SET_FLAGS, 'set');
  if (flags.length > 0) block += ` flags ${flags.join(',')};`;
  if (o['timeout'] !== undefined) block += ` timeout ${seconds(o['timeout'], 'timeout')};`;
  if (o['gc-interval'] !== undefined) block += ` gc-interval ${seconds(o['gc-interval'], 'gc-interval')};`;
  if (o['size'] !== undefined) block += ` size ${num(o['size'], 'size')};`;
  if (o['policy'] !== undefined) {
    if (o['policy'] !== 'performance' && o['policy'] !== 'memory') fail(`set policy ${show(o['policy'])} cannot be written`);
    block += ` policy ${o['policy']};`;
  }
  // No comment (see tableCommand).
  if (o['elem'] !== undefined) {
    if (kind === 'map' && Array.isArray(o['elem'])) {
      for (const x of o['elem'] as unknown[]) if (!Array.isArray(x)) fail(`a map element must be [key, data], got ${show(x)}`);
    }
    block += ` elements = ${elements(o['elem'])};`;
  }
  return `${head} {${block} }`;
}

function elementCommand(verb: string, o: Record<string, unknown>): string {
  onlyKeys(o, K_ELEMENT, 'element');
  return `${verb} element ${family(o['family'])} ${ident(o['table'], 'table name')} ${ident(o['name'], 'set name')} ${elements(o['elem'])}`;
}

const VERBS = keys('add', 'create', 'insert', 'replace', 'delete', 'flush', 'list');

/** One command as one line of nft syntax (without the newline). Throws `Unwritable`. */
function commandLine(cmd: Command): string {
  const c = cmd as unknown as Record<string, unknown>;
  const verb = soleKey(c);
  if (verb === undefined || !VERBS.has(verb)) fail(`unknown command ${show(cmd)}`);
  const inner = c[verb];
  if (!isRecord(inner)) fail(`malformed command ${show(cmd)}`);
  const kind = soleKey(inner);
  const body = kind === undefined ? undefined : inner[kind];
  if ((kind === 'ruleset' || kind === 'tables') && body === null) {
    if (verb === 'flush' && kind === 'ruleset') return 'flush ruleset';
    if (verb === 'list') return `list ${kind}`;
    fail(`${verb} ${kind} cannot be written`);
  }
  if (!isRecord(body)) fail(`malformed command ${show(cmd)}`);
  switch (kind) {
    case 'table':
      if (verb === 'insert' || verb === 'replace') break;
      return tableCommand(verb, body);
    case 'chain':
      if (verb === 'insert' || verb === 'replace') break;
      return chainCommand(verb, body);
    case 'rule':
      if (verb === 'create' || verb === 'flush' || verb === 'list') break;
      return ruleCommand(verb, body);
    case 'set':
    case 'map':
      if (verb === 'insert' || verb === 'replace') break;
      return setCommand(verb, kind, body);
    case 'element':
      if (verb !== 'add' && verb !== 'create' && verb !== 'delete') break;
      return elementCommand(verb, body);
  }
  return fail(`${verb} ${String(kind)} cannot be written`);
}

/**
 * The document as an nft script (one command per line, newline-terminated) that nft 1.0.6 reads exactly as it
 * reads the JSON. A Transaction's recorded error is thrown; a raw document is validated first (like the
 * client does). Throws `InvalidCommandError` (with the command's index) for anything the text syntax cannot
 * carry with the same meaning.
 */
export function nftScript(tx: Transaction | NftablesDocument): string {
  return scriptOf(documentOf(tx));
}

/** `nftScript` of an already validated document. */
export function scriptOf(doc: NftablesDocument): string {
  return scriptBytes(doc).toString('latin1');
}

/**
 * `nftScript` of an already validated document, as bytes (what the client writes to nft's input file). Each
 * line is copied into one growing buffer as soon as it is built, so a large document never exists as one long
 * chain of string pieces (which costs more in garbage collection than building it). Every piece written is
 * ASCII (checked as it is written), so latin1 bytes are the UTF-8 text.
 */
export function scriptBytes(doc: NftablesDocument): Buffer {
  const cmds = doc.nftables;
  let buf = Buffer.allocUnsafe(Math.min(1 << 26, 256 + cmds.length * 160));
  let pos = 0;
  writtenMatches = new Map();
  try {
    for (let i = 0; i < cmds.length; i++) {
      let line: string;
      try {
        line = commandLine(cmds[i] as Command);
      } catch (err) {
        if (!(err instanceof Unwritable)) throw err;
        throw new InvalidCommandError(`nftables command #${i} cannot be sent as nft text: ${err.message}`, i, { cause: err });
      }
      if (pos + line.length + 1 > buf.length) {
        const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, pos + line.length + 1));
        buf.copy(bigger, 0, 0, pos);
        buf = bigger;
      }
      pos += buf.write(line, pos, 'latin1');
      buf[pos++] = 10;
    }
  } finally {
    writtenMatches = undefined;
  }
  return buf.subarray(0, pos);
}
