import type { Command, CommandVerb, ObjectKind } from './schema.ts';
import { COMMAND_VERBS, FAMILIES, HOOKS } from './schema.ts';
import { isRecord, isUint, soleKey } from './shape.ts';

/**
 * Static checks of one command: what nft or the kernel would refuse regardless of the current ruleset
 * (names, families, required fields, expression shapes). Ruleset-dependent checks (does the chain exist?)
 * are the kernel's, and the fake's.
 */

/** Longest table/chain/set name the kernel accepts, in bytes (NFT_NAME_MAXLEN - 1). */
export const MAX_NAME_BYTES = 255;
/** Longest comment nft accepts, in bytes (NFTNL_UDATA_COMMENT_MAXLEN). */
export const MAX_COMMENT_BYTES = 128;

/** Whether `s` is longer than `max` bytes in UTF-8 (cheap for short strings: a UTF-16 unit is at most 3 bytes). */
function tooLong(s: string, max: number): boolean {
  return s.length * 3 > max && Buffer.byteLength(s, 'utf8') > max;
}
// Control characters are legal for the kernel but make names unreadable in every tool; we never need them.
// A loop, not a regular expression: this runs for every name of every command of a 100k-command batch.
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

// Names repeat (a chain is named by itself, its rules and the map elements that jump to it): remember the
// good ones, bounded.
const goodNames = new Set<string>();
const GOOD_NAMES_MAX = 200_000;

const STATEMENT_KEYS = new Set([
  'match', 'counter', 'accept', 'drop', 'continue', 'return', 'jump', 'goto', 'reject', 'mangle', 'dnat',
  'snat', 'masquerade', 'vmap', 'set', 'notrack',
]);
const EXPRESSION_KEYS = new Set([
  'payload', 'meta', 'ct', 'fib', 'numgen', 'concat', 'set', 'map', 'prefix', 'range', 'elem', '|', '&', '^',
  '<<', '>>', 'accept', 'drop', 'continue', 'return', 'jump', 'goto',
]);
const MATCH_OPS = new Set(['==', '!=', '<', '>', '<=', '>=', 'in']);
const SET_FLAGS = new Set(['constant', 'interval', 'timeout']);
const CHAIN_TYPES = new Set(['filter', 'nat', 'route']);

/** Why `name` is not a valid object name, or undefined when it is. */
export function nameProblem(name: unknown, what = 'name'): string | undefined {
  if (typeof name !== 'string') return `${what} must be a string`;
  if (goodNames.has(name)) return undefined;
  if (name.length === 0) return `${what} is empty`;
  if (hasControl(name)) return `${what} ${JSON.stringify(name)} contains a control character`;
  if (tooLong(name, MAX_NAME_BYTES)) return `${what} is longer than ${MAX_NAME_BYTES} bytes`;
  if (goodNames.size >= GOOD_NAMES_MAX) goodNames.clear();
  goodNames.add(name);
  return undefined;
}

function commentProblem(c: unknown): string | undefined {
  if (c === undefined) return undefined;
  if (typeof c !== 'string') return 'comment must be a string';
  if (c.includes('\u0000')) return 'comment contains a NUL character';
  if (tooLong(c, MAX_COMMENT_BYTES)) return `comment is longer than ${MAX_COMMENT_BYTES} bytes`;
  return undefined;
}

function typeProblem(t: unknown, what: string): string | undefined {
  const parts = Array.isArray(t) ? t : [t];
  if (parts.length === 0) return `${what} is empty`;
  for (const p of parts) {
    if (typeof p !== 'string' || !/^[a-z0-9_]+$/.test(p)) return `${what} ${JSON.stringify(t)} is not a data type`;
  }
  return undefined;
}

