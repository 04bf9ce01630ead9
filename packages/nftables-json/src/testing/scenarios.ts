import type { ListOutput, NftablesDocument } from '../schema.ts';

/**
 * Transaction sequences whose kernel outcome is subtle, run on both the fake and the real nft by the kernel
 * test (to check the fake) and on the fake alone by the unit test (to pin its answers). `ok[i]` is what the
 * kernel answered for transaction i (checked on nft 1.0.6 / Linux 6.18 by fake-vs-kernel.kernel.test.ts).
 */
export interface Scenario {
  readonly name: string;
  readonly txs: readonly NftablesDocument[];
  readonly ok: readonly boolean[];
}

const F = 'ip';
const T = 'kp';
const tbl = { family: F, name: T } as const;
const at = { family: F, table: T } as const;

const base = [
  { add: { table: tbl } },
  { add: { chain: { ...at, name: 'pre', type: 'nat', hook: 'prerouting', prio: -100, policy: 'accept' } } },
  { add: { chain: { ...at, name: 'svc' } } },
  { add: { set: { ...at, name: 's', type: 'ipv4_addr' } } },
  { add: { map: { ...at, name: 'm', type: ['ipv4_addr', 'inet_proto', 'inet_service'], map: 'verdict' } } },
  { add: { set: { ...at, name: 'nets', type: 'ipv4_addr', flags: ['interval'] } } },
] as const;

function doc(...cmds: readonly unknown[]): NftablesDocument {
  return { nftables: cmds as NftablesDocument['nftables'] };
}

const elem = (name: string, ...e: unknown[]) => ({ element: { ...at, name, elem: e } });
const mapElem = (addr: string, port: number, target: string) => [{ concat: [addr, 'tcp', port] }, { goto: { target } }];

