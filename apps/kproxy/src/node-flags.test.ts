// The daemon's V8 flags live in one list (node-flags.json); the Dockerfile must start the daemon with them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';

const flags = JSON.parse(readFileSync(new URL('../node-flags.json', import.meta.url), 'utf8')) as unknown;
const dockerfile = readFileSync(new URL('../../../Dockerfile', import.meta.url), 'utf8');

describe('node-flags.json', () => {
  it('is a list of flags node accepts', () => {
    expect(Array.isArray(flags)).toBe(true);
    expect((flags as unknown[]).length).toBeGreaterThan(0);
    for (const f of flags as string[]) {
      expect(typeof f).toBe('string');
      expect(process.allowedNodeEnvironmentFlags.has(f.split('=')[0] ?? '')).toBe(true);
    }
  });

  it('is what the Dockerfile ENTRYPOINT passes to node', () => {
    const entry = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile);
    expect(entry).not.toBeNull();
    const argv = JSON.parse(entry?.[1] ?? '[]') as string[];
    expect(argv[0]).toBe('node');
    for (const f of flags as string[]) expect(argv).toContain(f);
  });
});
