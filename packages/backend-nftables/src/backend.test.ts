import { describe, expect, it } from '@jest/globals';
import { KernelRejectedError, silentLogger, systemClock } from '@kproxy/api';
import type { Components } from '@kproxy/api';
import { fakeNftClient } from '@kproxy/nftables-json/testing';
import type { FakeNftClient } from '@kproxy/nftables-json/testing';
import { scriptedExecutor } from '@kproxy/exec/testing';
import { nftablesBackend } from './backend.ts';
import { ep, stateOf, svcPort } from './testing/index.ts';

const components: Components = { logger: silentLogger, clock: systemClock, executor: scriptedExecutor() };

function setup(client: FakeNftClient = fakeNftClient()) {
  return { client, backend: nftablesBackend({ client: () => client })(components) };
}

const s1 = svcPort({ eps: [ep('10.180.0.1', 80)] });
const s2 = svcPort({ svc: 'svc2', clusterIP: '172.30.0.42', eps: [ep('10.180.0.2', 80)] });

describe('nftablesBackend over the fake', () => {
  it('syncs fully first, then partially, and sends nothing when nothing changed', async () => {
    const { client, backend } = setup();
    expect((await backend.sync(stateOf([s1]))).full).toBe(true);
    const second = await backend.sync(stateOf([s1, s2]));
    expect(second.full).toBe(false);
    expect(second.operations).toBeGreaterThan(0);
    expect(second.operations).toBeLessThan(10);
    const applies = client.stats.applies;
    expect(await backend.sync(stateOf([s1, s2]))).toEqual({ full: false, operations: 0, bytes: 0 });
    expect(client.stats.applies).toBe(applies);
    expect(client.stats.lists).toBe(1);
  });

  it('removes a plain service (data maps) in one transaction', async () => {
    const { client, backend } = setup();
    await backend.sync(stateOf([s1, s2]));
    const before = client.stats.applies;
    await backend.sync(stateOf([s1]));
    expect(client.stats.applies).toBe(before + 1);
    const dump = JSON.stringify(client.ruleset.dump());
    expect(dump).not.toContain('172.30.0.42');
    expect(dump).toContain('172.30.0.41');
  });

  it('deletes the chains of a removed service in a second transaction', async () => {
    const client = fakeNftClient();
    const backend = nftablesBackend({ client: () => client, dataMaps: false })(components);
    await backend.sync(stateOf([s1, s2]));
    const before = client.stats.applies;
    await backend.sync(stateOf([s1]));
    expect(client.stats.applies).toBe(before + 2);
    const dump = JSON.stringify(client.ruleset.dump());
    expect(dump).not.toContain('svc2');
    expect(dump).toContain('svc1');
  });

  it('after a failed apply, the next sync is full and converges', async () => {
    const { client, backend } = setup();
    await backend.sync(stateOf([s1]));
    client.failNextApply(new KernelRejectedError('boom', 'boom'));
    await expect(backend.sync(stateOf([s1, s2]))).rejects.toThrow('boom');
    const r = await backend.sync(stateOf([s1, s2]));
    expect(r.full).toBe(true);
    const fresh = setup();
    await fresh.backend.sync(stateOf([s1, s2]));
    const norm = (c: FakeNftClient) => JSON.stringify(c.ruleset.snapshot().tables.map((t) => [...t.chains.keys()].sort()));
    expect(norm(client)).toBe(norm(fresh.client));
  });

  it('plans without applying, and the plan is the exact transaction', async () => {
    const { client, backend } = setup();
    await backend.sync(stateOf([s1]));
    const plan = await backend.plan(stateOf([s1, s2]));
    expect(plan.full).toBe(false);
    expect(JSON.parse(plan.text)).toHaveProperty('nftables');
    expect(plan.text).toContain('172.30.0.42');
    expect(client.ruleset.dump().nftables.some((i) => JSON.stringify(i).includes('svc2'))).toBe(false);
  });

  it('cleanup removes only its own table and is idempotent', async () => {
    const client = fakeNftClient();
    client.ruleset.apply([{ add: { table: { family: 'ip', name: 'other' } } }]);
    const { backend } = setup(client);
    await backend.sync(stateOf([s1]));
    await backend.cleanup();
    await backend.cleanup();
    const tables = client.ruleset.snapshot().tables.map((t) => t.table.name);
    expect(tables).toEqual(['other']);
  });

  it('explains from the table alone in a fresh process (no sync), node-port addresses included', async () => {
    const { client, backend } = setup();
    await backend.sync(stateOf([svcPort({ nodePort: 30080, eps: [ep('10.180.0.1', 80)] })]));
    const fresh = nftablesBackend({ client: () => client })(components);
    const t = await fresh.explain({ family: 'IPv4', protocol: 'TCP', src: '203.0.113.9', dst: '192.168.0.2', dport: 30080, hook: 'prerouting' });
    expect(t.verdict).toBe('DNAT');
    expect(t.endpoints).toEqual([{ ip: '10.180.0.1', port: 80 }]);
    expect(t.reasons).toEqual([]);
  });

  it('refuses a state of the other family', async () => {
    const { backend } = setup();
    await expect(backend.sync(stateOf([s1], { ...stateOf([]).node, family: 'IPv6' }))).rejects.toThrow('IPv4');
  });
});