/** Why `e` is not a well-formed expression, or undefined. */
export function expressionProblem(e: unknown, depth = 0): string | undefined {
  if (depth > 32) return 'expression nested too deeply';
  if (typeof e === 'string') {
    if (e.length === 0) return 'empty string value';
    if (e.includes('\u0000')) return 'string value contains a NUL character';
    if (e.startsWith('@')) return nameProblem(e.slice(1), 'set reference');
    return undefined;
  }
  if (typeof e === 'number') return isUint(e) ? undefined : `number ${e} is not an unsigned integer`;
  if (typeof e === 'boolean') return undefined;
  if (Array.isArray(e)) {
    for (const x of e) {
      const p = expressionProblem(x, depth + 1);
      if (p) return p;
    }
    return undefined;
  }
  if (!isRecord(e)) return `not an expression: ${JSON.stringify(e)}`;
  // Fast path for the commonest shape in large batches: a concatenation of plain values (set elements).
  const parts = (e as { concat?: unknown }).concat;
  if (Array.isArray(parts) && parts.length >= 2 && parts.every((p) => typeof p === 'number' || (typeof p === 'string' && p.length > 0 && p[0] !== '@'))) {
    if (soleKey(e) !== 'concat') return `unknown expression ${JSON.stringify(e)}`;
    for (const p of parts) {
      const problem = expressionProblem(p, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  const k = soleKey(e);
  if (k === undefined || !EXPRESSION_KEYS.has(k)) return `unknown expression ${JSON.stringify(e)}`;
  const v = e[k];
  const b = isRecord(v) ? v : {};
  switch (k) {
    case 'payload':
      if (!isRecord(v)) return 'payload must be an object';
      return ('protocol' in b && typeof b['protocol'] === 'string' && typeof b['field'] === 'string') ||
        ('base' in b && isUint(b['offset']) && isUint(b['len']))
        ? undefined
        : `malformed payload ${JSON.stringify(v)}`;
    case 'meta':
    case 'ct':
      return isRecord(v) && typeof b['key'] === 'string' ? undefined : `malformed ${k} ${JSON.stringify(v)}`;
    case 'fib':
      return isRecord(v) && typeof b['result'] === 'string' ? undefined : `malformed fib ${JSON.stringify(v)}`;
    case 'numgen':
      return isRecord(v) && (b['mode'] === 'random' || b['mode'] === 'inc') && isUint(b['mod']) && (b['mod'] as number) > 0
        ? undefined
        : `malformed numgen ${JSON.stringify(v)}`;
    case 'concat':
      if (!Array.isArray(v) || v.length < 2) return 'concat needs at least two expressions';
      return expressionProblem(v, depth + 1);
    case 'set':
      if (!Array.isArray(v)) return 'anonymous set must be an array';
      return expressionProblem(v, depth + 1);
    case 'map':
      if (!isRecord(v) || !('key' in b) || !('data' in b)) return 'map needs key and data';
      return expressionProblem(b['key'], depth + 1) ?? expressionProblem(b['data'], depth + 1);
    case 'prefix':
      if (!isRecord(v) || !isUint(b['len']) || (b['len'] as number) > 128) return `malformed prefix ${JSON.stringify(v)}`;
      return expressionProblem(b['addr'], depth + 1);
    case 'range':
      if (!Array.isArray(v) || v.length !== 2) return 'range needs two values';
      return expressionProblem(v, depth + 1);
    case 'elem':
      if (!isRecord(v) || !('val' in b)) return 'elem needs val';
      if (b['timeout'] !== undefined && !isUint(b['timeout'])) return 'elem timeout must be an unsigned integer';
      return commentProblem(b['comment']) ?? expressionProblem(b['val'], depth + 1);
    case 'accept':
    case 'drop':
    case 'continue':
    case 'return':
      return v === null ? undefined : `${k} takes null`;
    case 'jump':
    case 'goto':
      return isRecord(v) ? nameProblem(b['target'], `${k} target`) : `${k} needs a target`;
    default:
      if (!Array.isArray(v) || v.length !== 2) return `operator ${k} needs two operands`;
      return expressionProblem(v, depth + 1);
  }
}

/** Why `s` is not a well-formed statement, or undefined. */
export function statementProblem(s: unknown): string | undefined {
  if (!isRecord(s)) return `not a statement: ${JSON.stringify(s)}`;
  const k = soleKey(s);
  if (k === undefined || !STATEMENT_KEYS.has(k)) return `unknown statement ${JSON.stringify(s)}`;
  const v = s[k];
  const b = isRecord(v) ? v : {};
  switch (k) {
    case 'match':
      if (!isRecord(v) || !MATCH_OPS.has(b['op'] as string)) return `malformed match ${JSON.stringify(v)}`;
      return expressionProblem(b['left']) ?? expressionProblem(b['right']);
    case 'counter':
      return v === null || (isUint(b['packets']) && isUint(b['bytes'])) ? undefined : 'malformed counter';
    case 'reject':
      return v === null || isRecord(v) ? undefined : 'malformed reject';
    case 'mangle':
      if (!isRecord(v)) return 'malformed mangle';
      return expressionProblem(b['key']) ?? expressionProblem(b['value']);
    case 'dnat':
    case 'snat':
      if (!isRecord(v) || b['addr'] === undefined) return `${k} needs addr`;
      if (b['family'] !== undefined && b['family'] !== 'ip' && b['family'] !== 'ip6') return `${k} family must be ip or ip6`;
      return expressionProblem(b['addr']) ?? (b['port'] === undefined ? undefined : expressionProblem(b['port']));
    case 'masquerade':
      return v === null || isRecord(v) ? undefined : 'malformed masquerade';
    case 'vmap':
      if (!isRecord(v) || !('key' in b) || !('data' in b)) return 'vmap needs key and data';
      return expressionProblem(b['key']) ?? expressionProblem(b['data']);
    case 'set':
      if (!isRecord(v) || !['add', 'update', 'delete'].includes(b['op'] as string)) return 'malformed set statement';
      if (typeof b['set'] !== 'string' || !b['set'].startsWith('@')) return 'set statement needs "@name"';
      return nameProblem(b['set'].slice(1), 'set') ?? expressionProblem(b['elem']);
    case 'notrack':
      return v === null ? undefined : 'notrack takes null';
    default:
      return expressionProblem(s);
  }
}

const ALLOWED: Record<CommandVerb, ReadonlySet<string>> = {
  add: new Set(['table', 'chain', 'rule', 'set', 'map', 'element']),
  create: new Set(['table', 'chain', 'set', 'map', 'element']),
  insert: new Set(['rule']),
  replace: new Set(['rule']),
  delete: new Set(['table', 'chain', 'rule', 'set', 'map', 'element']),
  flush: new Set(['table', 'chain', 'set', 'map', 'ruleset']),
  list: new Set(['table', 'chain', 'set', 'map', 'ruleset', 'tables']),
};
const VERBS: ReadonlySet<string> = new Set(COMMAND_VERBS);
const FAMILY_SET: ReadonlySet<unknown> = new Set(FAMILIES);

/**
 * Why `cmd` would be refused whatever the ruleset, or undefined when it is well-formed. `valid` (optional)
 * remembers statement objects found well-formed, so a batch that shares statement objects between rules (a
 * renderer's `meta l4proto tcp`) checks each once.
 */
export function commandProblem(cmd: Command | unknown, valid?: WeakSet<object>): string | undefined {
  if (!isRecord(cmd)) return 'command must be an object';
  const first = soleKey(cmd);
  if (first === undefined || !VERBS.has(first)) return `unknown command ${JSON.stringify(Object.keys(cmd))}`;
  const verb = first as CommandVerb;
  const inner = cmd[verb];
  const kind = isRecord(inner) ? soleKey(inner) : undefined;
  if (!isRecord(inner) || kind === undefined) return `${verb} must name exactly one object`;
  if (!ALLOWED[verb].has(kind)) return `cannot ${verb} a ${kind}`;
  if (kind === 'ruleset' || kind === 'tables') return undefined;
  const o = inner[kind];
  if (!isRecord(o)) return `${kind} must be an object`;
  if (!FAMILY_SET.has(o['family'])) return `invalid family ${JSON.stringify(o['family'])}`;
  const byHandle = verb === 'delete' && o['handle'] !== undefined;
  if (o['handle'] !== undefined && !isUint(o['handle'])) return 'handle must be an unsigned integer';
  if (kind !== 'table') {
    const p = nameProblem(o['table'], 'table name');
    if (p) return p;
  }
  const c = commentProblem(o['comment']);
  if (c) return c;
  switch (kind as ObjectKind) {
    case 'table':
      return byHandle ? undefined : nameProblem(o['name'], 'table name');
    case 'chain': {
      if (!byHandle) {
        const p = nameProblem(o['name'], 'chain name');
        if (p) return p;
      }
      const base = ['type', 'hook', 'prio'].filter((f) => o[f] !== undefined);
      if (base.length !== 0 && base.length !== 3) return 'a base chain needs type, hook and prio together';
      if (base.length === 3) {
        if (!CHAIN_TYPES.has(o['type'] as string)) return `invalid chain type ${JSON.stringify(o['type'])}`;
        if (!(HOOKS as readonly unknown[]).includes(o['hook'])) return `invalid hook ${JSON.stringify(o['hook'])}`;
        if (typeof o['prio'] !== 'number' || !Number.isSafeInteger(o['prio'])) return 'prio must be an integer';
        if (o['type'] === 'nat' && !['ip', 'ip6', 'inet'].includes(o['family'] as string)) return 'nat chains need ip, ip6 or inet';
      }
      if (o['policy'] !== undefined) {
        if (base.length === 0) return 'only base chains have a policy';
        if (o['policy'] !== 'accept' && o['policy'] !== 'drop') return `invalid policy ${JSON.stringify(o['policy'])}`;
      }
      return undefined;
    }
    case 'rule': {
      const p = nameProblem(o['chain'], 'chain name');
      if (p) return p;
      if ((verb === 'replace' || verb === 'delete') && o['handle'] === undefined) return `${verb} rule needs a handle`;
      if (o['index'] !== undefined && !isUint(o['index'])) return 'index must be an unsigned integer';
      if (verb === 'add' && o['handle'] !== undefined) {
        // nft 1.0.6 silently appends such a rule at the end instead; refuse rather than mislead.
        return 'add rule with a handle is ignored by nft 1.0.x JSON; use index, or insert before a handle';
      }
      if (verb === 'delete') return undefined;
      if (!Array.isArray(o['expr']) || o['expr'].length === 0) return 'a rule needs at least one statement';
      for (const s of o['expr']) {
        if (valid !== undefined && isRecord(s) && valid.has(s)) continue;
        const sp = statementProblem(s);
        if (sp) return sp;
        if (valid !== undefined && isRecord(s)) valid.add(s);
      }
      return undefined;
    }
    case 'set':
    case 'map': {
      if (!byHandle) {
        const p = nameProblem(o['name'], `${kind} name`);
        if (p) return p;
      }
      if (verb === 'add' || verb === 'create') {
        const t = typeProblem(o['type'], `${kind} type`);
        if (t) return t;
        if (kind === 'map') {
          const m = typeProblem(o['map'], 'map data type');
          if (m) return m;
        }
        if (o['typeof'] !== undefined) {
          const d = o['typeof'];
          if (!isRecord(d) || d['key'] === undefined) return 'typeof needs a key expression';
          if ((d['data'] !== undefined) !== (kind === 'map')) return 'typeof has data exactly when it declares a map';
          const p = expressionProblem(d['key']) ?? (d['data'] === undefined ? undefined : expressionProblem(d['data']));
          if (p) return p;
        }
      }
      const flags = o['flags'] === undefined ? [] : Array.isArray(o['flags']) ? o['flags'] : [o['flags']];
      for (const f of flags) {
        if (f === 'dynamic') {
          // nft 1.0.6's JSON parser refuses it ("Invalid set flag"); a set that an `update`/`add` statement
          // writes to is made dynamic by nft implicitly, so the flag is never needed.
          return 'set flag "dynamic" is refused by nft 1.0.x JSON; leave it out (update statements imply it)';
        }
        if (!SET_FLAGS.has(f as string)) return `invalid set flag ${JSON.stringify(f)}`;
      }
      for (const f of ['timeout', 'gc-interval', 'size']) {
        if (o[f] !== undefined && !isUint(o[f])) return `${f} must be an unsigned integer`;
      }
      if (o['elem'] !== undefined) return elementsProblem(o['elem'], kind === 'map');
      return undefined;
    }
    case 'element': {
      const p = nameProblem(o['name'], 'set name');
      if (p) return p;
      if (!Array.isArray(o['elem']) || o['elem'].length === 0) return 'element needs at least one elem';
      return elementsProblem(o['elem'], undefined);
    }
  }
  return undefined;
}

function elementsProblem(elem: unknown, isMap: boolean | undefined): string | undefined {
  if (!Array.isArray(elem)) return 'elem must be an array';
  for (const x of elem) {
    const pair = Array.isArray(x) && x.length === 2;
    if (isMap === true && !pair) return `map element must be [key, data]: ${JSON.stringify(x)}`;
    const p = expressionProblem(x);
    if (p) return p;
  }
  return undefined;
}
