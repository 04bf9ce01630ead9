import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { generateParity, PARITY_PATH } from './parity.ts';

describe('docs/parity.md', () => {
  it('matches a fresh run of the suite (regenerate: node --conditions=@kproxy/source e2e/conformance/src/parity.ts)', async () => {
    const committed = fs.readFileSync(path.resolve(import.meta.dirname, '..', '..', '..', PARITY_PATH), 'utf8');
    expect(await generateParity()).toBe(committed);
  });
});
