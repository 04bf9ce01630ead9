/**
 * Builders of model values for tests and benchmarks in any package: a `ServicePort` with kube-proxy's
 * defaults and a selection derived from its endpoints, an `Endpoint`, a `NodeContext`, a `ProxyState`.
 * Only the contract's own types; no I/O.
 */
import { servicePortKey } from '../keys.ts';
import type { Endpoint, IPFamily, NodeContext, Protocol, ProxyState, ServicePort } from '../model.ts';

/** A ready, serving, non-terminating, remote endpoint on port 8080 unless overridden. */
export function endpointOf(ip: string, over: Partial<Endpoint> = {}): Endpoint {
  return { ip, port: 8080, ready: true, serving: true, terminating: false, isLocal: false, ...over };
}

/** What `servicePortOf` takes: any ServicePort field, plus the parts of its name. */
export type ServicePortInput = Partial<Omit<ServicePort, 'name'>> & {
  readonly namespace?: string;
  readonly name?: string;
  readonly portName?: string;
  readonly protocol?: Protocol;
};

/**
 * A ClusterIP service port (`ns/svc`, port `http` 80/TCP on 10.96.0.10, no node port, policies Cluster, no
 * affinity) with `endpoints` (default none). Unless given, `selection` is what the endpoints imply when all
 * are usable: cluster = all, local = the `isLocal` ones.
 */
export function servicePortOf(input: ServicePortInput = {}): ServicePort {
  const { namespace = 'ns', name = 'svc', portName = 'http', protocol = 'TCP', ...rest } = input;
  const endpoints = rest.endpoints ?? [];
  return {
    family: 'IPv4',
    clusterIP: '10.96.0.10',
    port: 80,
    nodePort: 0,
    externalIPs: [],
    loadBalancerIPs: [],
    loadBalancerSourceRanges: [],
    healthCheckNodePort: 0,
    internalPolicyLocal: false,
    externalPolicyLocal: false,
    sessionAffinity: { type: 'None' },
    selection: {
      clusterEndpoints: endpoints,
      localEndpoints: endpoints.filter((e) => e.isLocal),
      allReachableEndpoints: endpoints,
      hasAnyEndpoints: endpoints.length > 0,
      reasons: [],
    },
    ...rest,
    endpoints,
    name: { namespace, name, port: portName, protocol },
    protocol,
  };
}

/** A node context (`node-1`, node ports on all addresses, no local detector, masquerade bit 14). */
export function nodeContextOf(family: IPFamily = 'IPv4', over: Partial<NodeContext> = {}): NodeContext {
  return {
    name: 'node-1',
    family,
    nodeIPs: [],
    nodePortAddresses: { kind: 'all' },
    localDetector: { mode: 'None' },
    masqueradeAll: false,
    masqueradeBit: 14,
    features: {},
    ...over,
  };
}

/** A state of `family` holding `ports` (keyed by `servicePortKey`). */
export function proxyStateOf(ports: Iterable<ServicePort>, family: IPFamily = 'IPv4', node: Partial<NodeContext> = {}): ProxyState {
  return {
    family,
    node: nodeContextOf(family, node),
    servicePorts: new Map([...ports].map((p) => [servicePortKey(p.name), p])),
  };
}
