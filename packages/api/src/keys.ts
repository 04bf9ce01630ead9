import type { Endpoint, IPFamily, ProxyState, ServicePort, ServicePortName } from './model.ts';

/**
 * The identity key of a service port: `namespace/name:port/PROTOCOL` (`namespace/name/PROTOCOL` for an
 * unnamed port). Stable across syncs; used as map key in `ProxyState` and in change sets. Pure.
 */
export function servicePortKey(name: ServicePortName): string {
  return `${name.namespace}/${name.name}${name.port ? `:${name.port}` : ''}/${name.protocol}`;
}

/** `ip:port`, with IPv6 addresses in brackets: `[fd00::1]:80`. Pure. */
export function endpointKey(endpoint: Pick<Endpoint, 'ip' | 'port'>): string {
  return hostPort(endpoint.ip, endpoint.port);
}

/** `ip:port`, with IPv6 addresses in brackets. Pure. */
export function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** The family of an IP address or CIDR text, judged by the presence of `:`; no validation. Pure. */
export function familyOf(ipOrCidr: string): IPFamily {
  return ipOrCidr.includes(':') ? 'IPv6' : 'IPv4';
}

/** Service ports of a state in key order, so renderers produce deterministic output. Pure. */
export function sortedServicePorts(state: ProxyState): ServicePort[] {
  return [...state.servicePorts.keys()].sort().map((key) => state.servicePorts.get(key) as ServicePort);
}
