import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { PersistentMap } from './persistent-map.ts';

describe('PersistentMap', () => {
  it('behaves like a Map across versions, and old versions never change', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.tuple(fc.string({ maxLength: 6 }), fc.option(fc.integer(), { nil: undefined })), { maxLength: 20 }), { maxLength: 15 }),
        (batches) => {
          let version = PersistentMap.of<number>([]);
          const model = new Map<string, number>();
          const history: [PersistentMap<number>, Map<string, number>][] = [];
          for (const batch of batches) {
            const updates = new Map(batch);
            version = version.with(updates);
            for (const [k, v] of updates) {
              if (v === undefined) model.delete(k);
              else model.set(k, v);
            }
            history.push([version, new Map(model)]);
          }
          for (const [v, m] of history) {
            expect(v.size).toBe(m.size);
            expect(new Map(v)).toEqual(m);
            for (const [k, val] of m) {
              expect(v.get(k)).toBe(val);
              expect(v.has(k)).toBe(true);
            }
            expect([...v.keys()].sort()).toEqual([...m.keys()].sort());
          }
        },
      ),
    );
  });

  it('supports forEach, values and an empty update returning the same version', () => {
    const m = PersistentMap.of([
      ['a', 1],
      ['b', 2],
    ]);
    expect(m.with(new Map())).toBe(m);
    const seen: string[] = [];
    m.forEach((v, k) => seen.push(`${k}=${v}`));
    expect(seen.sort()).toEqual(['a=1', 'b=2']);
    expect([...m.values()].sort()).toEqual([1, 2]);
    expect(m.get('zz')).toBeUndefined();
    expect(m instanceof Map).toBe(false);
  });
});
