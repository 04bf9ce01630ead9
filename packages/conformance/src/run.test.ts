import { describe, expect, it } from '@jest/globals';
import type { Backend, Trace } from '@kproxy/api';
import type { BackendUnderTest } from './fake-target.ts';
import { fakeTarget } from './fake-target.ts';
import { loadScenarios } from './files.ts';
import { parseScenario } from './load.ts';
import { modelBackend } from './model-backend.ts';
import { runScenario } from './run.ts';
import type { Scenario } from './scenario.ts';

const scenarios = loadScenarios();
const byName = (name: string): Scenario => {
  const s = scenarios.find((x) => x.name === name);
  if (!s) throw new Error(`no scenario ${name}`);
  return s;
};

/** The model, renamed and with its traces passed through `mutate`: a deliberately broken backend. */
function broken(name: string, mutate: (t: Trace) => Trace, nodePortDefault?: 'all' | 'primary'): BackendUnderTest {
  return {
    name,
    ...(nodePortDefault ? { nodePortDefault } : {}),
    async create(env) {
      const inner = (await modelBackend.create(env)) as Backend;
      return { ...inner, name, explain: async (p) => mutate(await inner.explain(p)) };
    },
  };
}

describe('the scenarios on the reference model', () => {
  it.each(scenarios.map((s) => [s.name, s] as const))('%s passes', async (_name, scenario) => {
    const result = await runScenario(scenario, fakeTarget(modelBackend));
    expect(result.failures).toEqual([]);
    expect(result.checks.length).toBeGreaterThan(0);
  });
});

