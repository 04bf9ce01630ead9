import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnExecutor } from '@kproxy/exec';
import { createNetns, netnsSupport } from '@kproxy/netns';
import type { Netns } from '@kproxy/netns';
import { nftables } from './client.ts';
import type { Ruleset } from './ruleset.ts';
import { FakeRuleset } from './testing/fake-ruleset.ts';
import { Transaction } from './transaction.ts';
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

  it('real connections land on exactly the endpoints the tracer predicts', async () => {
    // Endpoints are local addresses of the namespace; the service range only needs a route for the first
    // lookup (the SYN is rewritten at the output hook and rerouted to the local endpoint).
    await ns.run('ip', ['addr', 'add', `${SAMPLE_NODE_IP}/32`, 'dev', 'lo']);
    await ns.run('ip', ['route', 'add', '10.96.0.0/16', 'dev', 'lo', 'src', SAMPLE_NODE_IP]);
    const endpoints = ['10.1.0.1', '10.1.0.2', '10.1.0.3'];
    for (const e of endpoints) await ns.run('ip', ['addr', 'add', `${e}/32`, 'dev', 'lo']);
    const client = nftables({ executor: ns.executor });
    const count = new Transaction({ family: 'ip', table: 'count' })
      .add({ table: {} })
      .add({ chain: { name: 'out', type: 'filter', hook: 'output', prio: 10 } });
    for (const e of [...endpoints, '10.96.0.1']) {
      count.add({
        rule: {
          chain: 'out',
          expr: [{ match: { op: '==', left: { payload: { protocol: 'ip', field: 'daddr' } }, right: e } }, { counter: null }],
          comment: e,
        },
      });
    }
    await client.apply(count);
    const predicted = trace(await client.list({ ruleset: true }), {
      family: 'IPv4', protocol: 'TCP', src: SAMPLE_NODE_IP, dst: '10.96.0.1', dport: 80, hook: 'output',
    }, { localAddresses: [SAMPLE_NODE_IP, ...endpoints], tables: [{ family: 'ip', name: 'kp' }] });
    expect(predicted.endpoints.map((e) => e.ip).sort()).toEqual(endpoints);
    // 60 connection attempts (refused: nothing listens; the SYN is what we count). Bounded by a timeout each.
    const script = `
      const net = require('node:net');
      (async () => {
        for (let i = 0; i < 60; i++) {
          await new Promise((resolve) => {
            const s = net.connect({ host: '10.96.0.1', port: 80, timeout: 1000 });
            const done = () => { s.destroy(); resolve(); };
            s.on('connect', done); s.on('error', done); s.on('timeout', done);
          });
        }
      })();`;
    const run = await ns.executor.run(process.execPath, ['-e', script], { timeoutMs: 60_000 });
    expect(run.exitCode).toBe(0);
    const listed = await client.list({ family: 'ip', table: 'count' });
    const hits = new Map<string, number>();
    for (const r of listed.tables[0]?.chains.get('out')?.rules ?? []) {
      const c = r.expr?.find((x) => 'counter' in x) as { counter: { packets: number } } | undefined;
      hits.set(r.comment ?? '', c?.counter.packets ?? 0);
    }
    // Every SYN was rewritten before the filter hook saw it, and each predicted endpoint got some
    // (a miss has probability 3 * (2/3)^60, about 1e-10).
    expect(hits.get('10.96.0.1')).toBe(0);
    for (const e of endpoints) expect(hits.get(e)).toBeGreaterThan(0);
    expect(endpoints.reduce((n, e) => n + (hits.get(e) ?? 0), 0)).toBeGreaterThanOrEqual(60);
  });
});
