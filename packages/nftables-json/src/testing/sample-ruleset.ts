import type { Statement } from '../schema.ts';
import { Transaction } from '../transaction.ts';

/**
 * A kube-proxy-like ruleset using every shape of the agreed subset, shared by the tracer's unit test (over
 * the fake) and its kernel test (over a real listing). Not exported from the package.
 */

const daddr = { payload: { protocol: 'ip', field: 'daddr' } } as const;
const saddr = { payload: { protocol: 'ip', field: 'saddr' } } as const;
const l4 = { meta: { key: 'l4proto' } } as const;
const dport = { payload: { protocol: 'th', field: 'dport' } } as const;
const mark = { meta: { key: 'mark' } } as const;
const tcp: Statement = { match: { op: '==', left: l4, right: 'tcp' } };
const dnat = (addr: string, port: number): Statement[] => [tcp, { dnat: { addr, port } }];
const numgen = (mod: number, k: number): Statement => ({ match: { op: '==', left: { numgen: { mode: 'random', mod } }, right: k } });
const svcKey = { concat: [daddr, l4, dport] };

/** The node's address in the sample. */
export const SAMPLE_NODE_IP = '192.168.0.10';

/** Builds the sample ruleset as one transaction on table `ip <table>`. */
export function sampleTransaction(table = 'kp'): Transaction {
  const tx = new Transaction({ family: 'ip', table });
  tx.add({ table: {} });
  tx.add({ chain: { name: 'nat-prerouting', type: 'nat', hook: 'prerouting', prio: -100 } })
    .add({ chain: { name: 'nat-output', type: 'nat', hook: 'output', prio: -100 } })
    .add({ chain: { name: 'nat-postrouting', type: 'nat', hook: 'postrouting', prio: 100 } })
    .add({ chain: { name: 'filter-forward', type: 'filter', hook: 'forward', prio: 0, policy: 'accept' } })
    .add({ chain: { name: 'filter-output', type: 'filter', hook: 'output', prio: 0, policy: 'accept' } })
    .add({ chain: { name: 'filter-input', type: 'filter', hook: 'input', prio: 0, policy: 'accept' } });
  for (const c of ['services', 'svc-a', 'svc-b', 'ep-b1', 'ep-b2', 'svc-aff', 'ep-aff1', 'ep-aff2', 'mark-for-masq', 'masquerading', 'reject-chain', 'firewall-drop']) {
    tx.add({ chain: { name: c } });
  }
  tx.add({ map: { name: 'service-ips', type: ['ipv4_addr', 'inet_proto', 'inet_service'], map: 'verdict' } })
    .add({ map: { name: 'no-endpoint-services', type: ['ipv4_addr', 'inet_proto', 'inet_service'], map: 'verdict' } })
    .add({ set: { name: 'hairpin', type: ['ipv4_addr', 'ipv4_addr'] } })
    .add({ set: { name: 'aff-ep1', type: 'ipv4_addr', flags: ['timeout'], timeout: 10800 } })
    .add({ set: { name: 'aff-ep2', type: 'ipv4_addr', flags: ['timeout'], timeout: 10800 } })
    .add({ set: { name: 'allowed-sources', type: 'ipv4_addr', flags: ['interval'] } });
  tx.add({
    element: {
      name: 'service-ips',
      elem: [
        [{ concat: ['10.96.0.1', 'tcp', 80] }, { goto: { target: 'svc-a' } }],
        [{ concat: ['10.96.0.2', 'tcp', 80] }, { goto: { target: 'svc-b' } }],
        [{ concat: ['10.96.0.3', 'tcp', 80] }, { goto: { target: 'svc-aff' } }],
        [{ concat: ['10.96.0.4', 'tcp', 80] }, { goto: { target: 'firewall-drop' } }],
      ],
    },
  });
  tx.add({ element: { name: 'no-endpoint-services', elem: [[{ concat: ['10.96.0.9', 'tcp', 80] }, { goto: { target: 'reject-chain' } }]] } });
  tx.add({ element: { name: 'hairpin', elem: ['10.1.0.1', '10.1.0.2', '10.1.0.3'].map((a) => ({ concat: [a, a] })) } });
  tx.add({ element: { name: 'allowed-sources', elem: [{ prefix: { addr: '203.0.113.0', len: 24 } }] } });
  const r = (chain: string, ...expr: Statement[]) => tx.add({ rule: { chain, expr } });
  r('nat-prerouting', { jump: { target: 'services' } });
  r('nat-output', { jump: { target: 'services' } });
  r('nat-postrouting', { jump: { target: 'masquerading' } });
  r('services', { vmap: { key: svcKey, data: '@service-ips' } });
  r('services', { match: { op: '==', left: { fib: { result: 'type', flags: ['daddr'] } }, right: 'local' } }, tcp, { match: { op: '==', left: dport, right: 30080 } }, { goto: { target: 'svc-a' } });
  // svc-a: uniform choice among three endpoints, iptables-statistic style.
  r('svc-a', { match: { op: '!=', left: saddr, right: { prefix: { addr: '10.0.0.0', len: 8 } } } }, { jump: { target: 'mark-for-masq' } });
  r('svc-a', numgen(3, 0), ...dnat('10.1.0.1', 8080));
  r('svc-a', numgen(2, 0), ...dnat('10.1.0.2', 8080));
  r('svc-a', ...dnat('10.1.0.3', 8080));
  // svc-b: a numgen verdict map.
  r('svc-b', { vmap: { key: { numgen: { mode: 'random', mod: 2 } }, data: { set: [[0, { goto: { target: 'ep-b1' } }], [1, { goto: { target: 'ep-b2' } }]] } } });
  r('ep-b1', ...dnat('10.2.0.1', 9090));
  r('ep-b2', ...dnat('10.2.0.2', 9090));
  // svc-aff: ClientIP affinity with timeout sets.
  r('svc-aff', { match: { op: '==', left: saddr, right: '@aff-ep1' } }, { goto: { target: 'ep-aff1' } });
  r('svc-aff', { match: { op: '==', left: saddr, right: '@aff-ep2' } }, { goto: { target: 'ep-aff2' } });
  r('svc-aff', { vmap: { key: { numgen: { mode: 'random', mod: 2 } }, data: { set: [[0, { goto: { target: 'ep-aff1' } }], [1, { goto: { target: 'ep-aff2' } }]] } } });
  r('ep-aff1', { set: { op: 'update', elem: saddr, set: '@aff-ep1' } }, ...dnat('10.3.0.1', 80));
  r('ep-aff2', { set: { op: 'update', elem: saddr, set: '@aff-ep2' } }, ...dnat('10.3.0.2', 80));
  // firewall: only allowed sources reach 10.96.0.4.
  r('firewall-drop', { match: { op: '!=', left: saddr, right: '@allowed-sources' } }, { drop: null });
  r('firewall-drop', ...dnat('10.4.0.1', 80));
  r('mark-for-masq', { mangle: { key: mark, value: { '|': [mark, 0x4000] } } });
  r('masquerading', { match: { op: 'in', left: { ct: { key: 'status' } }, right: 'dnat' } }, { match: { op: '==', left: { concat: [saddr, daddr] }, right: '@hairpin' } }, { masquerade: null });
  r('masquerading', { match: { op: '==', left: { '&': [mark, 0x4000] }, right: 0 } }, { return: null });
  r('masquerading', { mangle: { key: mark, value: { '^': [mark, 0x4000] } } });
  r('masquerading', { masquerade: { flags: ['fully-random'] } });
  r('reject-chain', { reject: null });
  for (const c of ['filter-forward', 'filter-output', 'filter-input']) {
    r(c, { match: { op: 'in', left: { ct: { key: 'state' } }, right: ['established', 'related'] } }, { accept: null });
    r(c, { vmap: { key: svcKey, data: '@no-endpoint-services' } });
  }
  return tx;
}
