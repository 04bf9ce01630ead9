import type { Command, Expression, Family, NftablesDocument, Statement } from '../schema.ts';

/**
 * Documents using every command, statement and expression shape the text wire writes, in sequence (later ones
 * reference earlier objects). The unit test pins their text; the kernel test applies them through both wires
 * and compares the listings. Not exported from the package.
 */

const T = 'zoo';

function at(family: Family): { family: Family; table: string } {
  return { family, table: T };
}

const payload = (protocol: string, field: string): Expression => ({ payload: { protocol, field } });
const meta = (key: string): Expression => ({ meta: { key } });
const ct = (key: string, more: { dir?: 'original' | 'reply' } = {}): Expression => ({ ct: { key, ...more } });
const m = (left: Expression, right: Expression, op: '==' | '!=' | '<' | '>' | '<=' | '>=' | 'in' = '=='): Statement => ({ match: { op, left, right } });
const doc = (...cmds: Command[]): NftablesDocument => ({ nftables: cmds });

function ipv4(): NftablesDocument[] {
  const a = at('ip');
  const rule = (chain: string, expr: Statement[], comment?: string): Command => ({ add: { rule: { ...a, chain, expr, ...(comment === undefined ? {} : { comment }) } } });
  const l4tcp = m(meta('l4proto'), 'tcp');
  return [
    doc(
      { add: { table: { family: 'ip', name: T, comment: 'the zoo' } } },
      { add: { chain: { ...a, name: 'filter-in', type: 'filter', hook: 'input', prio: 0, policy: 'accept', comment: 'input chain' } } },
      { add: { chain: { ...a, name: 'raw', type: 'filter', hook: 'prerouting', prio: -300 } } },
      { add: { chain: { ...a, name: 'pre', type: 'nat', hook: 'prerouting', prio: -100, policy: 'accept' } } },
      { add: { chain: { ...a, name: 'post', type: 'nat', hook: 'postrouting', prio: 100 } } },
      { add: { chain: { ...a, name: 'route-out', type: 'route', hook: 'output', prio: -150, policy: 'accept' } } },
      { add: { chain: { ...a, name: 'a' } } },
      { add: { chain: { ...a, name: 'b', comment: 'chain b' } } },
      { create: { chain: { ...a, name: 'c_1.x/y' } } },
      { add: { set: { ...a, name: 'plain', type: 'ipv4_addr', comment: 'dropped by JSON, so by text' } } },
      { add: { set: { ...a, name: 'nets', type: 'ipv4_addr', flags: ['interval'], elem: [{ prefix: { addr: '10.0.0.0', len: 8 } }, { range: ['192.168.0.1', '192.168.0.9'] }] } } },
      {
        add: {
          set: {
            ...a,
            name: 'aff',
            type: 'ipv4_addr',
            flags: ['timeout'],
            timeout: 10800,
            'gc-interval': 10,
            size: 1000,
            policy: 'memory',
            elem: [{ elem: { val: '10.1.0.1', timeout: 60, comment: 'first' } }],
          },
        },
      },
      { add: { set: { ...a, name: 'dyn', type: 'ipv4_addr', flags: ['timeout'], timeout: 60 } } },
      { add: { set: { ...a, name: 'pairs', type: ['ipv4_addr', 'inet_service'], flags: ['interval'] } } },
      { add: { set: { ...a, name: 'marks', type: 'mark', policy: 'performance' } } },
      { add: { set: { ...a, name: 'ports', type: 'inet_service', flags: ['constant'], elem: [80, 443] } } },
      { add: { map: { ...a, name: 'svc', type: ['ipv4_addr', 'inet_proto', 'inet_service'], map: 'verdict', comment: 'services' } } },
      { add: { map: { ...a, name: 'backends', type: 'inet_service', map: 'ipv4_addr' } } },
      { add: { map: { ...a, name: 'verdicts', type: 'ipv4_addr', map: 'verdict', elem: [['10.2.0.1', { accept: null }], ['*', { drop: null }]] } } },
    ),
    doc(
      { add: { element: { ...a, name: 'plain', elem: ['10.0.0.1', '10.0.0.2'] } } },
      { create: { element: { ...a, name: 'plain', elem: ['10.0.0.3'] } } },
      { add: { element: { ...a, name: 'pairs', elem: [{ concat: [{ prefix: { addr: '10.3.0.0', len: 16 } }, { range: [8000, 8080] }] }, { concat: ['10.4.0.1', 22] }] } } },
      { add: { element: { ...a, name: 'marks', elem: [1, 16384] } } },
      { add: { element: { ...a, name: 'dyn', elem: [{ elem: { val: '10.1.0.2', timeout: 30 } }, '10.1.0.3', { elem: { val: '10.1.0.4', timeout: 30, expires: 20, comment: 'c' } }] } } },
      {
        add: {
          element: {
            ...a,
            name: 'svc',
            elem: [
              [{ elem: { val: { concat: ['10.96.0.1', 'tcp', 80] }, comment: 'kp:anchor' } }, { goto: { target: 'a' } }],
              [{ concat: ['10.96.0.2', 'udp', 53] }, { jump: { target: 'b' } }],
              [{ concat: ['10.96.0.3', 'sctp', 9] }, { drop: null }],
              [{ concat: ['10.96.0.4', 6, 443] }, { accept: null }],
              [{ concat: ['10.96.0.5', 'tcp', 1] }, { return: null }],
              [{ concat: ['10.96.0.6', 'tcp', 2] }, { continue: null }],
            ],
          },
        },
      },
      { add: { element: { ...a, name: 'backends', elem: [[80, '10.5.0.1'], [443, '10.5.0.2']] } } },
      { delete: { element: { ...a, name: 'plain', elem: ['10.0.0.2'] } } },
      { delete: { element: { ...a, name: 'svc', elem: [{ concat: ['10.96.0.6', 'tcp', 2] }] } } },
    ),
    doc(
      rule('filter-in', [m(ct('state'), ['established', 'related'], 'in'), { accept: null }]),
      rule('filter-in', [m(ct('state'), 'new', 'in'), m(ct('status'), 'dnat', 'in'), { counter: null }]),
      rule('filter-in', [m(ct('state'), 'new'), { counter: { packets: 5, bytes: 300 } }]),
      rule('filter-in', [m({ concat: [payload('ip', 'daddr'), meta('l4proto'), payload('th', 'dport')] }, '@svc', '=='), { jump: { target: 'a' } }]),
      rule('filter-in', [{ vmap: { key: { concat: [payload('ip', 'daddr'), meta('l4proto'), payload('th', 'dport')] }, data: '@svc' } }]),
      rule('filter-in', [{ vmap: { key: payload('ip', 'saddr'), data: { set: [['10.9.0.1', { drop: null }], [{ prefix: { addr: '10.8.0.0', len: 16 } }, { jump: { target: 'a' } }], ['*', { accept: null }]] } } }]),
      rule('filter-in', [m(payload('ip', 'saddr'), '@nets'), m(payload('ip', 'saddr'), '@plain', 'in'), m(payload('ip', 'saddr'), '@aff', '!='), { drop: null }]),
      rule('filter-in', [m(payload('ip', 'saddr'), { prefix: { addr: '10.0.0.0', len: 8 } }, '!='), m(payload('ip', 'daddr'), { range: ['10.0.0.1', '10.0.0.9'] }), { return: null }]),
      rule('filter-in', [m(payload('ip', 'saddr'), { set: [{ prefix: { addr: '172.16.0.0', len: 12 } }, '192.0.2.1', { range: ['198.51.100.1', '198.51.100.9'] }] }), { drop: null }]),
      rule('filter-in', [l4tcp, m(payload('tcp', 'dport'), 22), m(payload('tcp', 'sport'), 1024, '>='), m(payload('tcp', 'flags'), 'syn', 'in'), { reject: { type: 'tcp reset' } }]),
      rule('filter-in', [m(meta('l4proto'), 'udp'), m(payload('udp', 'dport'), { range: [5000, 5100] }), m(payload('udp', 'sport'), 53, '!='), { reject: { type: 'icmp', expr: 'port-unreachable' } }]),
      rule('filter-in', [m(payload('th', 'dport'), 80, '<'), m(payload('th', 'sport'), 1000, '>'), m(payload('th', 'dport'), 9, '<='), { reject: { type: 'icmp', expr: 'host-unreachable' } }]),
      rule('filter-in', [m(meta('l4proto'), 'sctp'), m(payload('sctp', 'dport'), 9), { reject: null }]),
      rule('filter-in', [m(meta('l4proto'), 'icmp'), m(payload('icmp', 'type'), 'echo-request'), m(payload('icmp', 'code'), 0), { accept: null }]),
      rule('filter-in', [m(payload('ip', 'protocol'), 'tcp'), m(payload('ip', 'ttl'), 64, '<'), m(payload('ip', 'length'), 1500, '>'), m(payload('ip', 'dscp'), 'cs1'), { accept: null }]),
      rule('filter-in', [m(payload('ether', 'saddr'), '00:11:22:33:44:55'), { accept: null }]),
      rule('filter-in', [m(meta('iifname'), 'veth*'), m(meta('oifname'), 'eth0', '!='), m(meta('iif'), 'lo'), m(meta('pkttype'), 'host'), { accept: null }]),
      rule('filter-in', [m(meta('mark'), '@marks'), m(meta('length'), 100, '>'), m(meta('protocol'), 'ip'), m(meta('skuid'), 0), m(meta('cpu'), 1, '!='), { accept: null }]),
      rule('filter-in', [m({ '&': [meta('mark'), 0x4000] }, 0), { return: null }]),
      rule('filter-in', [m({ '|': [{ '&': [meta('mark'), 0xff] }, 0x100] }, 0x101, '!='), m({ '^': [{ '&': [meta('mark'), 0xff] }, 1] }, 3), { accept: null }]),
      rule('filter-in', [m(ct('mark'), 1), m(ct('direction'), 'original'), m(ct('l3proto'), 'ipv4'), m(ct('protocol'), 'tcp'), m(ct('expiration'), 10, '>'), { accept: null }]),
      rule('filter-in', [m(ct('saddr', { dir: 'original' }), '10.0.0.1'), m(ct('daddr', { dir: 'reply' }), '10.0.0.2'), m(ct('protocol', { dir: 'original' }), 'tcp'), { accept: null }]),
      rule('filter-in', [m(ct('zone'), 1), m(ct('bytes', { dir: 'original' }), 1000, '>'), m(ct('packets'), 5, '<'), { accept: null }]),
      rule('filter-in', [m({ fib: { result: 'type', flags: ['daddr'] } }, 'local'), m({ fib: { result: 'type', flags: ['saddr', 'iif'] } }, 'local', '!='), { accept: null }]),
      rule('filter-in', [m({ fib: { result: 'oif', flags: 'daddr' } }, true), m({ fib: { result: 'oifname', flags: ['daddr', 'mark'] } }, 'lo', '!='), { accept: null }]),
      rule('filter-in', [m({ fib: { result: 'oif', flags: ['saddr'] } }, false), { drop: null }]),
      rule('filter-in', [m({ numgen: { mode: 'random', mod: 3 } }, 0), m({ numgen: { mode: 'inc', mod: 4, offset: 10 } }, 12, '!='), { accept: null }]),
      rule('filter-in', [m({ payload: { base: 'nh', offset: 72, len: 8 } }, 6), m({ payload: { base: 'th', offset: 16, len: 16 } }, 80), { accept: null }], 'raw payload'),
      rule('filter-in', [m({ concat: [payload('ip', 'saddr'), payload('th', 'dport')] }, '@pairs'), { accept: null }]),
      rule('filter-in', [m(payload('th', 'dport'), { set: [80, { range: [8000, 8080] }, 443] }), { jump: { target: 'b' } }], 'kp:0123456789abcd'),
      rule('filter-in', [{ mangle: { key: meta('mark'), value: { '|': [meta('mark'), 0x4000] } } }]),
      rule('filter-in', [{ mangle: { key: meta('mark'), value: { '^': [meta('mark'), 0x4000] } } }, { mangle: { key: ct('mark'), value: meta('mark') } }]),
      rule('filter-in', [{ mangle: { key: meta('mark'), value: 7 } }, { mangle: { key: meta('mark'), value: { '<<': [meta('mark'), 1] } } }]),
      rule('raw', [m(payload('ip', 'saddr'), '10.7.0.1'), { notrack: null }]),
      rule('raw', [{ set: { op: 'update', elem: payload('ip', 'saddr'), set: '@dyn' } }, { set: { op: 'add', elem: { elem: { val: payload('ip', 'daddr'), timeout: 30 } }, set: '@dyn' } }]),
      rule('raw', [{ set: { op: 'delete', elem: payload('ip', 'saddr'), set: '@dyn' } }, { goto: { target: 'a' } }]),
      rule('pre', [l4tcp, { dnat: { addr: '10.5.0.1', port: 8080 } }]),
      rule('pre', [l4tcp, { dnat: { family: 'ip', addr: '10.5.0.1', port: { range: [8000, 8010] }, flags: ['random', 'persistent'] } }]),
      rule('pre', [{ dnat: { addr: { map: { key: { numgen: { mode: 'random', mod: 2 } }, data: { set: [[0, '10.5.0.1'], [1, '10.5.0.2']] } } } } }]),
      rule('pre', [l4tcp, { dnat: { addr: '10.5.0.3', port: { map: { key: payload('tcp', 'dport'), data: { set: [[80, 8080], [443, 8443]] } } } } }]),
      rule('pre', [{ dnat: { addr: { map: { key: payload('th', 'dport'), data: '@backends' } } } }]),
      rule('pre', [{ dnat: { addr: { range: ['10.6.0.1', '10.6.0.9'] }, flags: 'fully-random' } }]),
      rule('post', [m(ct('status'), 'dnat', 'in'), { masquerade: { flags: ['fully-random'] } }]),
      rule('post', [{ masquerade: null }]),
      rule('post', [l4tcp, { masquerade: { port: { range: [1024, 2048] }, flags: ['random', 'persistent'] } }]),
      rule('post', [l4tcp, { snat: { addr: '192.0.2.1', port: 1234 } }]),
      rule('post', [{ snat: { family: 'ip', addr: { range: ['192.0.2.1', '192.0.2.9'] } } }]),
      rule('route-out', [{ mangle: { key: meta('mark'), value: 1 } }]),
      rule('a', [{ counter: null }], 'rule in a'),
      rule('b', [{ continue: null }]),
      rule('c_1.x/y', [{ jump: { target: 'b' } }]),
    ),
    // Placement by index and by handle. The handles are the ones the batches above produce (in both wires).
    doc(
      { add: { rule: { ...a, chain: 'a', expr: [{ counter: null }], comment: 'last' } } },
      { add: { rule: { ...a, chain: 'a', index: 0, expr: [{ counter: null }], comment: 'after first' } } },
      { insert: { rule: { ...a, chain: 'a', expr: [{ counter: null }], comment: 'very first' } } },
      { insert: { rule: { ...a, chain: 'a', index: 1, expr: [{ counter: null }], comment: 'second' } } },
    ),
    doc({ insert: { rule: { ...a, chain: 'a', handle: 76, expr: [{ accept: null }], comment: 'before handle 76' } } }),
    doc({ replace: { rule: { ...a, chain: 'a', handle: 76, expr: [{ drop: null }], comment: 'replaced' } } }),
    doc({ delete: { rule: { ...a, chain: 'a', handle: 72 } } }),
    doc({ flush: { set: { ...a, name: 'aff' } } }, { flush: { map: { ...a, name: 'verdicts' } } }, { flush: { chain: { ...a, name: 'b' } } }),
    doc({ delete: { chain: { ...a, name: 'c_1.x/y' } } }, { delete: { set: { ...a, name: 'ports' } } }, { delete: { map: { ...a, name: 'verdicts' } } }),
    // Refused by the kernel, through both wires alike.
    doc({ add: { rule: { ...a, chain: 'a', expr: [{ jump: { target: 'nope' } }] } } }),
    doc({ create: { element: { ...a, name: 'plain', elem: ['10.0.0.1'] } } }),
    doc({ delete: { chain: { ...a, name: 'a' } } }),
  ];
}

