import { describe, expect, it } from '@jest/globals';
import { scriptedExecutor } from '@kproxy/exec/testing';
import { createNetns, liveNamespaces } from './index.ts';

describe('createNetns (scripted)', () => {
  it('adds a uniquely named namespace, brings loopback up inside it, and deletes it once', async () => {
    const fake = scriptedExecutor();
    const ns = await createNetns('kpu', fake);
    expect(ns.name).toMatch(/^kpu-[a-z0-9]+-[0-9a-f]{6}$/);
    expect(liveNamespaces()).toContain(ns.name);
    await ns.remove();
    await ns.remove();
    expect(fake.calls.map((c) => [c.file, ...c.args].join(' '))).toEqual([
      `ip netns add ${ns.name}`,
      `ip netns exec ${ns.name} ip link set lo up`,
      `ip netns delete ${ns.name}`,
    ]);
    expect(liveNamespaces()).not.toContain(ns.name);
  });

  it('removes the namespace again when setting it up fails', async () => {
    const fake = scriptedExecutor((c) => (c.args.includes('lo') ? { exitCode: 1, stderr: 'RTNETLINK answers: denied' } : undefined));
    await expect(createNetns('kpu', fake)).rejects.toMatchObject({ name: 'ExecError' });
    expect(fake.calls.at(-1)?.args.slice(0, 2)).toEqual(['netns', 'delete']);
    expect(liveNamespaces()).toEqual([]);
  });

  it('refuses prefixes that could escape the naming scheme', async () => {
    await expect(createNetns('../etc', scriptedExecutor())).rejects.toThrow(/invalid namespace prefix/);
  });
});
