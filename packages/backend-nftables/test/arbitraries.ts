import type { Endpoint, NodeContext, Protocol, ProxyState, ServicePort } from '@kproxy/api';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { ep, node, stateOf, svcPort } from '../src/testing/index.ts';

/** fast-check arbitraries of service ports and states, ordinary and hostile. */

const octet = fc.integer({ min: 1, max: 254 });
const hostile = fc.oneof(
  fc.constantFrom('a"b', "it's", 'line\nbreak', 'tab\there', 'back\\slash', '{}', '@set', '$var', '; delete table ip x', 'ümlaut-ß-日本', 'x'.repeat(253)),
  fc.string({ minLength: 1, maxLength: 20 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
);
const dnsName = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);

/** One service port among a small address pool (so that partial syncs collide and share IPs). */
export function servicePortArb(opts: { hostileNames?: boolean; index: number }): fc.Arbitrary<ServicePort> {
  const name = opts.hostileNames ? fc.oneof(dnsName, hostile) : dnsName;
  const epArb: fc.Arbitrary<Endpoint> = fc
    .record({ o: fc.integer({ min: 1, max: 12 }), port: fc.constantFrom(80, 8080, 53), local: fc.boolean(), ready: fc.boolean(), terminating: fc.boolean() })
    .map(({ o, port, local, ready, terminating }) =>
      ep(`10.180.0.${o}`, port, { isLocal: local, ready, serving: ready || terminating, terminating: !ready && terminating }),
    );
  return fc
    .record({
      ns: name,
      svc: name,
      portName: fc.oneof(fc.constant(''), name),
      protocol: fc.constantFrom<Protocol>('TCP', 'UDP', 'SCTP'),
      port: fc.constantFrom(80, 443, 53, 65535),
      nodePort: fc.oneof(fc.constant(0), fc.integer({ min: 30000, max: 30010 })),
      externalIPs: fc.array(octet.map((o) => `192.168.99.${o % 4}`), { maxLength: 2 }),
      lbIPs: fc.array(octet.map((o) => `5.6.7.${o % 4}`), { maxLength: 2 }),
      ranges: fc.array(fc.constantFrom('203.0.113.0/25', '192.168.0.0/24', ' 10.1.0.0/16', 'bogus', '0.0.0.0/1'), { maxLength: 3 }),
      itp: fc.boolean(),
      etp: fc.boolean(),
      affinity: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 86400 })),
      eps: fc.uniqueArray(epArb, { maxLength: 6, selector: (e) => `${e.ip}:${e.port}` }),
    })
    .map((r) =>
      svcPort({
        ns: r.ns,
        svc: `${r.svc}${opts.index}`,
        portName: r.portName,
        protocol: r.protocol,
        clusterIP: `172.30.0.${opts.index + 1}`,
        port: r.port,
        nodePort: r.nodePort ? r.nodePort + opts.index * 11 : 0,
        externalIPs: r.externalIPs,
        loadBalancerIPs: r.lbIPs,
        loadBalancerSourceRanges: r.ranges,
        internalPolicyLocal: r.itp,
        externalPolicyLocal: r.etp && (r.nodePort > 0 || r.externalIPs.length > 0 || r.lbIPs.length > 0),
        sessionAffinity: r.affinity ? { type: 'ClientIP', timeoutSeconds: r.affinity } : { type: 'None' },
        eps: r.eps,
      }),
    );
}

/** Up to `max` service ports with distinct cluster IPs and node ports. */
export function servicePortsArb(max: number, hostileNames = false): fc.Arbitrary<ServicePort[]> {
  return fc
    .array(fc.boolean(), { minLength: max, maxLength: max })
    .chain((present) =>
      fc.tuple(...present.map((p, i) => (p ? servicePortArb({ hostileNames, index: i }).map((x) => x as ServicePort | undefined) : fc.constant(undefined)))),
    )
    .map((l) => l.filter((x): x is ServicePort => x !== undefined));
}

