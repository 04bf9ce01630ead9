import type { KubeEndpointSlice, KubeService, KubeServiceSpec, KubeSliceEndpoint, KubeSlicePort, NodeContext } from '@kproxy/api';
import { LABEL_SERVICE_NAME } from '@kproxy/api';
import { nodeContextOf } from '@kproxy/api/testing';

/** A Service for tests: `ns/name`, ClusterIP `10.96.0.10`, one TCP port `http` 80, spec fields overridable. */
export function testService(name: string, spec: Partial<KubeServiceSpec> = {}, extra: Partial<KubeService> = {}): KubeService {
  return {
    metadata: { namespace: 'ns', name, ...(extra.metadata ?? {}) },
    spec: { type: 'ClusterIP', clusterIP: '10.96.0.10', ports: [{ name: 'http', protocol: 'TCP', port: 80 }], ...spec },
    ...(extra.status ? { status: extra.status } : {}),
  };
}

/** An EndpointSlice for tests belonging to Service `ns/<service>`; port `http` 8080 TCP by default. */
export function testSlice(
  service: string,
  name: string,
  endpoints: KubeSliceEndpoint[],
  options: { addressType?: string; ports?: KubeSlicePort[]; annotations?: Record<string, string>; labels?: Record<string, string> } = {},
): KubeEndpointSlice {
  return {
    metadata: {
      namespace: 'ns',
      name,
      labels: { [LABEL_SERVICE_NAME]: service, ...(options.labels ?? {}) },
      ...(options.annotations ? { annotations: options.annotations } : {}),
    },
    addressType: options.addressType ?? 'IPv4',
    endpoints,
    ports: options.ports ?? [{ name: 'http', protocol: 'TCP', port: 8080 }],
  };
}

/** A NodeContext for tests: node `node-a`, zone `z1`, node IP 192.168.0.10 (or fd00:192::10), no options. */
export function testNode(overrides: Partial<NodeContext> = {}): NodeContext {
  const family = overrides.family ?? 'IPv4';
  return nodeContextOf(family, {
    name: 'node-a',
    zone: 'z1',
    nodeIPs: [family === 'IPv4' ? '192.168.0.10' : 'fd00:192::10'],
    ...overrides,
  });
}
