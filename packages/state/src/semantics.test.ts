// One row per rule of ../shared/semantics.md sections "Which objects are proxied", "Service ports and
// endpoints", "Choosing endpoints" and "Session affinity", end to end: Kubernetes objects in, service ports out.
import { describe, expect, it } from '@jest/globals';
import type { IPFamily, KubeEndpointSlice, KubeService, KubeSliceEndpoint, ServicePort } from '@kproxy/api';
import { LABEL_HEADLESS, LABEL_SERVICE_PROXY_NAME, servicePortKey } from '@kproxy/api';
import { buildServicePorts } from './service-ports.ts';
import { testNode, testService, testSlice } from './testing/fixtures.ts';

interface Row {
  readonly rule: string;
  readonly service: KubeService;
  readonly slices?: KubeEndpointSlice[];
  readonly family?: IPFamily;
  readonly zone?: string;
  readonly features?: Record<string, boolean>;
  /** Expected summary per service port key; `{}` means "no ports". */
  readonly expect: Record<string, Partial<Summary>>;
}

interface Summary {
  clusterIP: string;
  externalIPs: readonly string[];
  loadBalancerIPs: readonly string[];
  loadBalancerSourceRanges: readonly string[];
  nodePort: number;
  healthCheckNodePort: number;
  internalPolicyLocal: boolean;
  externalPolicyLocal: boolean;
  affinity: string;
  endpoints: string[];
  cluster: string[];
  local: string[];
  hasAny: boolean;
}

function summarize(p: ServicePort): Summary {
  const flags = (e: ServicePort['endpoints'][number]) =>
    `${e.ip}:${e.port}${e.ready ? '' : e.serving && e.terminating ? '(st)' : '(x)'}${e.isLocal ? '*' : ''}`;
  return {
    clusterIP: p.clusterIP,
    externalIPs: p.externalIPs,
    loadBalancerIPs: p.loadBalancerIPs,
    loadBalancerSourceRanges: p.loadBalancerSourceRanges,
    nodePort: p.nodePort,
    healthCheckNodePort: p.healthCheckNodePort,
    internalPolicyLocal: p.internalPolicyLocal,
    externalPolicyLocal: p.externalPolicyLocal,
    affinity: p.sessionAffinity.type === 'ClientIP' ? `ClientIP/${p.sessionAffinity.timeoutSeconds}` : 'None',
    endpoints: p.endpoints.map(flags),
    cluster: p.selection.clusterEndpoints.map((e) => e.ip),
    local: p.selection.localEndpoints.map((e) => e.ip),
    hasAny: p.selection.hasAnyEndpoints,
  };
}

const e = (ip: string, extra: Partial<KubeSliceEndpoint> = {}): KubeSliceEndpoint => ({ addresses: [ip], ...extra });
const TERM = { conditions: { ready: false, serving: true, terminating: true } };
const HERE = { nodeName: 'node-a' };
const THERE = { nodeName: 'node-b' };
const zones = (...names: string[]) => ({ hints: { forZones: names.map((name) => ({ name })) } });
const nodesAndZones = (nodes: string[], zs: string[]) => ({
  hints: { forNodes: nodes.map((name) => ({ name })), forZones: zs.map((name) => ({ name })) },
});
const HTTP = 'ns/s:http/TCP';
const nodePortSvc = (spec: object = {}) => testService('s', { type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 30080 }], ...spec });

