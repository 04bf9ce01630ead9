import { describe, expect, it } from '@jest/globals';
import { Counts } from './counts.ts';

describe('Counts', () => {
  it('reports appearing and disappearing values and never mutates the previous value', () => {
    const a = Counts.of(['x', 'x', 'y']);
    const { counts: b, appeared, disappeared } = a.with(new Map([['x', -1], ['y', -1], ['z', 1]]));
    expect(appeared).toEqual(['z']);
    expect(disappeared).toEqual(['y']);
    expect(b.values().sort()).toEqual(['x', 'z']);
    expect(a.values()).toEqual(['x', 'y']);
    expect(a.get('x')).toBe(2);
  });

  it('folds a large overlay into its base without changing the counts', () => {
    let c = Counts.of([]);
    for (let i = 0; i < 3000; i++) c = c.with(new Map([[`v${i}`, 1]])).counts;
    expect(c.values()).toHaveLength(3000);
    expect(c.get('v2999')).toBe(1);
  });
});
