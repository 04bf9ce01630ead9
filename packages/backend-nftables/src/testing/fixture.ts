import type { Endpoint, IPFamily, NodeContext, ProxyState, ServicePort, ServicePortName } from '@kproxy/api';
import { servicePortKey } from '@kproxy/api';

/** Test helpers: build service ports and states directly, without the state builder. */

/** An endpoint; ready, serving, not terminating, remote unless `isLocal`. */
export function ep(ip: string, port: number, extra: Partial<Endpoint> = {}): Endpoint {
  return { ip, port, ready: true, serving: true, terminating: false, isLocal: false, ...extra };
}

/** Options for `svcPort`. */
export interface PortSpec extends Partial<Omit<ServicePort, 'name' | 'selection'>> {
  readonly ns?: string;
  readonly svc?: string;
  readonly portName?: string;
  /** Endpoints; the selection is derived unless `clusterEndpoints`/`localEndpoints` are given. */
  readonly eps?: readonly Endpoint[];
  readonly clusterEndpoints?: readonly Endpoint[];
  readonly localEndpoints?: readonly Endpoint[];
}

/** A service port with a simple endpoint selection (ready, else serving+terminating). */
export function svcPort(spec: PortSpec): ServicePort {
  const protocol = spec.protocol ?? 'TCP';
  const name: ServicePortName = { namespace: spec.ns ?? 'ns1', name: spec.svc ?? 'svc1', port: spec.portName ?? 'p80', protocol };
  const eps = spec.eps ?? [];
  const pick = (list: readonly Endpoint[]) => {
    const ready = list.filter((e) => e.ready);
    return ready.length ? ready : list.filter((e) => e.serving && e.terminating);
  };
  const cluster = spec.clusterEndpoints ?? pick(eps);
  const local = spec.localEndpoints ?? pick(eps.filter((e) => e.isLocal));
  const family: IPFamily = spec.family ?? ((spec.clusterIP ?? '').includes(':') ? 'IPv6' : 'IPv4');
  return {
    name,
    family,
    clusterIP: spec.clusterIP ?? '172.30.0.41',
    port: spec.port ?? 80,
    protocol,
    nodePort: spec.nodePort ?? 0,
    externalIPs: spec.externalIPs ?? [],
    loadBalancerIPs: spec.loadBalancerIPs ?? [],
    loadBalancerSourceRanges: spec.loadBalancerSourceRanges ?? [],
    healthCheckNodePort: spec.healthCheckNodePort ?? 0,
    internalPolicyLocal: spec.internalPolicyLocal ?? false,
    externalPolicyLocal: spec.externalPolicyLocal ?? false,
    sessionAffinity: spec.sessionAffinity ?? { type: 'None' },
    endpoints: eps,
    selection: {
      clusterEndpoints: cluster,
      localEndpoints: local,
      allReachableEndpoints: [...new Map([...cluster, ...local].map((e) => [`${e.ip}:${e.port}`, e])).values()],
      hasAnyEndpoints: eps.length > 0,
      reasons: [],
    },
  };
}

/** A node context with kube-proxy's defaults. */
export function node(extra: Partial<NodeContext> = {}): NodeContext {
  const family = extra.family ?? 'IPv4';
  return {
    name: 'node1',
    family,
    nodeIPs: family === 'IPv4' ? ['192.168.0.2'] : ['fd00:192::2'],
    nodePortAddresses: { kind: 'ips', ips: family === 'IPv4' ? ['192.168.0.2'] : ['fd00:192::2'] },
    localDetector: { mode: 'ClusterCIDR', cidrs: family === 'IPv4' ? ['10.0.0.0/8'] : ['fd00:10::/64'] },
    masqueradeAll: false,
    masqueradeBit: 14,
    features: {},
    ...extra,
  };
}

/** A state from service ports. */
export function stateOf(ports: readonly ServicePort[], nodeCtx: NodeContext = node()): ProxyState {
  return {
    family: nodeCtx.family,
    node: nodeCtx,
    servicePorts: new Map(ports.map((p) => [servicePortKey(p.name), p])),
  };
}
