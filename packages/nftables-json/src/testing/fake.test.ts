import { describe, expect, it } from '@jest/globals';
import { Transaction } from '../transaction.ts';
import { fakeNftClient } from './fake-client.ts';
import { FakeRuleset } from './fake-ruleset.ts';
import { SCENARIOS } from './scenarios.ts';

function outcomes(rs: FakeRuleset, txs: (typeof SCENARIOS)[number]['txs']): boolean[] {
  return txs.map((doc) => {
    try {
      rs.apply(doc.nftables);
      return true;
    } catch (err) {
      expect((err as Error).name).toBe('KernelRejectedError');
      return false;
    }
  });
}

describe('FakeRuleset', () => {
  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', (_name, scenario) => {
    expect(outcomes(new FakeRuleset(), scenario.txs)).toEqual(scenario.ok);
  });

  it('dumps in the shape of nft -j list table, with handles, listed counters and numgen offsets', () => {
    const rs = new FakeRuleset();
    const tx = new Transaction({ family: 'ip', table: 'kp' })
      .add({ table: {} })
      .add({ chain: { name: 'c' } })
      .add({ set: { name: 's', type: 'ipv4_addr', elem: ['10.0.0.1'] } })
      .add({ rule: { chain: 'c', expr: [{ counter: null }, { match: { op: '==', left: { numgen: { mode: 'random', mod: 2 } }, right: 0 } }], comment: 'x' } })
      .add({ rule: { chain: 'c', expr: [{ match: { op: '==', left: { ct: { key: 'state' } }, right: 'new' } }, { accept: null }] } });
    rs.apply(tx.commands);
    const out = rs.dump({ family: 'ip', table: 'kp' });
    expect(out.nftables[0]).toHaveProperty('metainfo');
    expect(out.nftables.slice(1)).toEqual([
      { table: { family: 'ip', name: 'kp', handle: 1 } },
      { set: { family: 'ip', table: 'kp', name: 's', type: 'ipv4_addr', handle: 2, elem: ['10.0.0.1'] } },
      { chain: { family: 'ip', table: 'kp', name: 'c', handle: 1 } },
      {
        rule: {
          family: 'ip', table: 'kp', chain: 'c', handle: 3, comment: 'x',
          expr: [{ counter: { packets: 0, bytes: 0 } }, { match: { op: '==', left: { numgen: { mode: 'random', mod: 2, offset: 0 } }, right: 0 } }],
        },
      },
      { rule: { family: 'ip', table: 'kp', chain: 'c', handle: 4, expr: [{ match: { op: 'in', left: { ct: { key: 'state' } }, right: 'new' } }, { accept: null }] } },
    ]);
    expect(() => rs.dump({ family: 'ip', table: 'nope' })).toThrow(expect.objectContaining({ name: 'NotFoundError' }));
    expect(rs.snapshot().tables[0]?.chains.get('c')?.rules).toHaveLength(2);
  });

  it('rejected transactions leave no trace and are counted', () => {
    const rs = new FakeRuleset();
    rs.apply(new Transaction({ family: 'ip', table: 'kp' }).add({ table: {} }).add({ set: { name: 's', type: 'ipv4_addr' } }).commands);
    const before = JSON.stringify(rs.dump());
    const bad = new Transaction({ family: 'ip', table: 'kp' })
      .add({ element: { name: 's', elem: ['10.0.0.1'] } })
      .add({ chain: { name: 'c' } })
      .delete({ element: { name: 's', elem: ['10.0.0.2'] } });
    expect(() => rs.apply(bad.commands)).toThrow(/No such file or directory/);
    expect(JSON.stringify(rs.dump())).toBe(before);
    expect(rs.stats).toMatchObject({ applies: 1, rejected: 1, operations: 2 });
  });
});

describe('fakeNftClient', () => {
  it('applies, lists, checks without applying, records documents and injects failures', async () => {
    const client = fakeNftClient();
    const tx = new Transaction({ family: 'ip6', table: 't' }).add({ table: {} }).add({ chain: { name: 'c' } });
    expect(await client.apply(tx)).toEqual({ operations: 2, bytes: tx.serialize().length });
    expect(client.applied).toEqual([tx.toJSON()]);
    await client.check(new Transaction({ family: 'ip6', table: 't' }).add({ chain: { name: 'd' } }));
    expect((await client.list({ family: 'ip6', table: 't' })).tables[0]?.chains.has('d')).toBe(false);
    await expect(client.list({ family: 'ip', table: 't' })).rejects.toMatchObject({ name: 'NotFoundError' });
    client.failNextApply(new Error('boom'));
    await expect(client.apply(new Transaction({ family: 'ip6', table: 't' }).add({ chain: { name: 'e' } }))).rejects.toThrow('boom');
    await client.apply(new Transaction({ family: 'ip6', table: 't' }).add({ chain: { name: 'e' } }));
    expect((await client.list({ ruleset: true })).tables[0]?.chains.has('e')).toBe(true);
    await expect(client.apply(new Transaction().add({ table: { name: 'x' } }))).rejects.toMatchObject({ name: 'InvalidCommandError' });
    expect(client.stats).toMatchObject({ applies: 2, checks: 1, rejected: 1 });
    expect((await client.version()).json).toBe(true);
  });
});
