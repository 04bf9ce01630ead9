import { describe, expect, it } from '@jest/globals';
import type { IPFamily, KubeEndpointSlice, KubeService, ProxyState } from '@kproxy/api';
import { familyOf, LABEL_SERVICE_NAME, servicePortEqual, sortedServicePorts } from '@kproxy/api';
import fc from 'fast-check';
import type { ClusterSnapshot } from './snapshot.ts';
import { StateBuilder } from './state-builder.ts';

const NAMES = ['a', 'b', 'c', 'd', 'e'];
const NODES = ['node-a', 'node-b', 'node-c'];
const ZONES = ['z1', 'z2'];

const v4 = fc.integer({ min: 1, max: 30 }).map((n) => `10.0.0.${n}`);
const v6 = fc.integer({ min: 1, max: 30 }).map((n) => `fd00::${n.toString(16)}`);
const anyIP = fc.oneof(v4, v6);

const endpointArb = (family: IPFamily) =>
  fc.record({
    addresses: fc.array(family === 'IPv4' ? v4 : v6, { minLength: 0, maxLength: 2 }),
    conditions: fc.record({ ready: fc.option(fc.boolean()), serving: fc.option(fc.boolean()), terminating: fc.option(fc.boolean()) }),
    nodeName: fc.constantFrom(...NODES),
    hints: fc.option(
      fc.record({
        forZones: fc.uniqueArray(fc.constantFrom(...ZONES), { minLength: 1 }).map((zs) => zs.map((name) => ({ name }))),
        forNodes: fc.option(fc.uniqueArray(fc.constantFrom(...NODES), { minLength: 1 }).map((ns) => ns.map((name) => ({ name }))), { nil: undefined }),
      }),
      { nil: undefined },
    ),
  });

const sliceArb = (service: string, index: number) =>
  fc.constantFrom<IPFamily>('IPv4', 'IPv6').chain((family) =>
    fc.record({
      metadata: fc.constant({ namespace: 'ns', name: `${service}-${index}`, labels: { [LABEL_SERVICE_NAME]: service } }),
      addressType: fc.constant(family),
      endpoints: fc.array(endpointArb(family), { maxLength: 5 }),
      ports: fc.constant([
        { name: 'http', protocol: 'TCP', port: 8080 },
        { name: 'dns', protocol: 'UDP', port: 5353 },
      ]),
    }),
  ) as fc.Arbitrary<KubeEndpointSlice>;

const serviceArb = (name: string, index: number) =>
  fc
    .record({
      clusterIPs: fc.constantFrom(
        [`10.96.0.${index + 1}`],
        [`fd00:96::${index + 1}`],
        [`10.96.0.${index + 1}`, `fd00:96::${index + 1}`],
        [`fd00:96::${index + 1}`, `10.96.0.${index + 1}`],
      ),
      type: fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer'),
      externalIPs: fc.array(anyIP, { maxLength: 3 }),
      ingress: fc.array(fc.record({ ip: anyIP, ipMode: fc.constantFrom(undefined, 'VIP', 'Proxy') }), { maxLength: 3 }),
      ranges: fc.array(fc.constantFrom('10.0.0.0/8', ' 192.168.0.0/16', 'fd00::/8', '0.0.0.0/0', '::/0', 'bad'), { maxLength: 3 }),
      etp: fc.constantFrom('Cluster', 'Local'),
      itp: fc.constantFrom('Cluster', 'Local'),
      affinity: fc.constantFrom('None', 'ClientIP'),
    })
    .map(
      (r): KubeService => ({
        metadata: { namespace: 'ns', name },
        spec: {
          type: r.type,
          clusterIP: r.clusterIPs[0],
          clusterIPs: [...r.clusterIPs],
          externalIPs: r.externalIPs,
          loadBalancerSourceRanges: r.ranges,
          externalTrafficPolicy: r.etp,
          internalTrafficPolicy: r.itp,
          sessionAffinity: r.affinity,
          ...(r.type === 'LoadBalancer' && r.etp === 'Local' ? { healthCheckNodePort: 32000 + index } : {}),
          ports: [
            { name: 'http', protocol: 'TCP', port: 80, ...(r.type !== 'ClusterIP' ? { nodePort: 30000 + index } : {}) },
            { name: 'dns', protocol: 'UDP', port: 53 },
          ],
        },
        status: { loadBalancer: { ingress: r.ingress.map((i) => (i.ipMode ? { ip: i.ip, ipMode: i.ipMode } : { ip: i.ip })) } },
      }),
    );

