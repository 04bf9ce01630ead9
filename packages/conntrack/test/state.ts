import type { Endpoint, IPFamily, Protocol, ProxyState, ServicePort } from '@kproxy/api';
import { servicePortKey } from '@kproxy/api';

/** Test helper (not exported from the barrel): an endpoint with defaults. */
export function ep(ip: string, port = 5353, over: Partial<Endpoint> = {}): Endpoint {
  return { ip, port, ready: true, serving: true, terminating: false, isLocal: false, ...over };
}

/** Test helper: a service port whose reachable endpoints are `endpoints`. */
export function sp(
  name: string,
  protocol: Protocol,
  endpoints: Endpoint[],
  over: Partial<ServicePort> = {},
): ServicePort {
  return {
    name: { namespace: 'ns', name, port: 'p', protocol },
    family: 'IPv4',
    clusterIP: '10.96.0.10',
    port: 53,
    protocol,
    nodePort: 0,
    externalIPs: [],
    loadBalancerIPs: [],
    loadBalancerSourceRanges: [],
    healthCheckNodePort: 0,
    internalPolicyLocal: false,
    externalPolicyLocal: false,
    sessionAffinity: { type: 'None' },
    endpoints,
    selection: {
      clusterEndpoints: endpoints,
      localEndpoints: [],
      allReachableEndpoints: endpoints,
      hasAnyEndpoints: endpoints.length > 0,
      reasons: [],
    },
    ...over,
  };
}

/** Test helper: a state of `family` holding `ports`. */
export function st(ports: ServicePort[], family: IPFamily = 'IPv4'): ProxyState {
  return {
    family,
    node: {
      name: 'n1',
      family,
      nodeIPs: [],
      nodePortAddresses: { kind: 'all' },
      localDetector: { mode: 'None' },
      masqueradeAll: false,
      masqueradeBit: 14,
      features: {},
    },
    servicePorts: new Map(ports.map((p) => [servicePortKey(p.name), p])),
  };
}
