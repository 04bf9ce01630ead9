// Property: whatever the sequence of events and checkouts, each checkout's snapshot equals a naive model
// of the live objects, and its changed set is exactly the services whose content differs from the previous
// checkout (nothing lost, nothing reported twice, no-ops never reported).
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { KubeEndpointSlice, KubeService } from '@kproxy/api';
import { eps, svc } from './fixtures.test-helpers.ts';
import { WatchCache } from './watch-cache.ts';

type Op =
  | { t: 'svc'; name: string; port: number }
  | { t: 'delsvc'; name: string }
  | { t: 'slice'; name: string; service: string | undefined; ip: number }
  | { t: 'delslice'; name: string }
  | { t: 'checkout' };

const svcName = fc.constantFrom('a', 'b', 'c');
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant('svc' as const), name: svcName, port: fc.integer({ min: 80, max: 82 }) }),
  fc.record({ t: fc.constant('delsvc' as const), name: svcName }),
  fc.record({
    t: fc.constant('slice' as const),
    name: fc.constantFrom('s1', 's2', 's3', 's4'),
    service: fc.option(svcName, { nil: undefined }),
    ip: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({ t: fc.constant('delslice' as const), name: fc.constantFrom('s1', 's2', 's3', 's4') }),
  fc.constant({ t: 'checkout' as const }),
);

function view(services: Map<string, KubeService>, slices: Map<string, KubeEndpointSlice>): Map<string, string> {
  // service key -> canonical content (service port + sorted slice contents), ignoring resourceVersion.
  const out = new Map<string, string>();
  const keys = new Set([...services.keys()]);
  const grouped = new Map<string, string[]>();
  for (const s of slices.values()) {
    const owner = s.metadata.labels?.['kubernetes.io/service-name'];
    if (!owner) continue;
    const key = `default/${owner}`;
    keys.add(key);
    grouped.set(key, [...(grouped.get(key) ?? []), `${s.metadata.name}=${s.endpoints?.[0]?.addresses[0]}`]);
  }
  for (const k of keys) {
    out.set(k, JSON.stringify([services.get(k)?.spec?.ports?.[0]?.port ?? null, (grouped.get(k) ?? []).sort()]));
  }
  return out;
}

describe('WatchCache (property)', () => {
  it('checkouts match a naive model; changed sets are exact', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const cache = new WatchCache();
        const services = new Map<string, KubeService>();
        const slices = new Map<string, KubeEndpointSlice>();
        let previous = new Map<string, string>();
        let first = true;
        for (const o of [...ops, { t: 'checkout' } as Op]) {
          switch (o.t) {
            case 'svc': {
              const s = svc(o.name, { port: o.port });
              services.set(`default/${o.name}`, s);
              cache.upsertService(s);
              break;
            }
            case 'delsvc': {
              const s = services.get(`default/${o.name}`);
              services.delete(`default/${o.name}`);
              if (s) cache.deleteService(s);
              break;
            }
            case 'slice': {
              const s = eps(o.name, o.service, [`10.0.0.${o.ip}`]);
              slices.set(o.name, s);
              cache.upsertSlice(s);
              break;
            }
            case 'delslice': {
              const s = slices.get(o.name);
              slices.delete(o.name);
              if (s) cache.deleteSlice(s);
              break;
            }
            case 'checkout': {
              const batch = cache.checkout();
              const now = view(services, slices);
              const snapView = view(
                new Map(batch.snapshot.services),
                new Map([...batch.snapshot.slicesByService.values()].flat().map((s) => [s.metadata.name as string, s])),
              );
              expect(snapView).toEqual(now);
              const expectedChanged = new Set(
                [...new Set([...previous.keys(), ...now.keys()])].filter((k) => first || previous.get(k) !== now.get(k)),
              );
              expect(new Set(batch.changedServices)).toEqual(expectedChanged);
              expect(batch.full).toBe(first);
              previous = now;
              first = false;
            }
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});
