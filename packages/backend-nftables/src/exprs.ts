import type { Expression, Statement } from '@kproxy/nftables-json';

/** Small constructors for the nftables JSON expressions and statements the backend emits. */

/** The payload protocol of the table's family (`ip` or `ip6`). */
export type AddrProto = 'ip' | 'ip6';

export const saddr = (p: AddrProto): Expression => ({ payload: { protocol: p, field: 'saddr' } });
export const daddr = (p: AddrProto): Expression => ({ payload: { protocol: p, field: 'daddr' } });
export const l4proto: Expression = { meta: { key: 'l4proto' } };
export const thDport: Expression = { payload: { protocol: 'th', field: 'dport' } };
export const iifname: Expression = { meta: { key: 'iifname' } };
export const mark: Expression = { meta: { key: 'mark' } };

export function match(left: Expression, right: Expression, op: '==' | '!=' | 'in' = '=='): Statement {
  return { match: { op, left, right } };
}

export function concat(...parts: Expression[]): Expression {
  return { concat: parts };
}

export function prefix(cidr: string): Expression {
  const [addr, len] = cidr.split('/');
  return { prefix: { addr: addr as string, len: Number(len) } };
}

export const jump = (target: string): Statement => ({ jump: { target } });
export const goto = (target: string): Statement => ({ goto: { target } });
export const gotoVerdict = (target: string): Expression => ({ goto: { target } });
export const dropVerdict: Expression = { drop: null };

export const ctStateNew: Statement = match({ ct: { key: 'state' } }, 'new', 'in');
export const ctStatusDnat: Statement = match({ ct: { key: 'status' } }, 'dnat', 'in');

export function fibLocal(field: 'saddr' | 'daddr'): Statement {
  return match({ fib: { result: 'type', flags: [field] } }, 'local');
}

export function numgenIs(mod: number, value: number): Statement {
  return match({ numgen: { mode: 'random', mod, offset: 0 } }, value);
}

export function numgen(mod: number): Expression {
  return { numgen: { mode: 'random', mod, offset: 0 } };
}

/** DNAT to the `address . port` a data map gives for `key` (which ends in a `numgen` slot). */
export function dnatMap(family: AddrProto, key: Expression, mapName: string): Statement {
  return { dnat: { family, addr: { map: { key, data: `@${mapName}` } } } };
}

export function dnat(ip: string, port: number): Statement {
  return { dnat: { addr: ip, port } };
}

/** The vmap dispatch on `daddr . l4proto . th dport` (or `l4proto . th dport`) through a named map. */
export function vmap(key: Expression, mapName: string): Statement {
  return { vmap: { key, data: `@${mapName}` } };
}