function ipv6(): NftablesDocument[] {
  const a = at('ip6');
  const rule = (chain: string, expr: Statement[]): Command => ({ add: { rule: { ...a, chain, expr } } });
  const l4tcp = m(meta('l4proto'), 'tcp');
  return [
    doc(
      { add: { table: { family: 'ip6', name: T } } },
      { add: { chain: { ...a, name: 'pre', type: 'nat', hook: 'prerouting', prio: -100 } } },
      { add: { chain: { ...a, name: 'filter-in', type: 'filter', hook: 'input', prio: 0 } } },
      { add: { set: { ...a, name: 'nets', type: 'ipv6_addr', flags: ['interval'], elem: [{ prefix: { addr: 'fd00::', len: 8 } }, { range: ['2001:db8::1', '2001:db8::9'] }] } } },
      { add: { map: { ...a, name: 'svc', type: ['ipv6_addr', 'inet_proto', 'inet_service'], map: 'verdict' } } },
      { add: { element: { ...a, name: 'svc', elem: [[{ concat: ['fd00::1', 'tcp', 80] }, { drop: null }]] } } },
      rule('filter-in', [m(payload('ip6', 'saddr'), '@nets'), m(payload('ip6', 'daddr'), { prefix: { addr: '::1', len: 128 } }, '!='), m(payload('ip6', 'nexthdr'), 'tcp'), { accept: null }]),
      rule('filter-in', [m(payload('ip6', 'hoplimit'), 1), m(payload('ip6', 'flowlabel'), 5, '!='), m(meta('l4proto'), 'icmpv6'), m(payload('icmpv6', 'type'), 'echo-request'), { reject: { type: 'icmpv6', expr: 'admin-prohibited' } }]),
      rule('filter-in', [{ vmap: { key: { concat: [payload('ip6', 'daddr'), meta('l4proto'), payload('th', 'dport')] }, data: '@svc' } }]),
      rule('pre', [l4tcp, { dnat: { addr: 'fd00::1', port: 8080 } }]),
      rule('pre', [l4tcp, { dnat: { addr: '2001:db8::ffff:1.2.3.4', port: 80, flags: ['fully-random'] } }]),
      rule('pre', [{ dnat: { addr: 'fd00::2' } }]),
    ),
  ];
}

