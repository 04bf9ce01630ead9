import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { spawnExecutor } from '@kproxy/exec';
import { createNetns, netnsSupport } from '@kproxy/netns';
import type { Netns } from '@kproxy/netns';
import { nftables } from '../client.ts';
import { rulesetToJSON } from '../ruleset.ts';
import type { NftablesDocument } from '../schema.ts';
import { FakeRuleset } from './fake-ruleset.ts';
import { RANDOM_SETUP as SETUP, randomBatchesArb } from './random-commands.ts';
import { normalizeListing } from './scenarios.ts';

const support = await netnsSupport();
const nftFound = (await spawnExecutor().run('nft', ['--version']).catch(() => ({ exitCode: 127 }))).exitCode === 0;
const reason = !support.ok ? support.reason : !nftFound ? 'nft is not installed' : '';
if (reason) console.warn(`skipping random fake-vs-kernel tests: ${reason}`);
const maybe = reason ? describe.skip : describe;

maybe('the fake agrees with the kernel on random transaction sequences', () => {
  let ns: Netns;
  beforeAll(async () => {
    ns = await createNetns('kpnjr');
  });
  afterAll(async () => {
    await ns?.remove();
  });

  it('same accept/reject for every transaction, same listing (handles included) at the end', async () => {
    const client = nftables({ executor: ns.executor });
    await fc.assert(
      fc.asyncProperty(randomBatchesArb(), async (txs) => {
        await ns.run('nft', ['flush', 'ruleset']);
        const fake = new FakeRuleset();
        await client.apply(SETUP);
        fake.apply(SETUP.nftables);
        const outcomes: string[] = [];
        for (const cmds of txs) {
          const doc: NftablesDocument = { nftables: cmds };
          const kernel = (await ns.executor.run('nft', ['-j', JSON.stringify(doc)])).exitCode === 0;
          let faked = true;
          try {
            fake.apply(cmds);
          } catch {
            faked = false;
          }
          outcomes.push(`${JSON.stringify(cmds)} kernel=${kernel} fake=${faked}`);
          if (kernel !== faked) throw new Error(`disagreement:\n${outcomes.join('\n')}`);
        }
        const real = rulesetToJSON(await client.list({ ruleset: true }));
        const mine = fake.dump();
        // Same content (order-insensitive for elements), and the same rule handles chain by chain.
        expect(normalizeListing(mine)).toEqual(normalizeListing(real));
        const handles = (out: typeof real) =>
          (out.nftables as unknown[]).flatMap((i) => (typeof i === 'object' && i !== null && 'rule' in i ? [`${(i as { rule: { chain: string; handle?: number } }).rule.chain}#${(i as { rule: { handle?: number } }).rule.handle}`] : []));
        expect(handles(mine)).toEqual(handles(real));
      }),
      { numRuns: Number(process.env['FC_RUNS'] ?? 60), interruptAfterTimeLimit: 100_000 },
    );
  }, 120_000);
});
