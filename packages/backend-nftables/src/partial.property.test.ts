import { describe, expect, it } from '@jest/globals';
import { silentLogger, systemClock } from '@kproxy/api';
import type { Components } from '@kproxy/api';
import { scriptedExecutor } from '@kproxy/exec/testing';
import { fakeNftClient } from '@kproxy/nftables-json/testing';
import type { FakeNftClient } from '@kproxy/nftables-json/testing';
import fc from 'fast-check';
import { nodeArb, nodeToV6, portToV6, servicePortsArb } from '../test/arbitraries.ts';
import { findTable, Transaction } from '@kproxy/nftables-json';
import type { RulesetTable } from '@kproxy/nftables-json';
import { nftablesBackend } from './backend.ts';
import { SET } from './names.ts';
import { reconcile } from './reconcile.ts';
import { stateOf } from './testing/index.ts';

const components: Components = { logger: silentLogger, clock: systemClock, executor: scriptedExecutor() };

/** The fake's listing without what legitimately differs between equal rulesets (handles, object order). */
function normalised(client: FakeNftClient): unknown {
  const out: Record<string, unknown> = {};
  for (const item of client.ruleset.dump().nftables) {
    const [kind, body] = Object.entries(item)[0] as [string, Record<string, unknown>];
    if (kind === 'metainfo') continue;
    const { handle: _h, ...rest } = body;
    if (Array.isArray(rest['elem'])) rest['elem'] = (rest['elem'] as unknown[]).map((e) => JSON.stringify(e)).sort();
    const key = kind === 'rule' ? `rule ${String(body['chain'])}` : `${kind} ${String(body['name'])}`;
    const list = (out[key] ??= []) as unknown[];
    list.push(rest);
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

describe('partial syncs over the fake', () => {
  it('any sequence of partial syncs leaves the ruleset one full sync of the final state makes (ip and ip6)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(servicePortsArb(8), { minLength: 2, maxLength: 6 }), nodeArb, fc.boolean(), async (steps4, node4, six) => {
        const nodeCtx = six ? nodeToV6(node4) : node4;
        const steps = six ? steps4.map((ports) => ports.map(portToV6)) : steps4;
        const client = fakeNftClient();
        const backend = nftablesBackend({ family: nodeCtx.family, client: () => client })(components);
        for (const [i, ports] of steps.entries()) {
          const r = await backend.sync(stateOf(ports, nodeCtx));
          expect(r.full).toBe(i === 0);
        }
        const fresh = fakeNftClient();
        await nftablesBackend({ family: nodeCtx.family, client: () => fresh })(components).sync(stateOf(steps[steps.length - 1] ?? [], nodeCtx));
        expect(normalised(client)).toEqual(normalised(fresh));
      }),
      { numRuns: 60 },
    );
  }, 60_000);

  it('node changes between syncs (reconciles over a listed table) converge the same way', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(servicePortsArb(6), nodeArb), { minLength: 2, maxLength: 5 }), async (steps) => {
        const client = fakeNftClient();
        const backend = nftablesBackend({ client: () => client })(components);
        for (const [ports, nodeCtx] of steps) await backend.sync(stateOf(ports, nodeCtx));
        const [lastPorts, lastNode] = steps[steps.length - 1] ?? [[], undefined];
        const fresh = fakeNftClient();
        await nftablesBackend({ client: () => fresh })(components).sync(stateOf(lastPorts, lastNode));
        expect(normalised(client)).toEqual(normalised(fresh));
      }),
      { numRuns: 40 },
    );
  }, 60_000);

  it('a reconcile over a cheap start-up listing (no slot or hairpin elements, rules or not) converges', async () => {
    await fc.assert(
      fc.asyncProperty(servicePortsArb(8), servicePortsArb(8), fc.boolean(), fc.boolean(), nodeArb, async (before, other, same, rulesListed, nodeCtx) => {
        const after = same ? before : other;
        const client = fakeNftClient();
        await nftablesBackend({ family: nodeCtx.family, client: () => client })(components).sync(stateOf(before, nodeCtx));
        const fam = nodeCtx.family === 'IPv4' ? 'ip' : 'ip6';
        const listed = findTable(await client.list({ family: fam, table: 'kube-proxy' }), fam, 'kube-proxy');
        if (!listed) throw new Error('no table');
        // What the cheap listings see: the slot maps' and the hairpin set's definitions only, and the chains with
        // their rules (`nft -t list ruleset`, data maps) or without (a chain per port).
        const unlisted = new Set<string>([SET.serviceEndpoints, SET.nodePortEndpoints, SET.hairpin]);
        const cheap: RulesetTable = {
          ...listed,
          chains: rulesListed ? listed.chains : new Map([...listed.chains].map(([name, c]) => [name, { ...c, rules: [] }])),
          sets: new Map([...listed.sets].map(([name, s]) => [name, unlisted.has(name) ? { ...s, elements: [] } : s])),
        };
        const how = { rulesListed, slotsListed: false, hairpinListed: false };
        let r = reconcile(stateOf(after, nodeCtx), cheap, {}, how);
        // Nothing changed and no key claimed twice: nothing more to list, nothing to write.
        if (same && !r.memo.claims.hasConflicts()) expect(r.needsListing).toBeUndefined();
        if (r.needsListing) {
          expect(r.needsListing).toEqual([SET.hairpin]);
          expect(r.transaction.size).toBe(0);
          const hairpin = listed.sets.get(SET.hairpin);
          const withHairpin: RulesetTable = { ...cheap, sets: new Map([...cheap.sets, ...(hairpin ? [[SET.hairpin, hairpin] as const] : [])]) };
          r = reconcile(stateOf(after, nodeCtx), withHairpin, {}, { ...how, hairpinListed: true });
        }
        if (same) expect(r.transaction.size).toBe(0);
        await client.apply(r.transaction);
        const stale = new Transaction({ family: fam, table: 'kube-proxy' });
        for (const name of r.staleChains) stale.delete({ chain: { name } });
        await client.apply(stale);
        const fresh = fakeNftClient();
        await nftablesBackend({ family: nodeCtx.family, client: () => fresh })(components).sync(stateOf(after, nodeCtx));
        expect(normalised(client)).toEqual(normalised(fresh));
      }),
      { numRuns: 100 },
    );
  }, 60_000);
});