function inet(): NftablesDocument[] {
  const a = at('inet');
  const rule = (chain: string, expr: Statement[]): Command => ({ add: { rule: { ...a, chain, expr } } });
  const l4tcp = m(meta('l4proto'), 'tcp');
  return [
    doc(
      { add: { table: { family: 'inet', name: T } } },
      { add: { chain: { ...a, name: 'pre', type: 'nat', hook: 'prerouting', prio: -100 } } },
      rule('pre', [m(meta('nfproto'), 'ipv4'), l4tcp, { dnat: { family: 'ip', addr: '10.0.0.1', port: 80 } }]),
      rule('pre', [m(meta('nfproto'), 'ipv6'), l4tcp, { dnat: { family: 'ip6', addr: 'fd00::1', port: 80 } }]),
      rule('pre', [m(payload('ip', 'daddr'), '10.0.0.9'), { dnat: { family: 'ip', addr: '10.0.0.1' } }]),
    ),
    doc({ add: { table: { family: 'netdev', name: T } } }, { add: { chain: { family: 'netdev', table: T, name: 'ingress', type: 'filter', hook: 'ingress', dev: 'lo', prio: 0, policy: 'accept' } } }),
  ];
}

/** The zoo: named sequences of documents, each applied from an empty ruleset. */
export const WIRE_ZOO: readonly { readonly name: string; readonly docs: readonly NftablesDocument[] }[] = [
  { name: 'ip: every shape', docs: ipv4() },
  { name: 'ip6: addresses, prefixes, ranges, NAT', docs: ipv6() },
  { name: 'inet and netdev: NAT families, devices', docs: inet() },
];
