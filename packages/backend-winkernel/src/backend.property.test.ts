import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { silentLogger, systemClock } from '@kproxy/api';
import type { Components, Endpoint, ServicePort } from '@kproxy/api';
import { ep, state, svc } from '../test/fixtures.ts';
import { resolveOptions } from './options.ts';
import { HnsRenderCache, renderHns } from './render.ts';
import type { HnsFacts } from './render.ts';
import { fakeWinkernel } from './testing/fake-winkernel.ts';

const components: Components = {
  logger: silentLogger,
  clock: systemClock,
  executor: { run: () => Promise.reject(new Error('no processes')) },
};

// Small pools so that services share VIPs, node ports and endpoints often (conflicts, shared remote endpoints).
const endpointArb: fc.Arbitrary<Endpoint> = fc
  .record({
    host: fc.integer({ min: 1, max: 6 }),
    local: fc.boolean(),
    cond: fc.constantFrom('ready', 'terminating', 'terminating-unserving', 'unready'),
    port: fc.constantFrom(8080, 9090),
  })
  .map(({ host, local, cond, port }) =>
    ep(`10.244.${local ? 1 : 2}.${host}`, {
      isLocal: local,
      port,
      ready: cond === 'ready',
      serving: cond === 'ready' || cond === 'terminating',
      terminating: cond.startsWith('terminating'),
    }),
  );

const portArb: fc.Arbitrary<ServicePort> = fc
  .record({
    name: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
    protocol: fc.constantFrom('TCP' as const, 'UDP' as const),
    vip: fc.integer({ min: 1, max: 4 }),
    port: fc.constantFrom(80, 443),
    nodePort: fc.constantFrom(0, 30080, 30081),
    externalIPs: fc.subarray(['203.0.113.5', '203.0.113.6']),
    loadBalancerIPs: fc.subarray(['198.51.100.7']),
    internalPolicyLocal: fc.boolean(),
    externalPolicyLocal: fc.boolean(),
    affinity: fc.constantFrom(0, 60),
    endpoints: fc.uniqueArray(endpointArb, { maxLength: 5, selector: (e) => e.ip }),
  })
  .map((r) =>
    svc({
      ...r,
      clusterIP: `10.96.0.${r.vip}`,
      externalPolicyLocal: r.externalPolicyLocal && (r.nodePort > 0 || r.externalIPs.length > 0 || r.loadBalancerIPs.length > 0),
    }),
  );

const stateArb = fc
  .uniqueArray(portArb, { maxLength: 6, selector: (p) => `${p.name.name}/${p.protocol}` })
  .map((ports) => state(ports));

describe('winkernel backend properties', () => {
  it('partial syncs converge to what a fresh full sync makes, and repeat syncs write nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stateArb, { minLength: 1, maxLength: 5 }), async (states) => {
        const { backend, hns } = fakeWinkernel({ family: 'IPv4', components });
        for (const s of states) {
          await backend.sync(s);
          const fresh = fakeWinkernel({ family: 'IPv4', components });
          // Same CNI history: the fresh HNS gets the local endpoints the long-lived one has.
          for (const e of hns.snapshot().endpoints) {
            if (e.flags === 0) fresh.hns.addLocalEndpoint('cbr0', e.ipAddress);
          }
          await fresh.backend.sync(s);
          expect(hns.dump()).toBe(fresh.hns.dump());
          hns.resetCalls();
          expect((await backend.sync(s)).operations).toBe(0);
          expect((await backend.sync(s, { full: true })).operations).toBe(0);
          expect(hns.counts().writes).toBe(0);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('the render cache always gives what a fresh render gives, as states and HNS facts change', () => {
    const factsArb = fc.subarray(['10.244.1.1', '10.244.1.2', '10.244.1.3', '10.244.1.4', '10.244.1.5', '10.244.1.6', '10.244.2.1']).chain((ips) =>
      fc.record({ ips: fc.constant(ips), generation: fc.integer({ min: 0, max: 1 }), overlay: fc.boolean() }),
    );
    fc.assert(
      // Two states only, so that service ports recur unchanged while the facts move under them.
      fc.property(stateArb, stateArb, fc.array(fc.tuple(fc.boolean(), factsArb), { minLength: 1, maxLength: 8 }), (a, b, steps) => {
        const cache = new HnsRenderCache();
        const options = resolveOptions({ networkName: 'cbr0', sourceVip: '10.244.1.250', hostMac: '00-15-5d-00-00-01' });
        for (const [pickA, f] of steps) {
          const s = pickA ? a : b;
          const facts: HnsFacts = {
            network: {
              id: 'net', name: 'cbr0', type: f.overlay ? 'Overlay' : 'L2Bridge',
              remoteSubnets: [{ destinationPrefix: '10.244.2.0/24', providerAddress: '192.168.1.12', isolationId: 1 }],
            },
            endpointsByIp: new Map(
              f.ips.map((ip) => [ip, { id: `${ip}#${f.generation}`, name: ip, networkId: 'net', ipAddress: ip, macAddress: '00-15-00-00-00-01', flags: ip.startsWith('10.244.2.') ? 1 : 0 }]),
            ),
          };
          expect(cache.render(s, options, facts)).toEqual(renderHns(s, options, facts));
        }
      }),
      { numRuns: 300 },
    );
  });
});