/** Node contexts covering every detector and node-port-address mode. */
export const nodeArb: fc.Arbitrary<NodeContext> = fc
  .record({
    det: fc.constantFrom('None', 'ClusterCIDR', 'NodeCIDR', 'BridgeInterface', 'InterfaceNamePrefix'),
    npa: fc.constantFrom('all', 'ips', 'none'),
    masqueradeAll: fc.boolean(),
    bit: fc.integer({ min: 0, max: 31 }),
  })
  .map(({ det, npa, masqueradeAll, bit }) =>
    node({
      masqueradeAll,
      masqueradeBit: bit,
      nodePortAddresses: npa === 'all' ? { kind: 'all' } : { kind: 'ips', ips: npa === 'ips' ? ['192.168.0.2', '192.168.0.3'] : [] },
      localDetector:
        det === 'None'
          ? { mode: 'None' }
          : det === 'ClusterCIDR'
            ? { mode: 'ClusterCIDR', cidrs: ['10.0.0.0/8', '10.244.0.0/16', 'fd00::/8'] }
            : det === 'NodeCIDR'
              ? { mode: 'NodeCIDR', cidrs: ['10.244.1.0/24'] }
              : det === 'BridgeInterface'
                ? { mode: 'BridgeInterface', interfaceName: 'cbr0' }
                : { mode: 'InterfaceNamePrefix', interfacePrefix: 'veth' },
    }),
  );

/** Maps the IPv4 addresses and CIDRs the arbitraries use onto IPv6 ones, so every property also runs on ip6. */
export function v6(text: string): string {
  const t = text.trim();
  const [addr, len] = t.split('/');
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(addr ?? '');
  if (!m) return text; // not IPv4 ('bogus'): left as it is
  const [a, b, c, d] = m.slice(1).map(Number) as [number, number, number, number];
  const ip = ipaddr.parse(`fd00:${a.toString(16)}:${b.toString(16)}:${c.toString(16)}::${d.toString(16)}`).toString();
  return len === undefined ? ip : `${ip}/${Math.min(128, 64 + Number(len))}`;
}

/** The IPv6 twin of an IPv4 service port from the arbitraries. */
export function portToV6(p: ServicePort): ServicePort {
  const e6 = (e: Endpoint): Endpoint => ({ ...e, ip: v6(e.ip) });
  return {
    ...p,
    family: 'IPv6',
    clusterIP: v6(p.clusterIP),
    externalIPs: p.externalIPs.map(v6),
    loadBalancerIPs: p.loadBalancerIPs.map(v6),
    loadBalancerSourceRanges: p.loadBalancerSourceRanges.map(v6),
    endpoints: p.endpoints.map(e6),
    selection: {
      ...p.selection,
      clusterEndpoints: p.selection.clusterEndpoints.map(e6),
      localEndpoints: p.selection.localEndpoints.map(e6),
      allReachableEndpoints: p.selection.allReachableEndpoints.map(e6),
    },
  };
}

/** The IPv6 twin of a node context. */
export function nodeToV6(n: NodeContext): NodeContext {
  const det = n.localDetector;
  return {
    ...n,
    family: 'IPv6',
    nodeIPs: n.nodeIPs.map(v6),
    nodePortAddresses: n.nodePortAddresses.kind === 'all' ? n.nodePortAddresses : { kind: 'ips', ips: n.nodePortAddresses.ips.map(v6) },
    localDetector: det.mode === 'ClusterCIDR' || det.mode === 'NodeCIDR' ? { ...det, cidrs: det.cidrs.map(v6) } : det,
  };
}

/**
 * A random state with hostile names (up to eight ports, any detector and node-port mode), IPv4 or its IPv6
 * twin, with the service CIDR option of that family: what the kernel tests render and load.
 */
export const hostileStateArb: fc.Arbitrary<{ state: ProxyState; serviceCIDRs: string[] }> = fc
  .tuple(servicePortsArb(8, true), nodeArb, fc.boolean())
  .map(([ports4, node4, six]) => ({
    state: stateOf(six ? ports4.map(portToV6) : ports4, six ? nodeToV6(node4) : node4),
    serviceCIDRs: [six ? 'fd00:ac:1e::/112' : '172.30.0.0/16'],
  }));
