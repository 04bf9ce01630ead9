import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { spawnExecutor } from '@kproxy/exec';
import { createNetns, netnsSupport } from '@kproxy/netns';
import type { Netns } from '@kproxy/netns';
import { nftables } from './client.ts';
import type { NftClient } from './client.ts';
import { rulesetToJSON } from './ruleset.ts';
import type { Statement } from './schema.ts';
import { Transaction } from './transaction.ts';
import { nameProblem } from './validate.ts';

const support = await netnsSupport();
const nftFound = (await spawnExecutor().run('nft', ['--version']).catch(() => ({ exitCode: 127 }))).exitCode === 0;
const reason = !support.ok ? support.reason : !nftFound ? 'nft is not installed' : '';
if (reason) console.warn(`skipping nft kernel tests: ${reason}`);
const maybe = reason ? describe.skip : describe;

const HOSTILE = [
  'quote " and \' and \\ backslash',
  'new\nline and\ttab',
  'unicode ✓ 名前 🚀',
  '; flush ruleset',
  '$(reboot) `x` */',
];

maybe('nftables() against the kernel (in a throw-away namespace)', () => {
  let ns: Netns;
  let client: NftClient;
  beforeAll(async () => {
    ns = await createNetns('kpnj');
    client = nftables({ executor: ns.executor });
  });
  afterAll(async () => {
    await ns?.remove();
  });

  it('applies small batches through one nft -i session: atomically, refusals reported, after other nft processes changed the table', async () => {
    const t = (name = 'kpsession') => new Transaction({ family: 'ip', table: name });
    const viaProcess = nftables({ executor: ns.executor, session: false });
    await viaProcess.apply(t().add({ table: {} }).add({ set: { name: 's', type: 'ipv4_addr' } }));
    const first = await client.apply(t().add({ element: { name: 's', elem: ['10.0.0.1'] } }).add({ element: { name: 's', elem: ['10.0.0.2'] } }));
    expect(first).toMatchObject({ operations: 2, session: true });
    // One batch, one transaction: the refused delete takes the add with it.
    await expect(client.apply(t().add({ element: { name: 's', elem: ['10.0.0.3'] } }).delete({ element: { name: 's', elem: ['10.0.0.9'] } }))).rejects.toMatchObject({
      name: 'KernelRejectedError',
    });
    // A set created by another nft process is seen by the session's next batch.
    await viaProcess.apply(t().add({ set: { name: 'later', type: 'ipv4_addr' } }));
    expect(await client.apply(t().add({ element: { name: 'later', elem: ['10.0.0.4'] } }).delete({ element: { name: 's', elem: ['10.0.0.1'] } }))).toMatchObject({ session: true });
    const listed = JSON.stringify(rulesetToJSON(await client.list({ family: 'ip', table: 'kpsession' })));
    expect(listed).toContain('10.0.0.2');
    expect(listed).toContain('10.0.0.4');
    expect(listed).not.toContain('10.0.0.1');
    expect(listed).not.toContain('10.0.0.3');
    await viaProcess.apply(t().add({ table: {} }).delete({ table: {} }));
    client.close?.();
  });

  it('detects the version with JSON support', async () => {
    const v = await client.version();
    expect(v.json).toBe(true);
    expect(v.parts[0]).toBeGreaterThanOrEqual(0);
  });

  it('applies a transaction, lists it back, and hostile strings survive exactly', async () => {
    const table = 'kp "weird" ✓';
    const tx = new Transaction({ family: 'ip', table });
    tx.add({ table: {} })
      .add({ chain: { name: 'pre', type: 'nat', hook: 'prerouting', prio: -100, policy: 'accept' } })
      .add({ chain: { name: 'svc "x"/tcp' } })
      .add({ set: { name: 'aff', type: ['ipv4_addr', 'inet_service'], flags: ['timeout'], timeout: 10800 } })
      .add({ map: { name: 'svcs', type: ['ipv4_addr', 'inet_proto', 'inet_service'], map: 'verdict' } })
      .add({
        element: {
          name: 'svcs',
          elem: [[{ concat: ['10.96.0.1', 'tcp', 443] }, { goto: { target: 'svc "x"/tcp' } }]],
        },
      });
    const vmap: Statement = {
      vmap: {
        key: { concat: [{ payload: { protocol: 'ip', field: 'daddr' } }, { meta: { key: 'l4proto' } }, { payload: { protocol: 'th', field: 'dport' } }] },
        data: '@svcs',
      },
    };
    tx.add({ rule: { chain: 'pre', expr: [vmap] } });
    for (const comment of HOSTILE) {
      tx.add({ rule: { chain: 'svc "x"/tcp', expr: [{ counter: null }], comment } });
    }
    tx.add({
      rule: {
        chain: 'svc "x"/tcp',
        expr: [
          { match: { op: '==', left: { meta: { key: 'l4proto' } }, right: 'tcp' } },
          { match: { op: '==', left: { numgen: { mode: 'random', mod: 2 } }, right: 0 } },
          { dnat: { addr: '10.1.0.1', port: 8080 } },
        ],
      },
    });
    await client.apply(tx);
    const rs = await client.list({ family: 'ip', table });
    expect(rs.tables.map((t) => t.table.name)).toEqual([table]);
    const t = rs.tables[0];
    const chain = t?.chains.get('svc "x"/tcp');
    expect(chain?.rules.map((r) => r.comment)).toEqual([...HOSTILE, undefined]);
    expect(t?.chains.get('pre')?.chain).toMatchObject({ type: 'nat', hook: 'prerouting', prio: -100, policy: 'accept' });
    expect(t?.chains.get('pre')?.rules[0]?.expr).toEqual([vmap]);
    expect(t?.sets.get('svcs')?.elements).toEqual([[{ concat: ['10.96.0.1', 'tcp', 443] }, { goto: { target: 'svc "x"/tcp' } }]]);
    expect(t?.sets.get('aff')?.set).toMatchObject({ type: ['ipv4_addr', 'inet_service'], timeout: 10800 });
    expect(chain?.rules[HOSTILE.length]?.expr).toEqual([
      { match: { op: '==', left: { meta: { key: 'l4proto' } }, right: 'tcp' } },
      { match: { op: '==', left: { numgen: { mode: 'random', mod: 2, offset: 0 } }, right: 0 } },
      { dnat: { addr: '10.1.0.1', port: 8080 } },
    ]);

    // Round trip: what was listed, re-applied into a fresh table of another name, lists the same.
    const copy = new Transaction({ family: 'ip', table: 'copy' }).add({ table: {} });
    for (const s of t?.sets.values() ?? []) {
      if (s.kind === 'set') {
        const { handle: _h, ...rest } = s.set;
        copy.add({ set: { ...rest, table: 'copy' } });
      } else {
        const { handle: _h, ...rest } = s.set;
        copy.add({ map: { ...rest, table: 'copy' } });
      }
    }
    for (const c of t?.chains.values() ?? []) {
      const { handle: _h, ...rest } = c.chain;
      copy.add({ chain: { ...rest, table: 'copy' } });
    }
    for (const s of t?.sets.values() ?? []) {
      if (s.elements.length > 0) copy.add({ element: { name: s.set.name, elem: s.elements } });
    }
    for (const c of t?.chains.values() ?? []) {
      for (const r of c.rules) {
        const { handle: _h, ...rest } = r;
        copy.add({ rule: { ...rest, table: 'copy', expr: rest.expr?.map((st) => ('counter' in st ? { counter: null } : st)) } });
      }
    }
    expect(copy.error).toBeUndefined();
    await client.apply(copy);
    const again = await client.list({ family: 'ip', table: 'copy' });
    const strip = (v: unknown) =>
      JSON.parse(JSON.stringify(v, (k, x: unknown) => (k === 'handle' ? undefined : k === 'table' && x === 'copy' ? table : k === 'name' && x === 'copy' ? table : x))) as unknown;
    expect(strip(rulesetToJSON(again))).toEqual(strip(rulesetToJSON(rs)));
  });

  it('is atomic: a failing command leaves nothing of its transaction behind', async () => {
    const tx = new Transaction({ family: 'ip', table: 'atomic' });
    tx.add({ table: {} }).add({ chain: { name: 'a' } }).add({ rule: { chain: 'a', expr: [{ jump: { target: 'missing' } }] } });
    await expect(client.apply(tx)).rejects.toMatchObject({ name: 'KernelRejectedError' });
    await expect(client.list({ family: 'ip', table: 'atomic' })).rejects.toMatchObject({ name: 'NotFoundError' });
  });

  it('check (nft -c) validates without applying', async () => {
    const tx = new Transaction({ family: 'ip', table: 'checked' }).add({ table: {} }).add({ chain: { name: 'c' } });
    await client.check(tx);
    await expect(client.list({ family: 'ip', table: 'checked' })).rejects.toMatchObject({ name: 'NotFoundError' });
    const bad = new Transaction({ family: 'ip', table: 'checked' }).add({ rule: { chain: 'nochain', expr: [{ accept: null }] } });
    await expect(client.check(bad)).rejects.toMatchObject({ name: 'KernelRejectedError' });
  });

  it('sends a large transaction through a file and it loads', async () => {
    const tx = new Transaction({ family: 'ip', table: 'big' }).add({ table: {} }).add({ chain: { name: 'c' } });
    for (let i = 0; i < 2000; i++) {
      tx.add({ rule: { chain: 'c', expr: [{ match: { op: '==', left: { payload: { protocol: 'ip', field: 'daddr' } }, right: `10.0.${i >> 8}.${i & 255}` } }, { accept: null }], comment: `rule ${i} ✓` } });
    }
    const result = await client.apply(tx);
    expect(result.bytes).toBeGreaterThan(65_536);
    const rs = await client.list({ family: 'ip', table: 'big' });
    expect(rs.tables[0]?.chains.get('c')?.rules).toHaveLength(2000);
  });

  it('random names and comments (any unicode, quotes, newlines in comments) survive exactly', async () => {
    const nameArb = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 60 })
      .filter((s) => nameProblem(s) === undefined);
    const commentArb = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => Buffer.byteLength(s) <= 128 && !s.includes('\u0000'));
    await fc.assert(
      fc.asyncProperty(nameArb, nameArb, commentArb, async (table, chain, comment) => {
        const tx = new Transaction({ family: 'inet', table }).add({ table: {} }).add({ chain: { name: chain } });
        tx.add({ rule: { chain, expr: [{ counter: null }], ...(comment === '' ? {} : { comment }) } });
        expect(tx.error).toBeUndefined();
        await client.apply(tx);
        const rs = await client.list({ family: 'inet', table });
        const c = rs.tables[0]?.chains.get(chain);
        expect(rs.tables[0]?.table.name).toBe(table);
        expect(c?.rules[0]?.comment).toBe(comment === '' ? undefined : comment);
        await client.apply(new Transaction({ family: 'inet', table }).delete({ table: {} }));
      }),
      { numRuns: 40, interruptAfterTimeLimit: 30_000 },
    );
  });

  it('classifies a missing nft as ExecError', async () => {
    const missing = nftables({ executor: ns.executor, nftPath: '/nonexistent/nft' });
    await expect(missing.apply(new Transaction({ family: 'ip', table: 'x' }).add({ table: {} }))).rejects.toMatchObject({ name: 'ExecError' });
  });
});
