// Object builders for this package's tests.
import type { KubeEndpointSlice, KubeNode, KubeService } from '@kproxy/api';

let rv = 1;

export function svc(name: string, opts: { ns?: string; port?: number; labels?: Record<string, string>; rv?: string } = {}): KubeService {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: opts.ns ?? 'default', resourceVersion: opts.rv ?? String(rv++), labels: opts.labels },
    spec: { clusterIP: '10.96.0.1', ports: [{ name: 'http', port: opts.port ?? 80, protocol: 'TCP' }] },
  };
}

export function eps(
  name: string,
  service: string | undefined,
  ips: string[],
  opts: { ns?: string; rv?: string; port?: number; nodeName?: string; family?: 'IPv4' | 'IPv6' } = {},
): KubeEndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name,
      namespace: opts.ns ?? 'default',
      resourceVersion: opts.rv ?? String(rv++),
      labels: service ? { 'kubernetes.io/service-name': service } : {},
    },
    addressType: opts.family ?? 'IPv4',
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true }, nodeName: opts.nodeName })),
    ports: [{ name: 'http', port: opts.port ?? 8080, protocol: 'TCP' }],
  };
}

export function nodeObj(name: string, labels: Record<string, string> = {}, address = '192.0.2.1'): KubeNode {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels, resourceVersion: String(rv++) },
    status: { addresses: [{ type: 'InternalIP', address }] },
  };
}
