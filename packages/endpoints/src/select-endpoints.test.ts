import { describe, expect, it } from '@jest/globals';
import type { Endpoint } from '@kproxy/api';
import { FEATURE_PREFER_SAME_TRAFFIC_DISTRIBUTION } from './features.ts';
import { ENDPOINT_REASONS as R } from './reason-codes.ts';
import type { SelectionInput } from './select-endpoints.ts';
import { isExternallyAccessible, selectEndpoints, usesClusterEndpoints, usesLocalEndpoints } from './select-endpoints.ts';
import { testEndpoint as ep } from './testing/endpoint-fixtures.ts';

const LOCAL = 'node-a';
const REMOTE = 'node-b';
const TERM = { ready: false, serving: true, terminating: true } as const;
const NOT_SERVING = { ready: false, serving: false, terminating: true } as const;
const NOT_READY = { ready: false, serving: false, terminating: false } as const;

type Policy = 'cluster' | 'itpLocal' | 'etpLocal' | 'etpLocalNotExternal' | 'bothLocalExternal' | 'itpLocalExternal';
const POLICIES: Record<Policy, Omit<SelectionInput, 'endpoints' | 'node'>> = {
  cluster: { internalPolicyLocal: false, externalPolicyLocal: false, externallyAccessible: false },
  itpLocal: { internalPolicyLocal: true, externalPolicyLocal: false, externallyAccessible: false },
  itpLocalExternal: { internalPolicyLocal: true, externalPolicyLocal: false, externallyAccessible: true },
  etpLocal: { internalPolicyLocal: false, externalPolicyLocal: true, externallyAccessible: true },
  etpLocalNotExternal: { internalPolicyLocal: false, externalPolicyLocal: true, externallyAccessible: false },
  bothLocalExternal: { internalPolicyLocal: true, externalPolicyLocal: true, externallyAccessible: true },
};

interface Row {
  readonly name: string;
  readonly endpoints: Endpoint[];
  readonly policy?: Policy;
  readonly zone?: string;
  readonly features?: Record<string, boolean>;
  readonly cluster: string[];
  readonly local: string[];
  readonly reachable?: string[];
  readonly hasAny: boolean;
  readonly reasons: string[];
}

const ips = (list: readonly Endpoint[]) => list.map((e) => e.ip);

