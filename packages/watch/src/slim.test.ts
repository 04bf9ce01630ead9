import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ANNOTATION_LAST_CHANGE_TRIGGER_TIME, type KubeEndpointSlice, type KubeNode, type KubeService } from '@kproxy/api';
import { mergeEndpointSlices } from '@kproxy/endpoints';
import { nodeFacts } from './object-equal.ts';
import { slimEndpointSlice, slimNode, slimService } from './slim.ts';
import { validateEndpointSlice, validateNode, validateService } from './validate.ts';

const managedFields = [{ manager: 'kube-controller-manager', operation: 'Update', fieldsV1: { 'f:endpoints': {} } }];

const fullService = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name: 'web',
    namespace: 'shop',
    uid: 'u-1',
    resourceVersion: '42',
    labels: { app: 'web' },
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"huge": true}', [ANNOTATION_LAST_CHANGE_TRIGGER_TIME]: '2026-01-01T00:00:00Z' },
    managedFields,
    ownerReferences: [{ kind: 'Thing', name: 'x' }],
  },
  spec: {
    type: 'LoadBalancer',
    clusterIP: '10.96.0.10',
    clusterIPs: ['10.96.0.10'],
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
    ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080, protocol: 'TCP' }],
    selector: { app: 'web' },
    externalIPs: ['192.0.2.10'],
    loadBalancerSourceRanges: ['203.0.113.0/24'],
    externalTrafficPolicy: 'Local',
    internalTrafficPolicy: 'Cluster',
    healthCheckNodePort: 31000,
    sessionAffinity: 'ClientIP',
    sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
    trafficDistribution: 'PreferClose',
    publishNotReadyAddresses: false,
    allocateLoadBalancerNodePorts: true,
  },
  status: { loadBalancer: { ingress: [{ ip: '198.51.100.1', ipMode: 'VIP' }] }, conditions: [{ type: 'x' }] },
};

describe('slimService', () => {
  it('keeps every field the proxy reads and drops the rest', () => {
    const slim = slimService(fullService as unknown as KubeService);
    expect(slim.metadata).toEqual({
      name: 'web',
      namespace: 'shop',
      uid: 'u-1',
      resourceVersion: '42',
      labels: { app: 'web' },
      annotations: { [ANNOTATION_LAST_CHANGE_TRIGGER_TIME]: '2026-01-01T00:00:00Z' },
    });
    const { allocateLoadBalancerNodePorts: _dropped, ...spec } = fullService.spec;
    expect(slim.spec).toEqual(spec);
    expect(slim.status).toEqual({ loadBalancer: { ingress: [{ ip: '198.51.100.1', ipMode: 'VIP' }] } });
    // the input is untouched
    expect(fullService.metadata.managedFields).toBe(managedFields);
  });

  it('passes malformed values through unchanged, so validation still rejects them', () => {
    const bad = { metadata: { name: 'b', namespace: 'd' }, spec: { clusterIP: 'nope', ports: 'eighty' } } as unknown as KubeService;
    const slim = slimService(bad);
    expect(slim.spec).toEqual(bad.spec);
    expect(validateService(slim)?.message).toBe(validateService(bad)?.message);
    expect(validateService(slim)).toBeDefined();
    const noMeta = { spec: 7 } as unknown as KubeService;
    expect(validateService(slimService(noMeta))?.message).toBe(validateService(noMeta)?.message);
  });
});

describe('slimEndpointSlice', () => {
  it('drops targetRefs, deprecated topology and unread metadata; keeps addresses, conditions, hints', () => {
    const slice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-abc', namespace: 'shop', resourceVersion: '7', labels: { 'kubernetes.io/service-name': 'web' }, managedFields },
      addressType: 'IPv4',
      endpoints: [
        {
          addresses: ['10.0.0.1'],
          conditions: { ready: true, serving: true, terminating: false },
          nodeName: 'n1',
          zone: 'z1',
          hints: { forZones: [{ name: 'z1' }] },
          targetRef: { kind: 'Pod', namespace: 'shop', name: 'web-1', uid: 'p-1' },
          deprecatedTopology: { a: 'b' },
        },
      ],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    };
    const slim = slimEndpointSlice(slice as unknown as KubeEndpointSlice);
    expect(slim).toEqual({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-abc', namespace: 'shop', resourceVersion: '7', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'n1', zone: 'z1', hints: { forZones: [{ name: 'z1' }] } }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });
  });

  // Random slices, well-formed or not: slimming never changes validation's verdict or the merged endpoints.
  it('never changes what the proxy computes from a slice (property)', () => {
    const ip = fc.oneof(fc.ipV4(), fc.constant('not-an-ip'), fc.constant(7));
    const cond = fc.option(fc.boolean(), { nil: undefined });
    const endpoint = fc.record(
      {
        addresses: fc.oneof(fc.array(ip, { maxLength: 2 }), fc.constant('x')),
        conditions: fc.record({ ready: cond, serving: cond, terminating: cond }, { requiredKeys: [] }),
        nodeName: fc.constantFrom('n1', 'n2'),
        zone: fc.constantFrom('z1', 'z2'),
        hints: fc.constant({ forZones: [{ name: 'z1' }] }),
        targetRef: fc.constant({ kind: 'Pod', name: 'p' }),
      },
      { requiredKeys: ['addresses'] },
    );
    const slice = fc.record({
      metadata: fc.record({ name: fc.constant('s'), namespace: fc.constant('d'), labels: fc.constant({ 'kubernetes.io/service-name': 'svc' }), managedFields: fc.constant(managedFields) }),
      addressType: fc.constantFrom('IPv4', 'IPv6', 'FQDN'),
      endpoints: fc.array(endpoint, { maxLength: 4 }),
      ports: fc.array(fc.record({ name: fc.constantFrom('http', 'dns'), port: fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.constant(-1)), protocol: fc.constantFrom('TCP', 'UDP') }), { maxLength: 2 }),
    });
    fc.assert(
      fc.property(slice, (raw) => {
        const original = raw as unknown as KubeEndpointSlice;
        const slim = slimEndpointSlice(original);
        expect(validateEndpointSlice(slim)?.message).toBe(validateEndpointSlice(original)?.message);
        if (validateEndpointSlice(original) === undefined) {
          for (const family of ['IPv4', 'IPv6'] as const) {
            expect(mergeEndpointSlices([slim], { family, nodeName: 'n1' })).toEqual(mergeEndpointSlices([original], { family, nodeName: 'n1' }));
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('slimNode', () => {
  it('keeps labels, pod CIDRs and addresses; drops images, conditions and capacity', () => {
    const node = {
      metadata: { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'z1' }, resourceVersion: '3', managedFields },
      spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'], providerID: 'x' },
      status: {
        addresses: [{ type: 'InternalIP', address: '192.0.2.1' }],
        images: [{ names: ['registry/huge:1'], sizeBytes: 1 }],
        conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: 'now' }],
        capacity: { cpu: '2' },
      },
    } as unknown as KubeNode;
    const slim = slimNode(node);
    expect(slim).toEqual({
      metadata: { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'z1' }, resourceVersion: '3' },
      spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] },
      status: { addresses: [{ type: 'InternalIP', address: '192.0.2.1' }] },
    });
    expect(nodeFacts(slim)).toEqual(nodeFacts(node));
    expect(validateNode(slim)?.message).toBe(validateNode(node)?.message);
  });
});