describe('runScenario', () => {
  it('names scenario, step, flow and backend when masquerading is wrong', async () => {
    const result = await runScenario(
      byName('hairpin'),
      fakeTarget(broken('flaky', (t) => (t.verdict === 'DNAT' ? { ...t, masquerade: false } : t))),
    );
    expect(result.passed).toBe(false);
    expect(result.failures).toHaveLength(2);
    expect(result.failures[0]).toMatch(
      /^\[flaky\] hairpin step 0 \(expect\) flow "endpoint to itself via the ClusterIP \(from 10\.244\.1\.2 tcp 10\.96\.8\.10:80\)": masq=false, expected masq=true/,
    );
    expect(result.checks.filter((c) => c.status === 'pass')).toHaveLength(2);
  });

  it('reports missing and unexpected endpoints and wrong verdicts', async () => {
    const dropLast = broken('lossy', (t) =>
      t.verdict === 'DNAT' && t.endpoints.length > 1 ? { ...t, endpoints: [...t.endpoints.slice(1), { ip: '10.9.9.9', port: 1 }] } : t,
    );
    const result = await runScenario(byName('clusterip-basics'), fakeTarget(dropLast));
    expect(result.failures[0]).toContain('missing endpoints 10.244.1.2:8080; unexpected endpoints 10.9.9.9:1');
    const rejecting = broken('rejecting', (t) => ({ ...t, verdict: 'REJECT', endpoints: [] }));
    const r2 = await runScenario(byName('no-endpoints'), fakeTarget(rejecting));
    expect(r2.failures.some((f) => f.includes('flow "endpoints arrive (from pod tcp 10.96.0.20:80)": verdict REJECT, expected DNAT'))).toBe(true);
  });

  it('uses per-backend expectations and marks them as documented differences', async () => {
    // Named iptables, the model (which follows nftables) must fail the flows where iptables differs.
    const asIptables = await runScenario(byName('clusterip-basics'), fakeTarget(broken('iptables', (t) => t)));
    expect(asIptables.failures).toHaveLength(2);
    expect(asIptables.failures[0]).toContain('expected PASS (per-backend: iptables lets traffic to an unknown port');
    // Named nftables with nftables' node-port default, the documented difference passes.
    const asNft = await runScenario(byName('node-ports-default-addresses'), fakeTarget(broken('nftables', (t) => t, 'primary')));
    expect(asNft.failures).toEqual([]);
    expect(asNft.checks.map((c) => c.status)).toEqual(['pass', 'difference', 'pass']);
    // Without the primary default the same backend fails exactly that flow.
    const wrongDefault = await runScenario(byName('node-ports-default-addresses'), fakeTarget(broken('nftables', (t) => t)));
    expect(wrongDefault.failures).toHaveLength(1);
    expect(wrongDefault.failures[0]).toContain('flow "secondary address');
  });

  it('checks affinity through the trace flag and the reference table', async () => {
    const noAffinity = await runScenario(byName('session-affinity'), fakeTarget(broken('forgetful', (t) => ({ ...t, affinity: false }))));
    expect(noAffinity.failures.length).toBe(3);
    expect(noAffinity.failures[0]).toMatch(/^\[forgetful\] session-affinity step 1 \(affinity\) "pod to ClientIP service .* x20": tracer reports affinity=false, expected true; spread over 10\.244\.1\.2:8080, 10\.244\.2\.3:8080/);
    const alwaysSticky = await runScenario(byName('session-affinity'), fakeTarget(broken('sticky', (t) => ({ ...t, affinity: t.verdict === 'DNAT' }))));
    expect(alwaysSticky.failures.some((f) => f.includes('"no affinity') && f.includes('all 20 connections landed on'))).toBe(true);
  });

  it('ends the scenario at a step that cannot run, and at a sync that throws', async () => {
    const text = `
name: bad-update
description: d
node: {name: n, addresses: {IPv4: [10.0.0.10]}}
steps:
  - update:
      - {apiVersion: v1, kind: Service, metadata: {name: ghost}, spec: {clusterIP: 10.96.0.1, ports: [{port: 80}]}}
  - expect:
      - {from: node, proto: tcp, dst: 10.96.0.1, port: 80, expect: PASS}
`;
    const result = await runScenario(parseScenario(text, 'bad.yaml'), fakeTarget(modelBackend));
    expect(result.failures).toEqual(['[model] bad-update step 0 (update) : threw Error: update of Service/default/ghost, which does not exist']);
    const failing: BackendUnderTest = {
      name: 'failing',
      async create(env) {
        const inner = (await modelBackend.create(env)) as Backend;
        return { ...inner, sync: async () => Promise.reject(new Error('kernel said no')) };
      },
    };
    const r2 = await runScenario(byName('hairpin'), fakeTarget(failing));
    expect(r2.failures).toEqual(['[failing] hairpin step -1 (setup) : threw Error: kernel said no']);
  });

  it('fails a backend whose repeated sync of an unchanged state still sends operations', async () => {
    const chatty: BackendUnderTest = {
      name: 'chatty',
      async create(env) {
        const inner = (await modelBackend.create(env)) as Backend;
        return { ...inner, sync: async (state, options) => ({ ...(await inner.sync(state, options)), operations: 1 }) };
      },
    };
    const result = await runScenario(byName('hairpin'), fakeTarget(chatty));
    expect(result.failures).toEqual(['[chatty] hairpin step -1 (setup) : threw Error: chatty IPv4: a repeated sync of an unchanged state sent 1 operation(s)']);
    // Without the sync checks the same backend passes.
    expect((await runScenario(byName('hairpin'), fakeTarget(chatty, { checkSyncs: false }))).failures).toEqual([]);
  });

  it('fails a backend whose partial syncs do not converge to what a full sync makes', async () => {
    const lazy: BackendUnderTest = {
      name: 'lazy',
      async create(env) {
        const inner = (await modelBackend.create(env)) as Backend;
        // Applies only full syncs: partial ones are acknowledged and dropped.
        return { ...inner, sync: async (state, options) => (options?.full ? inner.sync(state, options) : { full: false, operations: 0, bytes: 0 }) };
      },
    };
    const result = await runScenario(byName('updates-and-deletions'), fakeTarget(lazy));
    expect(result.passed).toBe(false);
    expect(result.failures[0]).toContain(
      '[lazy] updates-and-deletions step 2 (expect) flow "endpoint added by a second slice (from pod tcp 10.96.13.10:80)": missing endpoints 10.244.2.3:8080; after partial syncs it traces DNAT {10.244.1.2:8080} masq=false, a full sync of the same state DNAT {10.244.1.2:8080, 10.244.2.3:8080} masq=false',
    );
  });

  it('reports checks a target cannot run as skipped with the reason, neither passed nor failed', async () => {
    const inner = fakeTarget(modelBackend);
    const skipping = {
      ...inner,
      send: async (flow: Parameters<typeof inner.send>[0]) =>
        flow.protocol === 'SCTP' ? { verdict: 'PASS' as const, endpoints: [], masq: false, skipped: 'no SCTP here' } : inner.send(flow),
      connect: async () => ({ landed: [], skipped: 'no affinity here' }),
    };
    const basics = await runScenario(byName('clusterip-basics'), skipping);
    expect(basics.passed).toBe(true);
    expect(basics.checks.filter((c) => c.status === 'skipped').map((c) => [c.label, c.note])).toEqual([
      ['same port sctp (from pod sctp 10.96.0.10:53)', 'no SCTP here'],
    ]);
    const affinity = await runScenario(byName('session-affinity'), skipping);
    expect(affinity.checks.filter((c) => c.status === 'skipped')).toHaveLength(5);
  });
});
