import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { nftScript } from '@kproxy/nftables-json';
import { loadFixtures } from '../test/fixtures.ts';
import { render } from './render.ts';

// Golden fixtures: run with UPDATE_GOLDEN=1 to rewrite every fixtures/<case>/nftables.json and its text-wire
// form fixtures/<case>/nftables.nft (what the nft client sends).
const update = process.env['UPDATE_GOLDEN'] === '1';

describe('golden fixtures', () => {
  const fixtures = loadFixtures();
  it('has fixtures', () => expect(fixtures.length).toBeGreaterThan(5));
  for (const f of fixtures) {
    it(f.name, () => {
      const r = render(f.state, undefined, f.options);
      expect(r.transaction.error).toBeUndefined();
      const actual = `${JSON.stringify(r.transaction.toJSON(), null, 1)}\n`;
      const file = path.join(f.dir, 'nftables.json');
      if (update || !existsSync(file)) writeFileSync(file, actual);
      expect(actual).toBe(readFileSync(file, 'utf8'));
      const script = nftScript(r.transaction);
      expect(script.split('\n')).toHaveLength(r.transaction.size + 1);
      const textFile = path.join(f.dir, 'nftables.nft');
      if (update || !existsSync(textFile)) writeFileSync(textFile, script);
      expect(script).toBe(readFileSync(textFile, 'utf8'));
    });
  }
});
