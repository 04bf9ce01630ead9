import { describe, expect, it } from '@jest/globals';
import type { Ruleset } from './ruleset.ts';
import { FakeRuleset } from './testing/fake-ruleset.ts';
import { SAMPLE_NODE_IP, sampleTransaction } from './testing/sample-ruleset.ts';
import { trace } from './tracer.ts';
import type { TracePacket } from './tracer.ts';

function sample(): Ruleset {
  const fake = new FakeRuleset();
  const tx = sampleTransaction();
  expect(tx.error).toBeUndefined();
  fake.apply(tx.commands);
  return fake.snapshot();
}

const pkt = (p: Partial<TracePacket>): TracePacket => ({
  family: 'IPv4',
  protocol: 'TCP',
  src: '10.244.1.5',
  dst: '10.96.0.1',
  dport: 80,
  hook: 'prerouting',
  ...p,
});
const opts = { localAddresses: [SAMPLE_NODE_IP] };
const eps = (r: ReturnType<typeof trace>) => r.endpoints.map((e) => `${e.ip}:${e.port}`).sort();

describe('trace', () => {
  const rs = sample();

  it('finds every endpoint of an iptables-statistic style chain, without masquerade for pod sources', () => {
    const r = trace(rs, pkt({}), opts);
    expect(r.verdict).toBe('DNAT');
    expect(r.verdicts).toEqual(['DNAT']);
    expect(eps(r)).toEqual(['10.1.0.1:8080', '10.1.0.2:8080', '10.1.0.3:8080']);
    expect(r.masquerade).toBe(false);
    expect(r.affinity).toBe(false);
    expect(r.unsupported).toEqual([]);
    expect(r.path[0]).toBe('ip kp/nat-prerouting (prerouting -100)');
    expect(r.path.some((p) => p.includes('vmap @service-ips'))).toBe(true);
  });

  it('masquerades external sources through the mark, and clears the mark bit', () => {
    const r = trace(rs, pkt({ src: '198.51.100.7' }), opts);
    expect(eps(r)).toHaveLength(3);
    expect(r.outcomes.every((o) => o.masquerade && o.mark === 0)).toBe(true);
  });

  it('masquerades hairpin traffic only for the endpoint that is the source', () => {
    const r = trace(rs, pkt({ src: '10.1.0.2' }), opts);
    const masq = r.outcomes.filter((o) => o.masquerade).map((o) => o.endpoint?.ip);
    expect(masq).toEqual(['10.1.0.2']);
    expect(r.masquerade).toBe(true);
  });

  it('enumerates numgen verdict maps', () => {
    expect(eps(trace(rs, pkt({ dst: '10.96.0.2' }), opts))).toEqual(['10.2.0.1:9090', '10.2.0.2:9090']);
  });

  it('reports affinity and evaluates affinity sets with their state', () => {
    const r = trace(rs, pkt({ dst: '10.96.0.3' }), opts);
    expect(r.affinity).toBe(true);
    expect(eps(r)).toEqual(['10.3.0.1:80', '10.3.0.2:80']);
    // Seeded state: the client is remembered for ep-aff2, so only that endpoint is reachable.
    const fake = new FakeRuleset();
    fake.apply(sampleTransaction().add({ element: { name: 'aff-ep2', elem: ['10.244.1.5'] } }).commands);
    expect(eps(trace(fake.snapshot(), pkt({ dst: '10.96.0.3' }), opts))).toEqual(['10.3.0.2:80']);
  });

  it('rejects services without endpoints in forward and output, and drops firewalled sources', () => {
    expect(trace(rs, pkt({ dst: '10.96.0.9' }), opts).verdict).toBe('REJECT');
    expect(trace(rs, pkt({ dst: '10.96.0.9', hook: 'output', src: SAMPLE_NODE_IP }), opts).verdict).toBe('REJECT');
    expect(trace(rs, pkt({ dst: '10.96.0.4' }), opts).verdict).toBe('DROP');
    const allowed = trace(rs, pkt({ dst: '10.96.0.4', src: '203.0.113.9' }), opts);
    expect(allowed.verdict).toBe('DNAT');
    expect(eps(allowed)).toEqual(['10.4.0.1:80']);
  });

  it('matches node ports on local addresses only (fib daddr type local)', () => {
    expect(eps(trace(rs, pkt({ dst: SAMPLE_NODE_IP, dport: 30080 }), opts))).toHaveLength(3);
    expect(trace(rs, pkt({ dst: '192.168.0.99', dport: 30080 }), opts).verdict).toBe('PASS');
    expect(trace(rs, pkt({ dst: '127.0.0.1', dport: 30080, hook: 'output', src: '127.0.0.1' }), opts).verdict).toBe('DNAT');
  });

  it('passes what no rule handles', () => {
    expect(trace(rs, pkt({ dst: '8.8.8.8', dport: 53, protocol: 'UDP' }), opts)).toMatchObject({ verdict: 'PASS', endpoints: [], masquerade: false });
    expect(trace(rs, pkt({ protocol: 'UDP' }), opts).verdict).toBe('PASS');
    expect(trace(rs, pkt({ family: 'IPv6', src: 'fd00::1', dst: 'fd00::2' }), opts).verdict).toBe('PASS');
  });

  it('honours base chain policies and priorities', () => {
    const fake = new FakeRuleset();
    const tx = sampleTransaction();
    tx.add({ chain: { name: 'early', type: 'filter', hook: 'prerouting', prio: -110, policy: 'drop' } });
    tx.add({ rule: { chain: 'early', expr: [{ match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: '10.244.1.5' } }, { accept: null }] } });
    fake.apply(tx.commands);
    const snap = fake.snapshot();
    expect(trace(snap, pkt({}), opts).verdict).toBe('DNAT');
    const dropped = trace(snap, pkt({ src: '10.244.1.6' }), opts);
    expect(dropped.verdict).toBe('DROP');
    expect(dropped.path).toEqual(['ip kp/early (prerouting -110)', 'kp/early: policy drop']);
  });

  it('stops at the step bound and says so', () => {
    const r = trace(rs, pkt({}), { ...opts, maxSteps: 2 });
    expect(r.truncated).toBe(true);
  });

  it('refuses malformed packets', () => {
    expect(() => trace(rs, pkt({ src: 'not-an-ip' }), opts)).toThrow(/not an IPv4 address/);
  });
});
