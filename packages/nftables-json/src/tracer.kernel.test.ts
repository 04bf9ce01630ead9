import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnExecutor } from '@kproxy/exec';
import { createNetns, netnsSupport } from '@kproxy/netns';
import type { Netns } from '@kproxy/netns';
import { nftables } from './client.ts';
import type { Ruleset } from './ruleset.ts';
import { FakeRuleset } from './testing/fake-ruleset.ts';
import { SAMPLE_NODE_IP, sampleTransaction } from './testing/sample-ruleset.ts';
import { trace } from './tracer.ts';
import type { TracePacket, TraceResult } from './tracer.ts';

const support = await netnsSupport();
const nftFound = (await spawnExecutor().run('nft', ['--version']).catch(() => ({ exitCode: 127 }))).exitCode === 0;
const reason = !support.ok ? support.reason : !nftFound ? 'nft is not installed' : '';
if (reason) console.warn(`skipping tracer kernel tests: ${reason}`);
const maybe = reason ? describe.skip : describe;

const PACKETS: TracePacket[] = [
  { family: 'IPv4', protocol: 'TCP', src: '10.244.1.5', dst: '10.96.0.1', dport: 80, hook: 'prerouting' },
  { family: 'IPv4', protocol: 'TCP', src: '198.51.100.7', dst: '10.96.0.1', dport: 80, hook: 'prerouting' },
  { family: 'IPv4', protocol: 'TCP', src: '10.1.0.2', dst: '10.96.0.1', dport: 80, hook: 'prerouting' },
  { family: 'IPv4', protocol: 'TCP', src: '10.244.1.5', dst: '10.96.0.2', dport: 80, hook: 'prerouting' },
  { family: 'IPv4', protocol: 'TCP', src: '10.244.1.5', dst: '10.96.0.3', dport: 80, hook: 'prerouting' },
  { family: 'IPv4', protocol: 'TCP', src: '10.244.1.5', dst: '10.96.0.4', dport: 80, hook: 'prerouting' },
  { family: 'IPv4', protocol: 'TCP', src: '203.0.113.9', dst: '10.96.0.4', dport: 80, hook: 'prerouting' },
  { family: 'IPv4', protocol: 'TCP', src: SAMPLE_NODE_IP, dst: '10.96.0.9', dport: 80, hook: 'output' },
  { family: 'IPv4', protocol: 'TCP', src: '10.244.1.5', dst: SAMPLE_NODE_IP, dport: 30080, hook: 'prerouting' },
  { family: 'IPv4', protocol: 'UDP', src: '10.244.1.5', dst: '10.96.0.1', dport: 80, hook: 'prerouting' },
];

/** A result without the paths (rule handles differ between the fake and the kernel). */
function semantic(r: TraceResult): unknown {
  return {
    verdicts: r.verdicts,
    endpoints: [...r.endpoints].map((e) => `${e.ip}:${e.port}`).sort(),
    outcomes: r.outcomes.map((o) => `${o.verdict} ${o.endpoint?.ip ?? '-'} masq=${o.masquerade} aff=${o.affinity} mark=${o.mark}`).sort(),
    unsupported: r.unsupported,
  };
}

maybe('the tracer over a real kernel listing', () => {
  let ns: Netns;
  beforeAll(async () => {
    ns = await createNetns('kpnjt');
  });
  afterAll(async () => {
    await ns?.remove();
  });

  it('gives the same outcomes as over the fake for the whole sample ruleset', async () => {
    const client = nftables({ executor: ns.executor });
    const tx = sampleTransaction();
    await client.apply(tx);
    const real: Ruleset = await client.list({ ruleset: true });
    const fake = new FakeRuleset();
    fake.apply(tx.commands);
    const opts = { localAddresses: [SAMPLE_NODE_IP] };
    for (const p of PACKETS) {
      const fromKernel = trace(real, p, opts);
      expect(fromKernel.unsupported).toEqual([]);
      expect({ packet: p, result: semantic(fromKernel) }).toEqual({ packet: p, result: semantic(trace(fake.snapshot(), p, opts)) });
    }
    // And the kernel listing is what a reader of the ruleset expects for the first packet.
    expect(trace(real, PACKETS[0] as TracePacket, opts).endpoints).toHaveLength(3);
  });
});