/** The scenarios. */
export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'add of an existing element is fine, create of one fails',
    txs: [doc(...base, { add: elem('s', '10.0.0.1') }), doc({ add: elem('s', '10.0.0.1') }), doc({ create: elem('s', '10.0.0.1') })],
    ok: [true, true, false],
  },
  {
    name: 'deleting a missing element, chain, set or table fails',
    txs: [
      doc(...base),
      doc({ delete: elem('s', '10.0.0.9') }),
      doc({ delete: { chain: { ...at, name: 'nochain' } } }),
      doc({ delete: { set: { ...at, name: 'noset' } } }),
      doc({ delete: { table: { family: F, name: 'notable' } } }),
    ],
    ok: [true, false, false, false, false],
  },
  {
    name: 'a failing command undoes its whole transaction',
    txs: [
      doc(...base),
      doc({ add: elem('s', '10.0.0.2') }, { add: { chain: { ...at, name: 'new' } } }, { add: { rule: { ...at, chain: 'svc', expr: [{ jump: { target: 'missing' } }] } } }),
      doc({ add: elem('s', '10.0.0.3') }),
    ],
    ok: [true, false, true],
  },
  {
    name: 'wrong element types are refused',
    txs: [doc(...base), doc({ add: elem('s', 'fd00::1') }), doc({ add: elem('m', [{ concat: ['10.0.0.1', 'tcp', 70000] }, { goto: { target: 'svc' } }]) }), doc({ add: elem('s', { prefix: { addr: '10.0.0.0', len: 8 } }) })],
    ok: [true, false, false, false],
  },
  {
    name: 'interval sets take prefixes and ranges',
    txs: [doc(...base, { add: elem('nets', { prefix: { addr: '10.0.0.0', len: 8 } }, { range: ['192.168.0.1', '192.168.0.9'] }, '172.16.0.1') })],
    ok: [true],
  },
  {
    name: 'verdict map elements need their chain; the same key with other data clashes on add',
    txs: [
      doc(...base, { add: { chain: { ...at, name: 'svc2' } } }),
      doc({ add: elem('m', mapElem('10.96.0.1', 80, 'nochain')) }),
      doc({ add: elem('m', mapElem('10.96.0.1', 80, 'svc')) }),
      doc({ add: elem('m', mapElem('10.96.0.1', 80, 'svc')) }),
      doc({ add: elem('m', mapElem('10.96.0.1', 80, 'svc2')) }),
      doc({ delete: elem('m', mapElem('10.96.0.1', 80, 'svc')) }, { add: elem('m', mapElem('10.96.0.1', 80, 'svc2')) }),
    ],
    ok: [true, false, true, true, false, true],
  },
  {
    name: 'a referenced chain cannot be deleted, with or without rules; unreferenced it can, rules and all',
    txs: [
      doc(...base, { add: { rule: { ...at, chain: 'svc', expr: [{ counter: null }] } } }, { add: { rule: { ...at, chain: 'pre', expr: [{ jump: { target: 'svc' } }] } } }),
      doc({ delete: { chain: { ...at, name: 'svc' } } }),
      doc({ flush: { chain: { ...at, name: 'svc' } } }, { delete: { chain: { ...at, name: 'svc' } } }),
      doc({ flush: { chain: { ...at, name: 'pre' } } }, { add: { rule: { ...at, chain: 'svc', expr: [{ counter: null }] } } }, { delete: { chain: { ...at, name: 'svc' } } }),
    ],
    ok: [true, false, false, true],
  },
  {
    name: 'jump loops are refused only when a base chain reaches them',
    txs: [
      doc(...base, { add: { chain: { ...at, name: 'b' } } }),
      doc({ add: { rule: { ...at, chain: 'svc', expr: [{ jump: { target: 'b' } }] } } }, { add: { rule: { ...at, chain: 'b', expr: [{ jump: { target: 'svc' } }] } } }),
      doc({ add: { rule: { ...at, chain: 'pre', expr: [{ jump: { target: 'svc' } }] } } }),
      doc({ add: { rule: { ...at, chain: 'pre', expr: [{ jump: { target: 'b' } }] } } }, { add: elem('m', mapElem('10.96.0.1', 80, 'svc')) }),
      doc({ add: { rule: { ...at, chain: 'svc', expr: [{ vmap: { key: { concat: [{ payload: { protocol: 'ip', field: 'daddr' } }, { meta: { key: 'l4proto' } }, { payload: { protocol: 'th', field: 'dport' } }] }, data: '@m' } }] } } }),
    ],
    ok: [true, true, false, false, true],
  },
  {
    name: 'a chain referenced by a map element cannot be deleted',
    txs: [doc(...base, { add: elem('m', mapElem('10.96.0.1', 80, 'svc')) }), doc({ delete: { chain: { ...at, name: 'svc' } } }), doc({ flush: { map: { ...at, name: 'm' } } }, { delete: { chain: { ...at, name: 'svc' } } })],
    ok: [true, false, true],
  },
  {
    name: 'a set used by a rule cannot be deleted',
    txs: [
      doc(...base, { add: { rule: { ...at, chain: 'svc', expr: [{ match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: '@s' } }, { drop: null }] } } }),
      doc({ delete: { set: { ...at, name: 's' } } }),
      doc({ flush: { chain: { ...at, name: 'svc' } } }, { delete: { set: { ...at, name: 's' } } }),
    ],
    ok: [true, false, true],
  },
  {
    name: 'dnat to a port needs a transport protocol match; jumps to base chains are refused',
    txs: [
      doc(...base),
      doc({ add: { rule: { ...at, chain: 'svc', expr: [{ dnat: { addr: '10.1.0.1', port: 80 } }] } } }),
      doc({ add: { rule: { ...at, chain: 'svc', expr: [{ match: { op: '==', left: { meta: { key: 'l4proto' } }, right: 'tcp' } }, { dnat: { addr: '10.1.0.1', port: 80 } }] } } }),
      doc({ add: { rule: { ...at, chain: 'svc', expr: [{ jump: { target: 'pre' } }] } } }),
    ],
    ok: [true, false, true, false],
  },
  {
    name: 'create of an existing chain, table or set fails; add is idempotent',
    txs: [doc(...base), doc(...base), doc({ create: { chain: { ...at, name: 'svc' } } }), doc({ create: { table: tbl } }), doc({ create: { set: { ...at, name: 's', type: 'ipv4_addr' } } })],
    ok: [true, true, false, false, false],
  },
  {
    name: 'rules by handle: insert, replace and delete of a missing handle fail',
    txs: [
      doc(...base),
      doc({ delete: { rule: { ...at, chain: 'svc', handle: 9999 } } }),
      doc({ replace: { rule: { ...at, chain: 'svc', handle: 9999, expr: [{ accept: null }] } } }),
      doc({ insert: { rule: { ...at, chain: 'svc', expr: [{ counter: null }], comment: 'first' } } }, { insert: { rule: { ...at, chain: 'svc', expr: [{ counter: null }], comment: 'zeroth' } } }),
    ],
    ok: [true, false, false, true],
  },
  {
    name: 'flush table empties chains but keeps sets and their elements',
    txs: [doc(...base, { add: elem('s', '10.0.0.1') }, { add: { rule: { ...at, chain: 'svc', expr: [{ counter: null }] } } }), doc({ flush: { table: tbl } })],
    ok: [true, true],
  },
  {
    name: 'timeout sets list elements with expiry; nft 1.0.6 JSON refuses the dynamic flag; sets and maps share names',
    txs: [
      doc(...base, { add: { set: { ...at, name: 'aff', type: 'ipv4_addr', flags: ['timeout'], timeout: 10800 } } }),
      doc({ add: elem('aff', '10.0.0.1', { elem: { val: '10.0.0.2', timeout: 60 } }) }),
      doc({ add: { set: { ...at, name: 'aff2', type: 'ipv4_addr', flags: ['dynamic', 'timeout'], timeout: 10800 } } }),
      doc({ add: { map: { ...at, name: 's', type: 'ipv4_addr', map: 'verdict' } } }),
    ],
    ok: [true, true, false, false],
  },
  {
    name: 're-adding a base chain: same definition is fine, another priority clashes; no policy lists as accept',
    txs: [
      doc(...base, { add: { chain: { ...at, name: 'out', type: 'filter', hook: 'output', prio: 0 } } }),
      doc({ add: { chain: { ...at, name: 'out', type: 'filter', hook: 'output', prio: 0 } } }),
      doc({ add: { chain: { ...at, name: 'out', type: 'filter', hook: 'output', prio: 10 } } }),
    ],
    ok: [true, true, false],
  },
  {
    name: 'map elements can be deleted by key alone',
    txs: [doc(...base, { add: elem('m', mapElem('10.96.0.1', 80, 'svc')) }), doc({ delete: elem('m', { concat: ['10.96.0.1', 'tcp', 80] }) }), doc({ delete: elem('m', { concat: ['10.96.0.1', 'tcp', 80] }) })],
    ok: [true, true, false],
  },
  {
    name: 'table, chain, set and map comments are not stored (nft 1.0.6 JSON ignores them); rule and element comments are',
    txs: [
      doc(
        { add: { table: { ...tbl, comment: 'table comment' } } },
        { add: { chain: { ...at, name: 'c', comment: 'chain comment' } } },
        { add: { set: { ...at, name: 'cs', type: 'ipv4_addr', comment: 'set comment' } } },
        { add: { map: { ...at, name: 'cm', type: 'ipv4_addr', map: 'verdict', comment: 'map comment' } } },
        { add: elem('cs', { elem: { val: '10.0.0.1', comment: 'element comment' } }) },
        { add: { rule: { ...at, chain: 'c', expr: [{ counter: null }], comment: 'rule comment' } } },
      ),
    ],
    ok: [true],
  },
  {
    name: 'rules are placed by index (add after, insert before) and by handle (insert before)',
    txs: [
      doc(...base, { add: { rule: { ...at, chain: 'svc', expr: [{ counter: null }], comment: 'a' } } }, { add: { rule: { ...at, chain: 'svc', expr: [{ counter: null }], comment: 'c' } } }),
      doc({ add: { rule: { ...at, chain: 'svc', index: 0, expr: [{ counter: null }], comment: 'b' } } }),
      doc({ insert: { rule: { ...at, chain: 'svc', index: 0, expr: [{ counter: null }], comment: '0' } } }),
      doc({ insert: { rule: { ...at, chain: 'svc', handle: 7, expr: [{ counter: null }], comment: 'before c' } } }),
      doc({ insert: { rule: { ...at, chain: 'svc', index: 99, expr: [{ counter: null }], comment: 'nowhere' } } }),
    ],
    ok: [true, true, true, true, false],
  },
];

/**
 * Normalises a listing for comparison between the fake and the kernel: no handles, element order sorted,
 * counters zeroed, set flags as arrays, kernel-only set fields (`size`, `expires`) dropped.
 */
export function normalizeListing(out: ListOutput): unknown {
  const norm = (v: unknown, key?: string): unknown => {
    if (Array.isArray(v)) {
      const arr = v.map((x) => norm(x));
      return key === 'elem' ? arr.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) : arr;
    }
    if (typeof v !== 'object' || v === null) return v;
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'handle' || k === 'size' || k === 'expires' || k === 'metainfo') continue;
      if (k === 'counter' && x !== null) o[k] = { packets: 0, bytes: 0 };
      else if (k === 'flags' && typeof x === 'string') o[k] = [x];
      else o[k] = norm(x, k);
    }
    return o;
  };
  return (out.nftables as unknown[]).filter((i) => !(typeof i === 'object' && i !== null && 'metainfo' in i)).map((i) => norm(i));
}