const clusterArb: fc.Arbitrary<ClusterSnapshot> = fc
  .subarray(NAMES)
  .chain((names) =>
    fc.tuple(
      ...names.map((name, i) => fc.tuple(serviceArb(name, i), fc.array(fc.nat(), { maxLength: 3 }).chain((xs) => fc.tuple(...xs.map((_, j) => sliceArb(name, j)))))),
    ),
  )
  .map((entries) => ({
    services: new Map(entries.map(([svc]) => [`ns/${svc.metadata.name}`, svc])),
    slicesByService: new Map(entries.map(([svc, slices]) => [`ns/${svc.metadata.name}`, slices as KubeEndpointSlice[]])),
    node: { metadata: { name: 'node-a', labels: { 'topology.kubernetes.io/zone': 'z1' } } },
  }));

const nodeOptions = { hostname: 'node-a', detectLocalMode: '' as const, clusterCIDRs: [], nodePortAddresses: [], masqueradeAll: false, features: {} };
const fullBuild = (family: IPFamily, snap: ClusterSnapshot) => new StateBuilder({ family, node: nodeOptions }).update(snap, [], true).state;

function expectSameState(a: ProxyState, b: ProxyState): void {
  const pa = sortedServicePorts(a);
  const pb = sortedServicePorts(b);
  expect(pa.map((p) => p.name)).toEqual(pb.map((p) => p.name));
  pa.forEach((p, i) => {
    const q = pb[i];
    if (!q || !servicePortEqual(p, q)) expect(p).toEqual(q);
  });
}

describe('state builder properties', () => {
  it('families never mix: every address of a state is of its family', () => {
    fc.assert(
      fc.property(clusterArb, fc.constantFrom<IPFamily>('IPv4', 'IPv6'), (snap, family) => {
        for (const p of fullBuild(family, snap).servicePorts.values()) {
          const addresses = [
            p.clusterIP,
            ...p.externalIPs,
            ...p.loadBalancerIPs,
            ...p.loadBalancerSourceRanges,
            ...p.endpoints.map((e) => e.ip),
            ...p.selection.allReachableEndpoints.map((e) => e.ip),
          ];
          for (const a of addresses) expect(familyOf(a)).toBe(family);
          expect(p.family).toBe(family);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('results do not depend on the order of Services or slices', () => {
    fc.assert(
      fc.property(clusterArb, fc.constantFrom<IPFamily>('IPv4', 'IPv6'), (snap, family) => {
        const reversed: ClusterSnapshot = {
          ...snap,
          services: new Map([...snap.services].reverse()),
          slicesByService: new Map([...snap.slicesByService].reverse().map(([k, v]) => [k, [...v].reverse()])),
        };
        expectSameState(fullBuild(family, snap), fullBuild(family, reversed));
      }),
      { numRuns: 150 },
    );
  });

  it('local sets hold only usable endpoints on this node; topology never empties a non-empty ready set', () => {
    fc.assert(
      fc.property(clusterArb, fc.constantFrom<IPFamily>('IPv4', 'IPv6'), (snap, family) => {
        for (const p of fullBuild(family, snap).servicePorts.values()) {
          for (const e of p.selection.localEndpoints) {
            expect(e.isLocal && e.nodeName === 'node-a').toBe(true);
            expect(e.ready || (e.serving && e.terminating)).toBe(true);
          }
          const usesCluster = !p.internalPolicyLocal || p.nodePort !== 0 || p.externalIPs.length > 0 || p.loadBalancerIPs.length > 0;
          if (usesCluster && p.endpoints.some((e) => e.ready)) expect(p.selection.clusterEndpoints.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('incremental updates converge to the same state as a full build', () => {
    fc.assert(
      fc.property(fc.array(clusterArb, { minLength: 2, maxLength: 5 }), fc.constantFrom<IPFamily>('IPv4', 'IPv6'), (snaps, family) => {
        const builder = new StateBuilder({ family, node: nodeOptions });
        let previous: ClusterSnapshot | undefined;
        for (const snap of snaps) {
          // The watch layer reports every Service key present before or now as possibly changed.
          const changed = new Set([...(previous?.services.keys() ?? []), ...snap.services.keys()]);
          const { state } = builder.update(snap, changed, previous === undefined);
          expectSameState(state, fullBuild(family, snap));
          previous = snap;
        }
      }),
      { numRuns: 60 },
    );
  });
});
