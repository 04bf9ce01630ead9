import type { Command, Expression, Statement } from './schema.ts';
import { commandObject, commandVerb } from './schema.ts';

/**
 * Renders nftables JSON in nft's own text syntax, for logs, diffs and trace paths. The output is for people:
 * it is close to `nft list` but not guaranteed to be re-parseable. Strings that are not plain identifiers
 * are JSON-quoted, so hostile names and comments stay on one line and unambiguous.
 */

const PLAIN = /^[A-Za-z0-9_./:@-]+$/;

function quote(s: string): string {
  return PLAIN.test(s) ? s : JSON.stringify(s);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function single(v: Record<string, unknown>): [string, unknown] | undefined {
  const keys = Object.keys(v);
  const k = keys[0];
  return keys.length === 1 && k !== undefined ? [k, v[k]] : undefined;
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
}

/** Renders one expression as nft text (`ip daddr . th dport`, `{ 10.0.0.0/8, 192.168.0.0/16 }`). */
export function expressionText(e: Expression | unknown): string {
  if (typeof e === 'string') return quote(e);
  if (typeof e === 'number' || typeof e === 'boolean') return String(e);
  if (e === null || e === undefined) return '';
  if (Array.isArray(e)) return e.map((x) => expressionText(x)).join(',');
  if (!isRecord(e)) return JSON.stringify(e);
  const kv = single(e);
  if (kv === undefined) return JSON.stringify(e);
  const [k, v] = kv;
  const b = v as Record<string, unknown>;
  switch (k) {
    case 'payload':
      return 'protocol' in b ? `${String(b['protocol'])} ${String(b['field'])}` : `@${String(b['base'])},${String(b['offset'])},${String(b['len'])}`;
    case 'meta':
      return `meta ${String(b['key'])}`;
    case 'ct':
      return `ct ${b['dir'] === undefined ? '' : `${String(b['dir'])} `}${String(b['key'])}`;
    case 'fib':
      return `fib ${list(b['flags']).map(String).join(' . ')} ${String(b['result'])}`;
    case 'numgen':
      return `numgen ${String(b['mode'])} mod ${String(b['mod'])}${b['offset'] ? ` offset ${String(b['offset'])}` : ''}`;
    case 'concat':
      return (v as unknown[]).map((x) => expressionText(x)).join(' . ');
    case 'set':
      return `{ ${(v as unknown[]).map((x) => elementText(x)).join(', ')} }`;
    case 'map':
      return `${expressionText(b['key'])} map ${expressionText(b['data'])}`;
    case 'prefix':
      return `${expressionText(b['addr'])}/${String(b['len'])}`;
    case 'range': {
      const [lo, hi] = v as unknown[];
      return `${expressionText(lo)}-${expressionText(hi)}`;
    }
    case 'elem': {
      const parts = [expressionText(b['val'])];
      if (b['timeout'] !== undefined) parts.push(`timeout ${String(b['timeout'])}s`);
      if (b['expires'] !== undefined) parts.push(`expires ${String(b['expires'])}s`);
      if (b['comment'] !== undefined) parts.push(`comment ${JSON.stringify(b['comment'])}`);
      return parts.join(' ');
    }
    case '|':
    case '&':
    case '^':
    case '<<':
    case '>>': {
      const [l, r] = v as unknown[];
      return `${expressionText(l)} ${k} ${typeof r === 'number' && (k === '|' || k === '&' || k === '^') ? `0x${r.toString(16)}` : expressionText(r)}`;
    }
    case 'accept':
    case 'drop':
    case 'continue':
    case 'return':
      return k;
    case 'jump':
    case 'goto':
      return `${k} ${quote(String(b['target']))}`;
    default:
      return JSON.stringify(e);
  }
}

function elementText(x: unknown): string {
  if (Array.isArray(x) && x.length === 2 && !Array.isArray(x[0])) {
    return `${expressionText(x[0])} : ${expressionText(x[1])}`;
  }
  return expressionText(x);
}

/** Renders one statement as nft text (`ip daddr 10.0.0.1 th dport 80 jump svc`). */
export function statementText(s: Statement | unknown): string {
  if (!isRecord(s)) return JSON.stringify(s);
  const kv = single(s);
  if (kv === undefined) return JSON.stringify(s);
  const [k, v] = kv;
  const b = (v ?? {}) as Record<string, unknown>;
  switch (k) {
    case 'match': {
      const op = b['op'] === '==' || (b['op'] === 'in' && !isRecord(b['right'])) ? '' : `${String(b['op'])} `;
      return `${expressionText(b['left'])} ${op}${expressionText(b['right'])}`;
    }
    case 'counter':
      return v === null ? 'counter' : `counter packets ${String(b['packets'])} bytes ${String(b['bytes'])}`;
    case 'reject':
      return v === null ? 'reject' : `reject${b['type'] ? ` with ${String(b['type'])}` : ''}${b['expr'] ? ` ${String(b['expr'])}` : ''}`;
    case 'mangle':
      return `${expressionText(b['key'])} set ${expressionText(b['value'])}`;
    case 'dnat':
    case 'snat': {
      const fam = b['family'] ? `${String(b['family'])} ` : '';
      const addr = b['addr'] === undefined ? '' : expressionText(b['addr']);
      const port = b['port'] === undefined ? '' : `:${expressionText(b['port'])}`;
      const flags = b['flags'] === undefined ? '' : ` ${list(b['flags']).join(',')}`;
      return `${k} ${fam}to ${addr}${port}${flags}`;
    }
    case 'masquerade': {
      const flags = b['flags'] === undefined ? '' : ` ${list(b['flags']).join(',')}`;
      return `masquerade${flags}`;
    }
    case 'vmap':
      return `${expressionText(b['key'])} vmap ${expressionText(b['data'])}`;
    case 'set':
      return `${String(b['op'])} ${String(b['set'])} { ${expressionText(b['elem'])} }`;
    case 'notrack':
      return 'notrack';
    default:
      return expressionText(s);
  }
}

/** Renders a rule's statements (`expr`) as one line of nft text. */
export function ruleText(expr: readonly Statement[] | undefined, comment?: string): string {
  const body = (expr ?? []).map((s) => statementText(s)).join(' ');
  return comment === undefined ? body : `${body} comment ${JSON.stringify(comment)}`;
}

/** Renders one command as one line of nft-like text (`add rule ip kube-proxy services ip daddr ...`). */
export function commandText(cmd: Command): string {
  const verb = commandVerb(cmd);
  const { kind, body } = commandObject(cmd);
  if (kind === 'ruleset' || kind === 'tables') return `${verb} ${kind}`;
  const o = (body ?? {}) as Record<string, unknown>;
  const head = [verb, kind, String(o['family'])];
  if (kind === 'table') {
    head.push(o['name'] === undefined ? `handle ${String(o['handle'])}` : quote(String(o['name'])));
    return head.join(' ');
  }
  head.push(quote(String(o['table'])));
  if (kind === 'rule') {
    head.push(quote(String(o['chain'])));
    if (o['handle'] !== undefined) head.push(`handle ${String(o['handle'])}`);
    if (o['index'] !== undefined) head.push(`index ${String(o['index'])}`);
    const text = ruleText(o['expr'] as Statement[] | undefined, o['comment'] as string | undefined);
    return text === '' ? head.join(' ') : `${head.join(' ')} ${text}`;
  }
  head.push(o['name'] === undefined ? `handle ${String(o['handle'])}` : quote(String(o['name'])));
  const props: string[] = [];
  if (kind === 'chain') {
    if (o['type'] !== undefined) {
      props.push(`type ${String(o['type'])} hook ${String(o['hook'])} priority ${String(o['prio'])};`);
    }
    if (o['policy'] !== undefined) props.push(`policy ${String(o['policy'])};`);
  }
  if (kind === 'set' || kind === 'map') {
    if (o['type'] !== undefined) {
      const key = list(o['type']).join(' . ');
      props.push(kind === 'map' ? `type ${key} : ${list(o['map']).join(' . ')};` : `type ${key};`);
    }
    if (o['flags'] !== undefined) props.push(`flags ${list(o['flags']).join(',')};`);
    if (o['timeout'] !== undefined) props.push(`timeout ${String(o['timeout'])}s;`);
  }
  if (o['comment'] !== undefined) props.push(`comment ${JSON.stringify(o['comment'])};`);
  const elem = o['elem'] as unknown[] | undefined;
  if (elem !== undefined && elem.length > 0) props.push(`elements = { ${elem.map((x) => elementText(x)).join(', ')} }`);
  return props.length === 0 ? head.join(' ') : `${head.join(' ')} { ${props.join(' ')} }`;
}
