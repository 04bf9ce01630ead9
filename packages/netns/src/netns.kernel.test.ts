import { describe, expect, it } from '@jest/globals';
import { spawnExecutor } from '@kproxy/exec';
import { addAddress, connectVeth, createNetns, liveNamespaces, netnsSupport, withNetns } from './index.ts';

const support = await netnsSupport();
if (!support.ok) console.warn(`skipping network-namespace tests: ${support.reason}`);
const maybe = support.ok ? describe : describe.skip;

async function hostNamespaces(): Promise<string> {
  return (await spawnExecutor().run('ip', ['netns', 'list'])).stdout;
}

maybe('network namespaces', () => {
  it('creates an isolated namespace and always removes it, even when the body throws', async () => {
    let name = '';
    await expect(
      withNetns(async (ns) => {
        name = ns.name;
        expect(await hostNamespaces()).toContain(ns.name);
        const links = await ns.run('ip', ['-o', 'link', 'show']);
        expect(links.stdout).toMatch(/\blo\b.*UP|LOOPBACK,UP/);
        throw new Error('body failed');
      }),
    ).rejects.toThrow('body failed');
    expect(name).not.toBe('');
    expect(await hostNamespaces()).not.toContain(name);
    expect(liveNamespaces()).not.toContain(name);
  });

  it('wires two namespaces with veth, and packets cross between them only', async () => {
    const a = await createNetns('kpt');
    const b = await createNetns('kpt');
    try {
      await connectVeth(a, 'va', b, 'vb');
      await addAddress(a, 'va', '192.0.2.1/24');
      await addAddress(b, 'vb', '192.0.2.2/24');
      const ping = await a.executor.run('ping', ['-c', '1', '-W', '2', '192.0.2.2']);
      expect(ping.exitCode).toBe(0);
      // The host's namespace has no end of the pair.
      const hostLinks = await spawnExecutor().run('ip', ['-o', 'link', 'show']);
      expect(hostLinks.stdout).not.toMatch(/\bva@|\bvb@/);
    } finally {
      await a.remove();
      await b.remove();
    }
  });
});
