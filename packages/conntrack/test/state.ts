import type { Endpoint, IPFamily, Protocol, ProxyState, ServicePort } from '@kproxy/api';
import { endpointOf, proxyStateOf, servicePortOf } from '@kproxy/api/testing';

/** Test helper (not exported from the barrel): an endpoint with defaults. */
export function ep(ip: string, port = 5353, over: Partial<Endpoint> = {}): Endpoint {
  return endpointOf(ip, { port, ...over });
}

/** Test helper: a service port (`ns/<name>:p`, port 53) whose reachable endpoints are `endpoints`. */
export function sp(name: string, protocol: Protocol, endpoints: Endpoint[], over: Partial<ServicePort> = {}): ServicePort {
  const port = servicePortOf({ name, portName: 'p', protocol, port: 53, endpoints });
  return { ...port, ...over };
}

/** Test helper: a state of `family` holding `ports`. */
export function st(ports: ServicePort[], family: IPFamily = 'IPv4'): ProxyState {
  return proxyStateOf(ports, family, { name: 'n1' });
}