const rows: Row[] = [
  // --- readiness and the serving+terminating fallback ---
  { name: 'no endpoints: reject', endpoints: [], cluster: [], local: [], hasAny: false, reasons: [R.NoEndpoints] },
  {
    name: 'ready endpoints only are used',
    endpoints: [ep('10.0.0.1'), ep('10.0.0.2', NOT_READY), ep('10.0.0.3', TERM)],
    cluster: ['10.0.0.1'],
    local: [],
    hasAny: true,
    reasons: [],
  },
  {
    name: 'no ready: fall back to serving+terminating, never non-serving',
    endpoints: [ep('10.0.0.1', TERM), ep('10.0.0.2', NOT_SERVING), ep('10.0.0.3', NOT_READY)],
    cluster: ['10.0.0.1'],
    local: [],
    hasAny: true,
    reasons: [R.NoReadyEndpointsUsingTerminating],
  },
  {
    name: 'only non-serving endpoints: nothing usable, reject',
    endpoints: [ep('10.0.0.2', NOT_SERVING), ep('10.0.0.3', NOT_READY)],
    cluster: [],
    local: [],
    hasAny: false,
    reasons: [R.NoUsableEndpoints],
  },
  {
    name: 'a ready terminating endpoint still counts as ready',
    endpoints: [ep('10.0.0.1', { ready: true, terminating: true }), ep('10.0.0.2', TERM)],
    cluster: ['10.0.0.1'],
    local: [],
    hasAny: true,
    reasons: [],
  },

  // --- internal traffic policy ---
  {
    name: 'iTP Local: only local ready endpoints; cluster set unused',
    policy: 'itpLocal',
    endpoints: [ep('10.0.0.1', { node: LOCAL }), ep('10.0.0.2', { node: REMOTE })],
    cluster: [],
    local: ['10.0.0.1'],
    hasAny: true,
    reasons: [R.ClusterEndpointsUnused],
  },
  {
    name: 'iTP Local, no local endpoint but remote ones: drop',
    policy: 'itpLocal',
    endpoints: [ep('10.0.0.2', { node: REMOTE })],
    cluster: [],
    local: [],
    hasAny: true,
    reasons: [R.ClusterEndpointsUnused, R.NoLocalEndpoints],
  },
  {
    name: 'iTP Local, no endpoints at all: reject',
    policy: 'itpLocal',
    endpoints: [],
    cluster: [],
    local: [],
    hasAny: false,
    reasons: [R.NoEndpoints],
  },
  {
    name: 'iTP Local with terminating fallback: local serving+terminating used while remote ready exist',
    policy: 'itpLocal',
    endpoints: [ep('10.0.0.1', { node: LOCAL, ...TERM }), ep('10.0.0.2', { node: REMOTE })],
    cluster: [],
    local: ['10.0.0.1'],
    hasAny: true,
    reasons: [R.ClusterEndpointsUnused, R.NoReadyLocalEndpointsUsingTerminating],
  },
  {
    name: 'iTP Local on an externally accessible port still computes the cluster set',
    policy: 'itpLocalExternal',
    endpoints: [ep('10.0.0.1', { node: LOCAL }), ep('10.0.0.2', { node: REMOTE })],
    cluster: ['10.0.0.1', '10.0.0.2'],
    local: ['10.0.0.1'],
    hasAny: true,
    reasons: [],
  },

  // --- external traffic policy and short-circuit ---
  {
    name: 'eTP Local: cluster set kept for the short-circuit, local set for external traffic',
    policy: 'etpLocal',
    endpoints: [ep('10.0.0.1', { node: LOCAL }), ep('10.0.0.2', { node: REMOTE })],
    cluster: ['10.0.0.1', '10.0.0.2'],
    local: ['10.0.0.1'],
    hasAny: true,
    reasons: [],
  },
  {
    name: 'eTP Local without any external entry point: policy has no effect',
    policy: 'etpLocalNotExternal',
    endpoints: [ep('10.0.0.1', { node: LOCAL }), ep('10.0.0.2', { node: REMOTE })],
    cluster: ['10.0.0.1', '10.0.0.2'],
    local: [],
    hasAny: true,
    reasons: [],
  },
  {
    name: 'eTP Local, no local endpoint: external traffic dropped, short-circuit still works',
    policy: 'etpLocal',
    endpoints: [ep('10.0.0.2', { node: REMOTE })],
    cluster: ['10.0.0.2'],
    local: [],
    hasAny: true,
    reasons: [R.NoLocalEndpoints],
  },
  {
    name: 'eTP Local with terminating fallback: each set falls back independently',
    policy: 'etpLocal',
    endpoints: [ep('10.0.0.1', { node: LOCAL, ...TERM }), ep('10.0.0.2', { node: REMOTE })],
    cluster: ['10.0.0.2'],
    local: ['10.0.0.1'],
    reachable: ['10.0.0.1', '10.0.0.2'],
    hasAny: true,
    reasons: [R.NoReadyLocalEndpointsUsingTerminating],
  },
  {
    name: 'eTP Local, everything terminating: both sets use serving+terminating',
    policy: 'etpLocal',
    endpoints: [ep('10.0.0.1', { node: LOCAL, ...TERM }), ep('10.0.0.2', { node: REMOTE, ...TERM })],
    cluster: ['10.0.0.1', '10.0.0.2'],
    local: ['10.0.0.1'],
    hasAny: true,
    reasons: [R.NoReadyEndpointsUsingTerminating, R.NoReadyLocalEndpointsUsingTerminating],
  },
  {
    name: 'eTP Local: a local non-serving endpoint is never used',
    policy: 'etpLocal',
    endpoints: [ep('10.0.0.1', { node: LOCAL, ...NOT_SERVING }), ep('10.0.0.2', { node: REMOTE })],
    cluster: ['10.0.0.2'],
    local: [],
    hasAny: true,
    reasons: [R.NoLocalEndpoints],
  },
  {
    name: 'both policies Local on an external port',
    policy: 'bothLocalExternal',
    endpoints: [ep('10.0.0.1', { node: LOCAL }), ep('10.0.0.2', { node: REMOTE })],
    cluster: ['10.0.0.1', '10.0.0.2'],
    local: ['10.0.0.1'],
    hasAny: true,
    reasons: [],
  },

  // --- zone topology ---
  {
    name: 'zone hints for this zone narrow the cluster set',
    zone: 'z1',
    endpoints: [ep('10.0.0.1', { zoneHints: ['z1'] }), ep('10.0.0.2', { zoneHints: ['z2'] }), ep('10.0.0.3', { zoneHints: ['z1', 'z2'] })],
    cluster: ['10.0.0.1', '10.0.0.3'],
    local: [],
    hasAny: true,
    reasons: [R.TopologySameZone],
  },
  {
    name: 'topology with a missing hint: ignored',
    zone: 'z1',
    endpoints: [ep('10.0.0.1', { zoneHints: ['z1'] }), ep('10.0.0.2')],
    cluster: ['10.0.0.1', '10.0.0.2'],
    local: [],
    hasAny: true,
    reasons: [R.TopologyIgnoredMissingHints],
  },
  {
    name: 'a missing hint on a non-ready endpoint does not matter',
    zone: 'z1',
    endpoints: [ep('10.0.0.1', { zoneHints: ['z1'] }), ep('10.0.0.2', { zoneHints: ['z2'] }), ep('10.0.0.3', NOT_READY)],
    cluster: ['10.0.0.1'],
    local: [],
    hasAny: true,
    reasons: [R.TopologySameZone],
  },
  {
    name: 'hints for another zone only: ignored',
    zone: 'z1',
    endpoints: [ep('10.0.0.1', { zoneHints: ['z2'] }), ep('10.0.0.2', { zoneHints: ['z3'] })],
    cluster: ['10.0.0.1', '10.0.0.2'],
    local: [],
    hasAny: true,
    reasons: [R.TopologyIgnoredNoHintsForZone],
  },
  {
    name: 'node without a zone label: hints ignored',
    endpoints: [ep('10.0.0.1', { zoneHints: ['z1'] }), ep('10.0.0.2', { zoneHints: ['z2'] })],
    cluster: ['10.0.0.1', '10.0.0.2'],
    local: [],
    hasAny: true,
    reasons: [R.TopologyIgnoredNodeHasNoZone],
  },
  {
    name: 'topology never applies to the terminating fallback',
    zone: 'z1',
    endpoints: [ep('10.0.0.1', { ...TERM, zoneHints: ['z1'] }), ep('10.0.0.2', { ...TERM, zoneHints: ['z2'] })],
    cluster: ['10.0.0.1', '10.0.0.2'],
    local: [],
    hasAny: true,
    reasons: [R.NoReadyEndpointsUsingTerminating],
  },
  {
    name: 'topology never narrows the Local set (eTP Local)',
    policy: 'etpLocal',
    zone: 'z1',
    endpoints: [
      ep('10.0.0.1', { node: LOCAL, zoneHints: ['z2'] }),
      ep('10.0.0.2', { node: REMOTE, zoneHints: ['z1'] }),
    ],
    cluster: ['10.0.0.2'],
    local: ['10.0.0.1'],
    reachable: ['10.0.0.1', '10.0.0.2'],
    hasAny: true,
    reasons: [R.TopologySameZone],
  },
  {
    name: 'topology never narrows the Local set (iTP Local)',
    policy: 'itpLocal',
    zone: 'z1',
    endpoints: [ep('10.0.0.1', { node: LOCAL, zoneHints: ['z2'] }), ep('10.0.0.2', { node: REMOTE, zoneHints: ['z1'] })],
    cluster: [],
    local: ['10.0.0.1'],
    hasAny: true,
    reasons: [R.ClusterEndpointsUnused],
  },

  // --- node topology (PreferSameNode) ---
  {
    name: 'node hints for this node win over zone hints',
    zone: 'z1',
    endpoints: [
      ep('10.0.0.1', { node: LOCAL, nodeHints: [LOCAL], zoneHints: ['z1'] }),
      ep('10.0.0.2', { node: REMOTE, nodeHints: [REMOTE], zoneHints: ['z1'] }),
    ],
    cluster: ['10.0.0.1'],
    local: [],
    hasAny: true,
    reasons: [R.TopologySameNode],
  },
  {
    name: 'node hints with fallback to zone: no endpoint hinted for this node',
    zone: 'z1',
    endpoints: [
      ep('10.0.0.1', { nodeHints: ['node-c'], zoneHints: ['z1'] }),
      ep('10.0.0.2', { nodeHints: [REMOTE], zoneHints: ['z2'] }),
    ],
    cluster: ['10.0.0.1'],
    local: [],
    hasAny: true,
    reasons: [R.NodeHintsIgnored, R.TopologySameZone],
  },
  {
    name: 'node hints with fallback to zone: one ready endpoint lacks node hints',
    zone: 'z1',
    endpoints: [
      ep('10.0.0.1', { nodeHints: [LOCAL], zoneHints: ['z2'] }),
      ep('10.0.0.2', { zoneHints: ['z1'] }),
    ],
    cluster: ['10.0.0.2'],
    local: [],
    hasAny: true,
    reasons: [R.NodeHintsIgnored, R.TopologySameZone],
  },
  {
    name: 'node hints with fallback to zone, then to all',
    zone: 'z1',
    endpoints: [ep('10.0.0.1', { nodeHints: [REMOTE], zoneHints: ['z2'] }), ep('10.0.0.2', { nodeHints: [REMOTE] })],
    cluster: ['10.0.0.1', '10.0.0.2'],
    local: [],
    hasAny: true,
    reasons: [R.NodeHintsIgnored, R.TopologyIgnoredMissingHints],
  },
  {
    name: 'node hints ignored when the PreferSameTrafficDistribution switch is off',
    zone: 'z1',
    features: { [FEATURE_PREFER_SAME_TRAFFIC_DISTRIBUTION]: false },
    endpoints: [
      ep('10.0.0.1', { nodeHints: [LOCAL], zoneHints: ['z1'] }),
      ep('10.0.0.2', { nodeHints: [REMOTE], zoneHints: ['z1'] }),
    ],
    cluster: ['10.0.0.1', '10.0.0.2'],
    local: [],
    hasAny: true,
    reasons: [R.NodeHintsIgnored, R.TopologySameZone],
  },
  {
    name: 'node hints for this node on an endpoint elsewhere are honoured (hints, not placement, decide)',
    endpoints: [ep('10.0.0.1', { node: REMOTE, nodeHints: [LOCAL] }), ep('10.0.0.2', { node: REMOTE, nodeHints: [REMOTE] })],
    cluster: ['10.0.0.1'],
    local: [],
    hasAny: true,
    reasons: [R.TopologySameNode],
  },
  {
    name: 'node topology with eTP Local: local set untouched, cluster narrowed',
    policy: 'etpLocal',
    endpoints: [
      ep('10.0.0.1', { node: LOCAL, nodeHints: [REMOTE] }),
      ep('10.0.0.2', { node: REMOTE, nodeHints: [LOCAL] }),
    ],
    cluster: ['10.0.0.2'],
    local: ['10.0.0.1'],
    reachable: ['10.0.0.1', '10.0.0.2'],
    hasAny: true,
    reasons: [R.TopologySameNode],
  },
];

