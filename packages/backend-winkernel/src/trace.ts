import { hostPort } from '@kproxy/api';
import type { Packet, Reason, Trace } from '@kproxy/api';
import {
  flagNames,
  frontendKey,
  HNS_ENDPOINT_FLAGS,
  HNS_LOAD_BALANCER_FLAGS,
  HNS_PORT_MAPPING_FLAGS,
  HNS_PROTOCOL_NUMBERS,
  loadBalancerFamily,
  loadBalancerKey,
} from './hns-model.ts';
import type { HnsLoadBalancer, HnsSnapshot } from './hns-model.ts';

/** What the tracer needs besides the HNS objects. */
export interface HnsTraceContext {
  /** The node's addresses of the packet's family: node-port policies (no VIP) apply to these. */
  readonly nodeIPs: readonly string[];
  /** Service-port key per frontend key (`vip:port/PROTO`), to name the matched service port. */
  readonly owners?: ReadonlyMap<string, string>;
  /** Addresses the proxy knows as service VIPs, to explain a packet that no load balancer takes. */
  readonly serviceVips?: ReadonlySet<string>;
  /** Node ports (`*:port/PROTO` frontend keys) the proxy knows, for the same purpose. */
  readonly nodePorts?: ReadonlySet<string>;
}

/**
 * Traces a packet through HNS load balancers, the way the Windows data path picks them: a load balancer
 * whose frontend VIP, protocol and external port match, else a node-port policy (no VIP) when the packet
 * is addressed to a node IP. The verdict is `DNAT` to every endpoint of the load balancer (at the internal
 * port), or `PASS` when no load balancer applies: HNS has no reject or drop policy for services, so a
 * packet to a service without endpoints is simply not load-balanced and follows normal routing (a client
 * usually sees a timeout, not "connection refused"). Masquerade is approximated: DSR keeps the client
 * address; other external-IP, node-port and ingress policies (`VipExternalIP`) SNAT to the source VIP or
 * node; ClusterIP traffic is SNATed only when the node itself sends it. Pure.
 */
export function traceHns(
  snapshot: Pick<HnsSnapshot, 'endpoints' | 'loadBalancers'>,
  packet: Packet,
  context: HnsTraceContext,
): Trace {
  const proto = HNS_PROTOCOL_NUMBERS[packet.protocol];
  const matches = (lb: HnsLoadBalancer, withVip: boolean) =>
    loadBalancerFamily(lb) === packet.family &&
    lb.portMappings.some((pm) => pm.protocol === proto && pm.externalPort === packet.dport) &&
    (withVip ? lb.frontendVips.includes(packet.dst) : lb.frontendVips.length === 0 && context.nodeIPs.includes(packet.dst));
  const lb =
    snapshot.loadBalancers.find((l) => matches(l, true)) ?? snapshot.loadBalancers.find((l) => matches(l, false));
  if (!lb) {
    const known =
      (context.serviceVips?.has(packet.dst) ?? false) ||
      (context.nodeIPs.includes(packet.dst) && (context.nodePorts?.has(frontendKey(undefined, proto, packet.dport)) ?? false));
    const reasons: Reason[] = [
      {
        code: 'NoHnsLoadBalancer',
        message: known
          ? `no HNS load balancer for ${hostPort(packet.dst, packet.dport)}/${packet.protocol}: the service has no usable endpoint here (or not this port); Windows has no REJECT or DROP policy, the packet is routed normally`
          : `no HNS load balancer for ${hostPort(packet.dst, packet.dport)}/${packet.protocol}`,
        subject: hostPort(packet.dst, packet.dport),
      },
    ];
    return { verdict: 'PASS', endpoints: [], masquerade: false, affinity: false, path: [], reasons };
  }
  const pm = lb.portMappings.find((p) => p.protocol === proto && p.externalPort === packet.dport) ?? lb.portMappings[0];
  const key = loadBalancerKey(lb);
  const path = [
    `loadbalancer ${lb.id} ${key} portFlags=${flagNames(pm?.flags ?? 0, HNS_PORT_MAPPING_FLAGS)} flags=${flagNames(lb.flags, HNS_LOAD_BALANCER_FLAGS)} dist=${pm?.distributionType}`,
  ];
  const reasons: Reason[] = [];
  const byId = new Map(snapshot.endpoints.map((e) => [e.id, e]));
  const endpoints: { ip: string; port: number }[] = [];
  for (const id of lb.hostComputeEndpoints) {
    const ep = byId.get(id);
    if (!ep) {
      reasons.push({ code: 'DanglingEndpointId', message: `load balancer ${lb.id} names a missing endpoint`, subject: id });
      continue;
    }
    const remote = ep.flags & HNS_ENDPOINT_FLAGS.RemoteEndpoint;
    path.push(`endpoint ${ep.id} ${ep.ipAddress} ${remote ? `remote${ep.providerAddress ? ` pa=${ep.providerAddress}` : ''}` : 'local'}`);
    endpoints.push({ ip: ep.ipAddress, port: pm?.internalPort ?? 0 });
  }
  endpoints.sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : a.port - b.port));
  const dsr = (lb.flags & HNS_LOAD_BALANCER_FLAGS.DSR) !== 0;
  const external = ((pm?.flags ?? 0) & HNS_PORT_MAPPING_FLAGS.VipExternalIP) !== 0;
  if (dsr) reasons.push({ code: 'DirectServerReturn', message: 'DSR: the client address is kept and replies bypass the host' });
  const affinity = pm !== undefined && pm.distributionType !== 'None';
  if (affinity) {
    reasons.push({ code: 'SourceIPAffinity', message: 'HNS SourceIP distribution pins a client to one endpoint; it has no timeout' });
  }
  const owner = context.owners?.get(key);
  return {
    verdict: endpoints.length > 0 ? 'DNAT' : 'DROP',
    ...(owner ? { servicePort: owner } : {}),
    endpoints,
    masquerade: !dsr && (external || packet.hook === 'output'),
    affinity,
    path,
    reasons,
  };
}
