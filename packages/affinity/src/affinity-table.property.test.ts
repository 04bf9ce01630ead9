import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { AffinityTable } from './affinity-table.ts';

const ENDPOINTS = ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80', '10.0.0.4:80'];
const CLIENTS = ['192.0.2.1', '192.0.2.2', '192.0.2.3'];

type Op =
  | { kind: 'advance'; ms: number }
  | { kind: 'connect'; client: string; pick: number }
  | { kind: 'usable'; set: string[] };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 15_000 }) }),
  fc.record({ kind: fc.constant('connect' as const), client: fc.constantFrom(...CLIENTS), pick: fc.nat() }),
  fc.record({ kind: fc.constant('usable' as const), set: fc.subarray(ENDPOINTS) }),
);

describe('AffinityTable properties', () => {
  it('always answers a usable endpoint; sticks exactly while usable and not idle past the timeout', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.array(opArb, { maxLength: 60 }), (timeoutSeconds, ops) => {
        let now = 0;
        const table = new AffinityTable({ clock: { now: () => now } });
        const affinity = { type: 'ClientIP' as const, timeoutSeconds };
        let usable = [...ENDPOINTS];
        // Independent model: client -> { endpoint, last new connection time }.
        const model = new Map<string, { endpoint: string; last: number }>();
        for (const op of ops) {
          if (op.kind === 'advance') now += op.ms;
          else if (op.kind === 'usable') {
            usable = op.set;
            table.syncEndpoints('svc', usable);
            // Affinity ends when the endpoint leaves the usable set, even if it comes back later.
            for (const [client, entry] of model) if (!usable.includes(entry.endpoint)) model.delete(client);
          } else {
            const decision = table.connect('svc', op.client, affinity, usable, (c) => c[op.pick % c.length]);
            const previous = model.get(op.client);
            const shouldStick =
              previous !== undefined && now - previous.last <= timeoutSeconds * 1000 && usable.includes(previous.endpoint);
            if (usable.length === 0) {
              expect(decision.endpoint).toBeUndefined();
              continue;
            }
            expect(usable).toContain(decision.endpoint);
            expect(decision.sticky).toBe(shouldStick);
            if (shouldStick) expect(decision.endpoint).toBe(previous?.endpoint);
            model.set(op.client, { endpoint: decision.endpoint as string, last: now });
          }
        }
        for (const entry of table.entries()) expect(usable).toContain(entry.endpoint);
      }),
      { numRuns: 300 },
    );
  });
});