describe('selectEndpoints', () => {
  it.each(rows)('$name', (row) => {
    const result = selectEndpoints({
      endpoints: row.endpoints,
      ...POLICIES[row.policy ?? 'cluster'],
      node: { name: LOCAL, ...(row.zone ? { zone: row.zone } : {}), features: row.features ?? {} },
    });
    expect(ips(result.clusterEndpoints)).toEqual(row.cluster);
    expect(ips(result.localEndpoints)).toEqual(row.local);
    const expectedReachable = row.reachable ?? [...new Set([...row.cluster, ...row.local])].sort();
    expect(ips(result.allReachableEndpoints)).toEqual(expectedReachable);
    expect(result.hasAnyEndpoints).toBe(row.hasAny);
    expect(result.reasons.map((r) => r.code)).toEqual(row.reasons);
  });

  it('explains which endpoint lacks a hint', () => {
    const result = selectEndpoints({
      endpoints: [ep('10.0.0.1', { zoneHints: ['z1'] }), ep('fd00::2', { port: 8080 })],
      ...POLICIES.cluster,
      node: { name: LOCAL, zone: 'z1', features: {} },
    });
    expect(result.reasons).toEqual([
      expect.objectContaining({ code: R.TopologyIgnoredMissingHints, subject: '[fd00::2]:8080' }),
    ]);
  });

  it('keeps endpoints distinct by port, sorted by ip then port', () => {
    const result = selectEndpoints({
      endpoints: [ep('10.0.0.2', { port: 80 }), ep('10.0.0.1', { port: 81 }), ep('10.0.0.1', { port: 80 })],
      ...POLICIES.cluster,
      node: { name: LOCAL, features: {} },
    });
    expect(result.clusterEndpoints.map((e) => `${e.ip}:${e.port}`)).toEqual(['10.0.0.1:80', '10.0.0.1:81', '10.0.0.2:80']);
  });
});

describe('policy helpers', () => {
  it.each([
    [{ nodePort: 0, externalIPs: [], loadBalancerIPs: [] }, false],
    [{ nodePort: 30000, externalIPs: [], loadBalancerIPs: [] }, true],
    [{ nodePort: 0, externalIPs: ['1.1.1.1'], loadBalancerIPs: [] }, true],
    [{ nodePort: 0, externalIPs: [], loadBalancerIPs: ['2.2.2.2'] }, true],
  ])('isExternallyAccessible(%j) = %s', (port, expected) => {
    expect(isExternallyAccessible(port)).toBe(expected);
  });

  it.each([
    ['cluster', true, false],
    ['itpLocal', false, true],
    ['itpLocalExternal', true, true],
    ['etpLocal', true, true],
    ['etpLocalNotExternal', true, false],
    ['bothLocalExternal', true, true],
  ] as const)('%s: uses cluster %s, local %s', (policy, cluster, local) => {
    expect(usesClusterEndpoints(POLICIES[policy])).toBe(cluster);
    expect(usesLocalEndpoints(POLICIES[policy])).toBe(local);
  });
});