const rows: Row[] = [
  // --- Which objects are proxied ---
  { rule: 'service-proxy-name label (even empty) ignores the Service', service: testService('s', {}, { metadata: { labels: { [LABEL_SERVICE_PROXY_NAME]: '' } } }), expect: {} },
  { rule: 'headless label ignores the Service', service: testService('s', {}, { metadata: { labels: { [LABEL_HEADLESS]: '' } } }), expect: {} },
  {
    rule: 'a slice labelled service-proxy-name is ignored',
    service: testService('s'),
    slices: [testSlice('s', 'a', [e('10.0.0.1')], { labels: { [LABEL_SERVICE_PROXY_NAME]: 'x' } }), testSlice('s', 'b', [e('10.0.0.2')])],
    expect: { [HTTP]: { endpoints: ['10.0.0.2:8080'] } },
  },
  { rule: 'clusterIP None is never proxied', service: testService('s', { clusterIP: 'None' }), expect: {} },
  { rule: 'ExternalName is never proxied', service: testService('s', { type: 'ExternalName', clusterIP: '' }), expect: {} },
  {
    rule: 'a slice belongs to the Service named by its service-name label; any number of slices',
    service: testService('s'),
    slices: [testSlice('s', 'a', [e('10.0.0.1')]), testSlice('s', 'b', [e('10.0.0.2')]), testSlice('other', 'c', [e('10.0.0.3')])],
    expect: { [HTTP]: { endpoints: ['10.0.0.1:8080', '10.0.0.2:8080'] } },
  },
  {
    rule: 'per family (IPv4): only IPv4 cluster IP, external IPs, LB IPs, source ranges and slices',
    service: testService(
      's',
      { type: 'LoadBalancer', clusterIPs: ['fd00::10', '10.96.0.10'], externalIPs: ['2001:db8::5', '203.0.113.5'], loadBalancerSourceRanges: ['fd00::/8', '10.0.0.0/8'], ports: [{ name: 'http', port: 80, nodePort: 30080 }] },
      { status: { loadBalancer: { ingress: [{ ip: '2001:db8::9' }, { ip: '192.0.2.9' }] } } },
    ),
    slices: [testSlice('s', 'v4', [e('10.0.0.1')]), testSlice('s', 'v6', [e('fd00::1')], { addressType: 'IPv6' })],
    expect: { [HTTP]: { clusterIP: '10.96.0.10', externalIPs: ['203.0.113.5'], loadBalancerIPs: ['192.0.2.9'], loadBalancerSourceRanges: ['10.0.0.0/8'], endpoints: ['10.0.0.1:8080'] } },
  },
  {
    rule: 'per family (IPv6): the same Service seen by the IPv6 proxier',
    family: 'IPv6',
    service: testService(
      's',
      { type: 'LoadBalancer', clusterIPs: ['fd00::10', '10.96.0.10'], externalIPs: ['2001:db8::5', '203.0.113.5'], loadBalancerSourceRanges: ['fd00::/8', '10.0.0.0/8'], ports: [{ name: 'http', port: 80, nodePort: 30080 }] },
      { status: { loadBalancer: { ingress: [{ ip: '2001:db8::9' }, { ip: '192.0.2.9' }] } } },
    ),
    slices: [testSlice('s', 'v4', [e('10.0.0.1')]), testSlice('s', 'v6', [e('fd00::1')], { addressType: 'IPv6' })],
    expect: { [HTTP]: { clusterIP: 'fd00::10', externalIPs: ['2001:db8::5'], loadBalancerIPs: ['2001:db8::9'], loadBalancerSourceRanges: ['fd00::/8'], endpoints: ['fd00::1:8080'] } },
  },
  {
    rule: 'LB ingress with only a hostname, or ipMode Proxy, gets no rules',
    service: testService('s', { type: 'LoadBalancer', ports: [{ name: 'http', port: 80, nodePort: 30080 }] }, { status: { loadBalancer: { ingress: [{ hostname: 'lb.example' }, { ip: '192.0.2.1', ipMode: 'Proxy' }, { ip: '192.0.2.2', ipMode: 'VIP' }] } } }),
    expect: { [HTTP]: { loadBalancerIPs: ['192.0.2.2'] } },
  },
  {
    rule: 'IP strings are normalised, leading zeros tolerated (decimal)',
    service: testService('s', { clusterIP: '010.096.000.010', externalIPs: ['203.000.113.005'] }),
    slices: [testSlice('s', 'a', [e('010.000.000.001')])],
    expect: { [HTTP]: { clusterIP: '10.96.0.10', externalIPs: ['203.0.113.5'], endpoints: ['10.0.0.1:8080'] } },
  },
  {
    rule: 'source ranges trimmed, invalid skipped, zero CIDR means no restriction',
    service: testService('s', { type: 'LoadBalancer', loadBalancerSourceRanges: [' 10.0.0.0/8 ', 'junk', '0.0.0.0/0'], ports: [{ name: 'http', port: 80, nodePort: 30080 }] }, { status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } } }),
    expect: { [HTTP]: { loadBalancerSourceRanges: [] } },
  },
  {
    rule: 'source ranges trimmed and invalid entries skipped',
    service: testService('s', { type: 'LoadBalancer', loadBalancerSourceRanges: [' 10.0.0.0/8 ', 'junk'], ports: [{ name: 'http', port: 80, nodePort: 30080 }] }, { status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } } }),
    expect: { [HTTP]: { loadBalancerSourceRanges: ['10.0.0.0/8'] } },
  },

  // --- Service ports and endpoints ---
  {
    rule: 'the same port number over several protocols is several independent service ports',
    service: testService('s', { ports: [{ name: 'd', protocol: 'UDP', port: 53 }, { name: 'd', protocol: 'TCP', port: 53 }] }),
    slices: [testSlice('s', 'a', [e('10.0.0.1')], { ports: [{ name: 'd', protocol: 'UDP', port: 5353 }, { name: 'd', protocol: 'TCP', port: 5300 }] })],
    expect: { 'ns/s:d/UDP': { endpoints: ['10.0.0.1:5353'] }, 'ns/s:d/TCP': { endpoints: ['10.0.0.1:5300'] } },
  },
  {
    rule: 'endpoints without addresses ignored; only the first address; slice ports without a number ignored',
    service: testService('s'),
    slices: [testSlice('s', 'a', [e('10.0.0.1'), { addresses: [] }, { addresses: ['10.0.0.2', '10.0.0.3'] }], { ports: [{ name: 'http', port: 8080 }, { name: 'http', protocol: 'UDP' }] })],
    expect: { [HTTP]: { endpoints: ['10.0.0.1:8080', '10.0.0.2:8080'] } },
  },
  {
    rule: 'conditions: ready/serving unset = true, terminating unset = false; local when nodeName is ours',
    service: testService('s'),
    slices: [testSlice('s', 'a', [e('10.0.0.1', HERE), e('10.0.0.2', { ...THERE, ...TERM }), e('10.0.0.3', { conditions: { ready: false, serving: false } })])],
    expect: { [HTTP]: { endpoints: ['10.0.0.1:8080*', '10.0.0.2:8080(st)', '10.0.0.3:8080(x)'] } },
  },
  {
    rule: 'the same IP:port in two slices is one endpoint, the non-terminating copy winning',
    service: testService('s'),
    slices: [testSlice('s', 'a', [e('10.0.0.1', TERM)]), testSlice('s', 'b', [e('10.0.0.1')])],
    expect: { [HTTP]: { endpoints: ['10.0.0.1:8080'], cluster: ['10.0.0.1'] } },
  },

  // --- Choosing endpoints ---
  {
    rule: 'cluster set: the ready endpoints',
    service: testService('s'),
    slices: [testSlice('s', 'a', [e('10.0.0.1'), e('10.0.0.2', TERM)])],
    expect: { [HTTP]: { cluster: ['10.0.0.1'], local: [], hasAny: true } },
  },
  {
    rule: 'cluster set: none ready → serving+terminating, topology not applied',
    service: testService('s'),
    zone: 'z1',
    slices: [testSlice('s', 'a', [e('10.0.0.1', { ...TERM, ...zones('z1') }), e('10.0.0.2', { ...TERM, ...zones('z2') })])],
    expect: { [HTTP]: { cluster: ['10.0.0.1', '10.0.0.2'], hasAny: true } },
  },
  {
    rule: 'local set: ready local endpoints; else serving+terminating local (iTP Local with terminating fallback)',
    service: testService('s', { internalTrafficPolicy: 'Local' }),
    slices: [testSlice('s', 'a', [e('10.0.0.1', { ...HERE, ...TERM }), e('10.0.0.2', THERE)])],
    expect: { [HTTP]: { internalPolicyLocal: true, cluster: [], local: ['10.0.0.1'], hasAny: true } },
  },
  {
    rule: 'topology: every ready endpoint hinted → those for our zone',
    service: testService('s'),
    zone: 'z1',
    slices: [testSlice('s', 'a', [e('10.0.0.1', zones('z1')), e('10.0.0.2', zones('z2'))])],
    expect: { [HTTP]: { cluster: ['10.0.0.1'] } },
  },
  {
    rule: 'topology with a missing hint: ignored',
    service: testService('s'),
    zone: 'z1',
    slices: [testSlice('s', 'a', [e('10.0.0.1', zones('z1')), e('10.0.0.2')])],
    expect: { [HTTP]: { cluster: ['10.0.0.1', '10.0.0.2'] } },
  },
  {
    rule: 'hints for another zone only: ignored',
    service: testService('s'),
    zone: 'z1',
    slices: [testSlice('s', 'a', [e('10.0.0.1', zones('z2')), e('10.0.0.2', zones('z3'))])],
    expect: { [HTTP]: { cluster: ['10.0.0.1', '10.0.0.2'] } },
  },
  {
    rule: 'node hints (PreferSameNode): endpoints hinted for this node',
    service: testService('s'),
    zone: 'z1',
    slices: [testSlice('s', 'a', [e('10.0.0.1', nodesAndZones(['node-a'], ['z1'])), e('10.0.0.2', nodesAndZones(['node-b'], ['z1']))])],
    expect: { [HTTP]: { cluster: ['10.0.0.1'] } },
  },
  {
    rule: 'node hints with fallback to zone (none for this node)',
    service: testService('s'),
    zone: 'z1',
    slices: [testSlice('s', 'a', [e('10.0.0.1', nodesAndZones(['node-b'], ['z1'])), e('10.0.0.2', nodesAndZones(['node-c'], ['z2']))])],
    expect: { [HTTP]: { cluster: ['10.0.0.1'] } },
  },
  {
    rule: 'node hints with fallback to zone, then to all',
    service: testService('s'),
    zone: 'z3',
    slices: [testSlice('s', 'a', [e('10.0.0.1', nodesAndZones(['node-b'], ['z1'])), e('10.0.0.2', nodesAndZones(['node-c'], ['z2']))])],
    expect: { [HTTP]: { cluster: ['10.0.0.1', '10.0.0.2'] } },
  },
  {
    rule: 'node hints behind the PreferSameTrafficDistribution switch',
    service: testService('s'),
    zone: 'z1',
    features: { PreferSameTrafficDistribution: false },
    slices: [testSlice('s', 'a', [e('10.0.0.1', nodesAndZones(['node-a'], ['z1'])), e('10.0.0.2', nodesAndZones(['node-b'], ['z1']))])],
    expect: { [HTTP]: { cluster: ['10.0.0.1', '10.0.0.2'] } },
  },
  {
    rule: 'topology never narrows a Local set',
    service: nodePortSvc({ externalTrafficPolicy: 'Local' }),
    zone: 'z1',
    slices: [testSlice('s', 'a', [e('10.0.0.1', { ...HERE, ...zones('z2') }), e('10.0.0.2', { ...THERE, ...zones('z1') })])],
    expect: { [HTTP]: { externalPolicyLocal: true, cluster: ['10.0.0.2'], local: ['10.0.0.1'] } },
  },
  {
    rule: 'internalTrafficPolicy Local: ClusterIP traffic uses only the local set',
    service: testService('s', { internalTrafficPolicy: 'Local' }),
    slices: [testSlice('s', 'a', [e('10.0.0.1', HERE), e('10.0.0.2', THERE)])],
    expect: { [HTTP]: { internalPolicyLocal: true, cluster: [], local: ['10.0.0.1'] } },
  },
  {
    rule: 'externalTrafficPolicy Local: local set for outside traffic, cluster set kept for the short-circuit',
    service: nodePortSvc({ externalTrafficPolicy: 'Local' }),
    slices: [testSlice('s', 'a', [e('10.0.0.1', HERE), e('10.0.0.2', THERE)])],
    expect: { [HTTP]: { externalPolicyLocal: true, nodePort: 30080, cluster: ['10.0.0.1', '10.0.0.2'], local: ['10.0.0.1'] } },
  },
  {
    rule: 'Local policy with terminating fallback (eTP Local): each set falls back on its own',
    service: nodePortSvc({ externalTrafficPolicy: 'Local' }),
    slices: [testSlice('s', 'a', [e('10.0.0.1', { ...HERE, ...TERM }), e('10.0.0.2', THERE)])],
    expect: { [HTTP]: { cluster: ['10.0.0.2'], local: ['10.0.0.1'], hasAny: true } },
  },
  {
    rule: 'policy only matters when reachable that way: eTP Local without node port / external / LB IPs',
    service: testService('s', { externalTrafficPolicy: 'Local' }),
    slices: [testSlice('s', 'a', [e('10.0.0.1', HERE), e('10.0.0.2', THERE)])],
    expect: { [HTTP]: { externalPolicyLocal: false, cluster: ['10.0.0.1', '10.0.0.2'], local: [] } },
  },
  {
    rule: 'healthCheckNodePort only for LoadBalancer with eTP Local',
    service: testService('s', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 32123, ports: [{ name: 'http', port: 80, nodePort: 30080 }] }),
    expect: { [HTTP]: { healthCheckNodePort: 32123, externalPolicyLocal: true } },
  },
  {
    rule: 'no usable endpoint anywhere: reject (hasAny false)',
    service: testService('s'),
    slices: [testSlice('s', 'a', [e('10.0.0.1', { conditions: { ready: false, serving: false } })])],
    expect: { [HTTP]: { cluster: [], hasAny: false } },
  },
  {
    rule: 'usable endpoints elsewhere, none local where a Local policy applies: drop (hasAny true, local empty)',
    service: nodePortSvc({ externalTrafficPolicy: 'Local' }),
    slices: [testSlice('s', 'a', [e('10.0.0.2', THERE)])],
    expect: { [HTTP]: { cluster: ['10.0.0.2'], local: [], hasAny: true } },
  },

  // --- Session affinity ---
  { rule: 'ClientIP affinity, default timeout 10800', service: testService('s', { sessionAffinity: 'ClientIP' }), expect: { [HTTP]: { affinity: 'ClientIP/10800' } } },
  {
    rule: 'ClientIP affinity, explicit timeout (at most 86400)',
    service: testService('s', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 86400 } } }),
    expect: { [HTTP]: { affinity: 'ClientIP/86400' } },
  },
  {
    rule: 'ClientIP affinity, timeout above 86400 is invalid: default used',
    service: testService('s', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 86401 } } }),
    expect: { [HTTP]: { affinity: 'ClientIP/10800' } },
  },
  { rule: 'no affinity', service: testService('s', { sessionAffinity: 'None' }), expect: { [HTTP]: { affinity: 'None' } } },
];

describe('semantics.md, end to end through buildServicePorts', () => {
  it.each(rows)('$rule', (row) => {
    const family = row.family ?? 'IPv4';
    const node = testNode({
      family,
      ...(row.zone ? { zone: row.zone } : {}),
      features: row.features ?? {},
    });
    const withoutZone = row.zone ? node : (({ zone: _zone, ...rest }) => rest)(node);
    const { ports } = buildServicePorts(row.service, row.slices ?? [], withoutZone);
    const got = new Map(ports.map((p) => [servicePortKey(p.name), summarize(p)]));
    expect([...got.keys()].sort()).toEqual(Object.keys(row.expect).sort());
    for (const [key, expected] of Object.entries(row.expect)) expect(got.get(key)).toMatchObject(expected);
  });
});
