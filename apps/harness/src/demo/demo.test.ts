import { describe, expect, it } from '@jest/globals';
import { ADDED, AFTER, allPods, BEFORE, serviceObject, sliceObject } from './cluster.ts';
import { demoProbes } from './demo-probes.ts';
import { summariseRuleset } from './ruleset-summary.ts';

const listing = {
  nftables: [
    { metainfo: { json_schema_version: 1 } },
    { table: { family: 'ip', name: 'kube-proxy', handle: 1 } },
    { chain: { family: 'ip', table: 'kube-proxy', name: 'services' } },
    { chain: { family: 'ip', table: 'kube-proxy', name: 'service-ABCDEFGH-shop/web/tcp/main' } },
    { chain: { family: 'ip', table: 'kube-proxy', name: 'external-QRSTUVWX-shop/checkout/tcp/main' } },
    { chain: { family: 'ip', table: 'kube-proxy', name: 'service-IJKLMNOP-shop/checkout/tcp/main' } },
    {
      map: {
        family: 'ip', table: 'kube-proxy', name: 'service-ips', type: ['ipv4_addr', 'inet_proto', 'inet_service'], map: 'verdict',
        elem: [[{ elem: { val: { concat: ['10.96.0.10', 'tcp', 80] }, comment: 'kp:0u6ix6a1ncyc0p' } }, { goto: { target: 'service-ABCDEFGH-shop/web/tcp/main' } }]],
      },
    },
    {
      map: {
        family: 'ip', table: 'kube-proxy', name: 'service-nodeports', type: ['inet_proto', 'inet_service'], map: 'verdict',
        elem: [[{ concat: ['tcp', 30080] }, { goto: { target: 'external-QRSTUVWX-shop/checkout/tcp/main' } }]],
      },
    },
    { set: { family: 'ip', table: 'kube-proxy', name: 'no-endpoint-services', type: ['ipv4_addr', 'inet_proto', 'inet_service'], elem: [{ concat: ['10.96.0.99', 'tcp', 80] }] } },
    {
      rule: {
        family: 'ip', table: 'kube-proxy', chain: 'service-ABCDEFGH-shop/web/tcp/main',
        // As nft lists this backend's rules: one numgen-guarded DNAT per endpoint.
        expr: [{ match: { op: '==', left: { numgen: { mode: 'random', mod: 2, offset: 0 } }, right: 0 } }, { match: { op: '==', left: { meta: { key: 'l4proto' } }, right: 'tcp' } }, { dnat: { addr: '10.244.1.11', port: 8080 } }],
      },
    },
    {
      rule: {
        family: 'ip', table: 'kube-proxy', chain: 'service-ABCDEFGH-shop/web/tcp/main',
        expr: [{ match: { op: '==', left: { meta: { key: 'l4proto' } }, right: 'tcp' } }, { dnat: { addr: '10.244.1.12', port: 8080 } }],
      },
    },
    { rule: { family: 'ip', table: 'kube-proxy', chain: 'external-QRSTUVWX-shop/checkout/tcp/main', expr: [{ goto: { target: 'service-IJKLMNOP-shop/checkout/tcp/main' } }] } },
    // kube-proxy's own layout: the service chain jumps to per-endpoint chains that DNAT.
    { rule: { family: 'ip', table: 'kube-proxy', chain: 'service-IJKLMNOP-shop/checkout/tcp/main', expr: [{ goto: { target: 'endpoint-CCCCCCCC-shop/checkout/tcp/main__10.244.1.21/9090' } }] } },
    { rule: { family: 'ip', table: 'kube-proxy', chain: 'endpoint-CCCCCCCC-shop/checkout/tcp/main__10.244.1.21/9090', expr: [{ dnat: { addr: '10.244.1.21', port: 9090 } }] } },
  ],
};

describe('summariseRuleset', () => {
  it('lists each service entry with its readable chain and endpoint count, following node ports to their service chain', () => {
    const s = summariseRuleset(listing);
    expect(s).toMatchObject({ table: 'ip kube-proxy', chains: 4, rules: 5, sets: 3 });
    expect(s.entries).toEqual([
      { match: '10.96.0.10 tcp/80', service: 'shop/web/tcp/main', endpoints: ['10.244.1.11:8080', '10.244.1.12:8080'] },
      { match: 'nodeport tcp/30080', service: 'shop/checkout/tcp/main', endpoints: ['10.244.1.21:9090'] },
    ]);
    expect(s.noEndpoints).toEqual(['10.96.0.99 tcp/80']);
  });

  it('lists data-map entries (no chain of their own) with the endpoints of their slots', () => {
    const s = summariseRuleset({
      nftables: [
        { set: { name: 'service-ips-2', elem: [{ concat: ['10.96.0.20', 'tcp', 80] }] } },
        { set: { name: 'service-nodeports-1', elem: [{ concat: ['tcp', 30090] }] } },
        {
          map: {
            name: 'service-endpoints',
            elem: [
              [{ concat: ['10.96.0.20', 'tcp', 80, 1] }, { concat: ['10.244.1.32', 8080] }],
              [{ concat: ['10.96.0.20', 'tcp', 80, 0] }, { concat: ['10.244.1.31', 8080] }],
              [{ concat: ['10.96.0.21', 'tcp', 80, 0] }, { concat: ['10.244.1.99', 8080] }],
            ],
          },
        },
        { map: { name: 'nodeport-endpoints', elem: [[{ concat: ['tcp', 30090, 0] }, { concat: ['10.244.1.41', 9090] }]] } },
      ],
    });
    expect(s.entries).toEqual([
      { match: '10.96.0.20 tcp/80', service: '(data map service-ips-2)', endpoints: ['10.244.1.31:8080', '10.244.1.32:8080'] },
      { match: 'nodeport tcp/30090', service: '(data map service-nodeports-1)', endpoints: ['10.244.1.41:9090'] },
    ]);
  });

  it('tolerates an empty or foreign listing', () => {
    expect(summariseRuleset({}).entries).toEqual([]);
    expect(summariseRuleset({ nftables: [{ map: { name: 'service-ips', elem: [['garbage']] } }] }).entries).toEqual([]);
  });
});

describe('demo cluster', () => {
  it('has consistent objects: every slice names its service, pods have unique addresses', () => {
    for (const s of [...BEFORE, ADDED]) {
      expect(sliceObject(s).metadata.labels?.['kubernetes.io/service-name']).toBe(serviceObject(s).metadata.name);
      expect(sliceObject(s).ports?.[0]?.port).toBe(s.targetPort);
    }
    const ips = allPods().map((p) => p.ip);
    expect(new Set(ips).size).toBe(ips.length);
  });

  it('probes deleted services as gone and expects the scaled-down service on its remaining pod only', () => {
    const probes = demoProbes(AFTER, [BEFORE[1]!]);
    expect(probes.find((p) => p.title === 'shop/web ClusterIP')?.expect).toEqual(['10.244.1.11:8080']);
    expect(probes.find((p) => p.title === 'shop/checkout NodePort (deleted)')?.expect).toBe('refused');
    expect(probes.find((p) => p.title === 'auth/session ClusterIP')?.sticky).toBe(true);
    expect(probes.find((p) => p.title === 'monitoring/metrics NodePort')?.masq).toBe(true);
  });
});
