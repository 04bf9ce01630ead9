import { describe, expect, it } from '@jest/globals';
import { spawnExecutor } from '@kproxy/exec';
import { netnsSupport } from '@kproxy/netns';
import { startEchoServer } from '../echo/index.ts';
import type { EchoServer } from '../echo/index.ts';
import { probeFlow, startProbeAgent } from '../probe/index.ts';
import type { ProbeAgent } from '../probe/index.ts';
import { buildTopology, withTopology } from './index.ts';
import type { TopologySpec } from './index.ts';

const support = await netnsSupport();
if (!support.ok) console.warn(`skipping topology kernel tests: ${support.reason}`);
const maybe = support.ok ? describe : describe.skip;

const spec: TopologySpec = {
  prefix: 'kpht',
  node: { name: 'node-a', addresses: ['10.0.0.2', 'fd00::2'], podCIDRs: ['10.244.0.0/24', 'fd00:244::/64'] },
  endpoints: [
    { ip: '10.244.0.5', local: true },
    { ip: 'fd00:244::5', local: true },
    { ip: '10.244.1.7', local: false },
  ],
};

async function hostState(): Promise<{ namespaces: string; links: string }> {
  const exec = spawnExecutor();
  return {
    namespaces: (await exec.run('ip', ['netns', 'list'])).stdout,
    links: (await exec.run('ip', ['-o', 'link', 'show'])).stdout,
  };
}

maybe('topology on the real kernel', () => {
  it('routes pods, remote endpoints and the external client through the node only, then leaves nothing', async () => {
    const children: (EchoServer | ProbeAgent)[] = [];
    let names: string[] = [];
    await withTopology(spec, async (t) => {
      names = t.names();
      expect(names).toHaveLength(7);
      for (const ip of ['10.244.0.5', 'fd00:244::5', '10.244.1.7']) {
        const host = t.hostOf(ip);
        if (!host) throw new Error(`no namespace hosts ${ip}`);
        const echo = await startEchoServer(host.name, {
          name: `ep-${ip}`,
          listen: [
            { proto: 'tcp', host: ip, port: 8080 },
            { proto: 'udp', host: ip, port: 5353 },
            { proto: 'sctp', host: ip, port: 9999 },
          ],
        });
        children.push(echo);
        expect(echo.ready.listening).toHaveLength(2);
        expect(echo.ready.skipped[0]?.reason).toMatch(/SCTP/);
      }
      const pod = await startProbeAgent(t.ns('pod-client').name);
      const ext = await startProbeAgent(t.ns('external-client').name);
      children.push(pod, ext);

      // Answers name the server and the unchanged source (no proxy, no NAT in this topology).
      const direct = await probeFlow(pod, { proto: 'tcp', dst: '10.244.0.5', port: 8080, connections: 2 });
      expect([...direct.answers.keys()]).toEqual(['10.244.0.5:8080']);
      expect([...(direct.answers.get('10.244.0.5:8080')?.sources ?? [])]).toEqual(['10.244.0.253']);
      const udp6 = await probeFlow(pod, { proto: 'udp', dst: 'fd00:244::5', port: 5353 });
      expect([...udp6.answers.keys()]).toEqual(['[fd00:244::5]:5353']);
      const remote = await probeFlow(ext, { proto: 'udp', dst: '10.244.1.7', port: 5353 });
      expect([...(remote.answers.get('10.244.1.7:5353')?.sources ?? [])]).toEqual(['198.51.100.200']);

      // Closed ports are refused (TCP RST, UDP ICMP port unreachable); unknown addresses time out.
      expect((await probeFlow(pod, { proto: 'tcp', dst: '10.244.0.5', port: 81 })).outcomes).toEqual({ refused: 1 });
      expect((await probeFlow(pod, { proto: 'udp', dst: '10.244.1.7', port: 81 })).outcomes).toEqual({ refused: 1 });
      expect((await probeFlow(ext, { proto: 'tcp', dst: '10.96.0.1', port: 80, timeoutMs: 500 })).outcomes).toEqual({ timeout: 1 });
      expect((await probeFlow(pod, { proto: 'sctp', dst: '10.244.0.5', port: 9999 })).outcomes).toEqual({ skipped: 1 });

      // The host's namespace has no end of any of our links.
      const during = await hostState();
      expect(during.links).not.toMatch(/\b(ext0|peer0|veth\d+)@/);
      for (const c of children) await c.stop();
    });
    const after = await hostState();
    for (const n of names) expect(after.namespaces).not.toContain(n);
    // Other test files may create namespaces meanwhile: check ours, by name, and our interface names.
    expect(after.links).not.toMatch(/\b(ext0|peer0|veth\d+)@/);
    for (const c of children) expect(c.stop()).resolves.toBeUndefined();
  });

  it('removes every namespace and process when the body fails', async () => {
    let names: string[] = [];
    let pid = 0;
    await expect(
      withTopology({ ...spec, endpoints: [{ ip: '10.244.0.9', local: true }] }, async (t) => {
        names = t.names();
        const echo = await startEchoServer(t.ns('ep:10.244.0.9').name, { name: 'x', listen: [{ proto: 'tcp', host: '10.244.0.9', port: 80 }] });
        pid = echo.child.pid ?? 0;
        throw new Error('scenario failed');
      }),
    ).rejects.toThrow('scenario failed');
    const after = await hostState();
    for (const n of names) expect(after.namespaces).not.toContain(n);
    expect(pid).toBeGreaterThan(0);
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('removes what it built when building fails half-way', async () => {
    // A kernel that refuses the node-to-node link, half-way through the build.
    const real = spawnExecutor();
    const failing = {
      run: (file: string, args: readonly string[], options?: object) =>
        args.includes('peer0') && args.includes('add') ? Promise.resolve({ exitCode: 2, stdout: '', stderr: 'RTNETLINK answers: injected' }) : real.run(file, args, options),
    };
    await expect(buildTopology({ ...spec, prefix: 'kphf' }, { executor: failing })).rejects.toThrow(/injected/);
    const after = await hostState();
    expect(after.namespaces.match(/kphf-/g)).toBeNull();
  });
});
