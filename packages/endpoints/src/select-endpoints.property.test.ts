import { describe, expect, it } from '@jest/globals';
import type { Endpoint } from '@kproxy/api';
import fc from 'fast-check';
import { compareEndpoints } from './merge-slices.ts';
import { selectEndpoints } from './select-endpoints.ts';
import type { SelectionInput } from './select-endpoints.ts';

const NODES = ['node-a', 'node-b', 'node-c'];
const ZONES = ['z1', 'z2', 'z3'];

const endpointArb = (family: 'IPv4' | 'IPv6'): fc.Arbitrary<Endpoint> =>
  fc
    .record({
      host: fc.integer({ min: 1, max: 40 }),
      port: fc.constantFrom(80, 81),
      ready: fc.boolean(),
      serving: fc.boolean(),
      terminating: fc.boolean(),
      node: fc.option(fc.constantFrom(...NODES), { nil: undefined }),
      zoneHints: fc.option(fc.uniqueArray(fc.constantFrom(...ZONES), { minLength: 1 }), { nil: undefined }),
      nodeHints: fc.option(fc.uniqueArray(fc.constantFrom(...NODES), { minLength: 1 }), { nil: undefined }),
    })
    .map((r) => {
      const e: { -readonly [K in keyof Endpoint]: Endpoint[K] } = {
        ip: family === 'IPv4' ? `10.0.0.${r.host}` : `fd00::${r.host.toString(16)}`,
        port: r.port,
        ready: r.ready,
        serving: r.serving || r.ready,
        terminating: r.terminating,
        isLocal: r.node === 'node-a',
      };
      if (r.node) e.nodeName = r.node;
      if (r.zoneHints) e.zoneHints = [...r.zoneHints].sort();
      if (r.nodeHints) e.nodeHints = [...r.nodeHints].sort();
      return e;
    });

// Merged endpoints are unique by ip:port.
const endpointsArb = (family: 'IPv4' | 'IPv6') =>
  fc.uniqueArray(endpointArb(family), { selector: (e) => `${e.ip}|${e.port}`, maxLength: 25 });

const inputArb = fc
  .record({
    family: fc.constantFrom('IPv4' as const, 'IPv6' as const),
    internalPolicyLocal: fc.boolean(),
    externalPolicyLocal: fc.boolean(),
    externallyAccessible: fc.boolean(),
    zone: fc.option(fc.constantFrom(...ZONES), { nil: undefined }),
    preferSameNode: fc.boolean(),
  })
  .chain((p) =>
    endpointsArb(p.family).map(
      (endpoints): SelectionInput & { family: 'IPv4' | 'IPv6' } => ({
        family: p.family,
        endpoints,
        internalPolicyLocal: p.internalPolicyLocal,
        externalPolicyLocal: p.externalPolicyLocal,
        externallyAccessible: p.externallyAccessible,
        node: {
          name: 'node-a',
          ...(p.zone ? { zone: p.zone } : {}),
          features: { PreferSameTrafficDistribution: p.preferSameNode },
        },
      }),
    ),
  );

const key = (e: Endpoint) => `${e.ip}|${e.port}`;
const usable = (e: Endpoint) => e.ready || (e.serving && e.terminating);

describe('selectEndpoints properties', () => {
  it('the local set is a subset of the usable endpoints on this node', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const { localEndpoints } = selectEndpoints(input);
        for (const e of localEndpoints) {
          expect(e.isLocal).toBe(true);
          expect(usable(e)).toBe(true);
          expect(input.endpoints).toContain(e);
        }
      }),
    );
  });

  it('topology never empties a non-empty ready set, and the cluster set only holds usable endpoints', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const { clusterEndpoints } = selectEndpoints(input);
        const usesCluster = !input.internalPolicyLocal || input.externallyAccessible;
        const anyReady = input.endpoints.some((e) => e.ready);
        if (usesCluster && anyReady) {
          expect(clusterEndpoints.length).toBeGreaterThan(0);
          expect(clusterEndpoints.every((e) => e.ready)).toBe(true);
        }
        if (usesCluster && !anyReady) {
          // Fallback: exactly the serving+terminating endpoints, no topology.
          expect(clusterEndpoints.map(key)).toEqual(
            input.endpoints.filter((e) => e.serving && e.terminating).sort(compareEndpoints).map(key),
          );
        }
        for (const e of clusterEndpoints) expect(usable(e)).toBe(true);
      }),
    );
  });

  it('families never mix: every output endpoint is of the input family', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const s = selectEndpoints(input);
        for (const e of [...s.clusterEndpoints, ...s.localEndpoints, ...s.allReachableEndpoints]) {
          expect(e.ip.includes(':')).toBe(input.family === 'IPv6');
        }
      }),
    );
  });

  it('allReachable is exactly the union of cluster and local sets; hasAny means some endpoint is usable', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const s = selectEndpoints(input);
        const union = new Set([...s.clusterEndpoints, ...s.localEndpoints].map(key));
        expect(new Set(s.allReachableEndpoints.map(key))).toEqual(union);
        expect(s.allReachableEndpoints).toHaveLength(union.size);
        expect(s.hasAnyEndpoints).toBe(input.endpoints.some(usable));
      }),
    );
  });

  it('results do not depend on input order', () => {
    fc.assert(
      fc.property(
        inputArb.chain((input) => fc.shuffledSubarray([...input.endpoints], { minLength: input.endpoints.length }).map((shuffled) => ({ input, shuffled }))),
        ({ input, shuffled }) => {
          expect(selectEndpoints({ ...input, endpoints: shuffled })).toEqual(selectEndpoints(input));
        },
      ),
    );
  });
});
