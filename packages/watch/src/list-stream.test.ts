import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ListStreamParser } from './list-stream.ts';

function parseInChunks(text: string, cuts: number[]): { items: unknown[]; metadata: unknown } {
  const bytes = new TextEncoder().encode(text);
  const items: unknown[] = [];
  const p = new ListStreamParser<unknown>((i) => items.push(i));
  let last = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)) {
    p.push(bytes.subarray(last, cut));
    last = cut;
  }
  p.push(bytes.subarray(last));
  p.end();
  return { items, metadata: p.metadata };
}

describe('ListStreamParser', () => {
  it('yields every item and the metadata, whatever the chunking', () => {
    const list = {
      kind: 'ServiceList',
      apiVersion: 'v1',
      metadata: { resourceVersion: '42', continue: 'abc' },
      items: [
        { metadata: { name: 'a', labels: { 'x/"items"': '[{' } }, spec: { ports: [{ port: 1 }] } },
        { metadata: { name: 'b\\"}]', annotations: { items: 'ünïcödé ✓ 🚀' } } },
        { kind: 'X', items: [{ nested: true }], metadata: { name: 'c' } },
      ],
    };
    const text = JSON.stringify(list, null, 1);
    for (let size = 1; size < 40; size += 3) {
      const cuts = Array.from({ length: Math.ceil(text.length / size) }, (_, i) => i * size);
      expect(parseInChunks(text, cuts)).toEqual({ items: list.items, metadata: list.metadata });
    }
  });

  it('property: random JSON items survive random chunk boundaries', () => {
    fc.assert(
      fc.property(
        fc.array(fc.dictionary(fc.string(), fc.jsonValue()), { maxLength: 6 }),
        fc.string(),
        fc.array(fc.nat(), { maxLength: 20 }),
        (items, rv, cuts) => {
          const text = JSON.stringify({ metadata: { resourceVersion: rv }, kind: 'L', items });
          const out = parseInChunks(text, cuts);
          expect(out.items).toEqual(JSON.parse(JSON.stringify(items)));
          expect(out.metadata).toEqual({ resourceVersion: rv });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('accepts an empty list and rejects truncated or non-object bodies', () => {
    expect(parseInChunks('{"items":[],"metadata":{}}', [])).toEqual({ items: [], metadata: {} });
    expect(() => parseInChunks('{"items":[{"a":1}', [])).toThrow(SyntaxError);
    expect(() => parseInChunks('[1,2]', [])).toThrow(SyntaxError);
    expect(() => parseInChunks('', [])).toThrow(SyntaxError);
  });
});
