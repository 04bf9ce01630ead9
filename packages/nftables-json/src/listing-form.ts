import type { Expression, Family, Statement } from './schema.ts';

/**
 * The listing form of rules: what nft prints for what it was given. Checked against the kernel by the fake's
 * listing tests (src/testing/fake-vs-kernel.kernel.test.ts).
 */

const L4_PAYLOADS = new Set(['tcp', 'udp', 'sctp', 'udplite', 'dccp']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The listing form of a rule: how nft prints what it was given (counters with values, `numgen` with its
 * offset, `ct state`/`ct status` compared with `in`).
 */
function listedStatement(s: Statement, family: Family): Statement {
  if ('counter' in s && s.counter === null) return { counter: { packets: 0, bytes: 0 } };
  // A bare reject is listed with the family's default: ICMP port unreachable.
  if ('reject' in s && s.reject === null) {
    const type = family === 'ip6' ? 'icmpv6' : family === 'inet' || family === 'bridge' || family === 'netdev' ? 'icmpx' : 'icmp';
    return { reject: { type, expr: 'port-unreachable' } };
  }
  if ('match' in s) {
    const m = s.match;
    const left = listedExpression(m.left);
    const isCtFlags = isRecord(m.left) && 'ct' in m.left && ['state', 'status'].includes((m.left as { ct: { key: string } }).ct.key);
    const op = isCtFlags && m.op === '==' && !isRecord(m.right) ? 'in' : m.op;
    return { match: { op, left, right: listedExpression(m.right) } };
  }
  if ('vmap' in s) return { vmap: { key: listedExpression(s.vmap.key), data: s.vmap.data } };
  return s;
}

/**
 * A rule's statements as `nft -j list` prints them back (nft 1.0.6): counters with values, `numgen` with its
 * offset, `ct state|status` compared with `in`, a bare `reject` as the family's ICMP port-unreachable, and
 * `meta l4proto tcp` followed by a `th dport|sport` match folded into `tcp dport|sport`. Compare a desired
 * rule with a listed one as `listedForm(desired) ~ listed` (counters aside). Used by the fake's listings.
 */
export function listedForm(expr: readonly Statement[], family: Family): Statement[] {
  const out: Statement[] = [];
  for (let i = 0; i < expr.length; i++) {
    const s = expr[i] as Statement;
    const next = expr[i + 1];
    if ('match' in s && next !== undefined && 'match' in next && s.match.op === '==' && typeof s.match.right === 'string') {
      const left = s.match.left;
      const nl = next.match.left;
      if (
        isRecord(left) && 'meta' in left && (left as { meta: { key: string } }).meta.key === 'l4proto' &&
        L4_PAYLOADS.has(s.match.right) &&
        isRecord(nl) && 'payload' in nl && (nl as { payload: { protocol?: string } }).payload.protocol === 'th'
      ) {
        const field = (nl as { payload: { field: string } }).payload.field;
        out.push(listedStatement({ match: { ...next.match, left: { payload: { protocol: s.match.right, field } } } }, family));
        i++;
        continue;
      }
    }
    out.push(listedStatement(s, family));
  }
  return out;
}

function listedExpression(e: Expression): Expression {
  if (isRecord(e) && 'numgen' in e) {
    const n = (e as { numgen: { mode: 'random' | 'inc'; mod: number; offset?: number } }).numgen;
    return { numgen: { mode: n.mode, mod: n.mod, offset: n.offset ?? 0 } };
  }
  if (isRecord(e) && 'concat' in e) return { concat: (e as { concat: Expression[] }).concat.map(listedExpression) };
  return e;
}
