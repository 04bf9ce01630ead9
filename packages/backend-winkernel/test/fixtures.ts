// Small builders of proxy-model objects for this package's tests (the shared state builder lives elsewhere).
import { servicePortKey } from '@kproxy/api';
import type { Endpoint, IPFamily, NodeContext, Protocol, ProxyState, ServicePort } from '@kproxy/api';

export const NODE = 'node-a';
export const NODE_IP = '192.168.1.10';
export const NODE_IP6 = 'fd00::10';

/** An endpoint: ready, serving, not terminating, remote, port 8080 unless told. */
export function ep(ip: string, over: Partial<Endpoint> = {}): Endpoint {
  const isLocal = over.isLocal ?? false;
  return {
    ip,
    port: 8080,
    ready: true,
    serving: true,
    terminating: false,
    nodeName: isLocal ? NODE : 'node-b',
    isLocal,
    ...over,
  };
}

/** A terminating endpoint that still serves (ready=false, as the EndpointSlice controller writes it). */
export function terminating(ip: string, over: Partial<Endpoint> = {}): Endpoint {
  return ep(ip, { ready: false, serving: true, terminating: true, ...over });
}

export interface SvcInput {
  namespace?: string;
  name: string;
  portName?: string;
  protocol?: Protocol;
  family?: IPFamily;
  clusterIP: string;
  port?: number;
  nodePort?: number;
  externalIPs?: string[];
  loadBalancerIPs?: string[];
  healthCheckNodePort?: number;
  internalPolicyLocal?: boolean;
  externalPolicyLocal?: boolean;
  affinity?: number;
  endpoints?: Endpoint[];
}

/** A service port built directly (selection is a plain cluster/local split; winkernel ignores it). */
export function svc(input: SvcInput): ServicePort {
  const endpoints = [...(input.endpoints ?? [])].sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : a.port - b.port));
  const ready = endpoints.filter((e) => e.ready);
  const local = ready.filter((e) => e.isLocal);
  return {
    name: {
      namespace: input.namespace ?? 'default',
      name: input.name,
      port: input.portName ?? 'p',
      protocol: input.protocol ?? 'TCP',
    },
    family: input.family ?? 'IPv4',
    clusterIP: input.clusterIP,
    port: input.port ?? 80,
    protocol: input.protocol ?? 'TCP',
    nodePort: input.nodePort ?? 0,
    externalIPs: input.externalIPs ?? [],
    loadBalancerIPs: input.loadBalancerIPs ?? [],
    loadBalancerSourceRanges: [],
    healthCheckNodePort: input.healthCheckNodePort ?? 0,
    internalPolicyLocal: input.internalPolicyLocal ?? false,
    externalPolicyLocal: input.externalPolicyLocal ?? false,
    sessionAffinity: input.affinity ? { type: 'ClientIP', timeoutSeconds: input.affinity } : { type: 'None' },
    endpoints,
    selection: {
      clusterEndpoints: ready,
      localEndpoints: local,
      allReachableEndpoints: ready,
      hasAnyEndpoints: endpoints.length > 0,
      reasons: [],
    },
  };
}

/** The node context for `family`. */
export function node(family: IPFamily = 'IPv4'): NodeContext {
  return {
    name: NODE,
    family,
    nodeIPs: [family === 'IPv4' ? NODE_IP : NODE_IP6],
    nodePortAddresses: { kind: 'all' },
    localDetector: { mode: 'None' },
    masqueradeAll: false,
    masqueradeBit: 14,
    features: {},
  };
}

/** A proxy state holding `ports`. */
export function state(ports: ServicePort[], family: IPFamily = 'IPv4'): ProxyState {
  return { family, node: node(family), servicePorts: new Map(ports.map((p) => [servicePortKey(p.name), p])) };
}

/** `value`, or a test failure when it is undefined. */
export function must<T>(value: T | undefined, what = 'value'): T {
  if (value === undefined) throw new Error(`expected ${what}`);
  return value;
}
