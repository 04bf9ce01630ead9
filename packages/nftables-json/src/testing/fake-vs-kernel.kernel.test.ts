import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnExecutor } from '@kproxy/exec';
import { createNetns, netnsSupport } from '@kproxy/netns';
import type { Netns } from '@kproxy/netns';
import { nftables } from '../client.ts';
import { rulesetToJSON } from '../ruleset.ts';
import { FakeRuleset } from './fake-ruleset.ts';
import { normalizeListing, SCENARIOS } from './scenarios.ts';

const support = await netnsSupport();
const nftFound = (await spawnExecutor().run('nft', ['--version']).catch(() => ({ exitCode: 127 }))).exitCode === 0;
const reason = !support.ok ? support.reason : !nftFound ? 'nft is not installed' : '';
if (reason) console.warn(`skipping fake-vs-kernel tests: ${reason}`);
const maybe = reason ? describe.skip : describe;

maybe('the fake agrees with the kernel', () => {
  let ns: Netns;
  beforeAll(async () => {
    ns = await createNetns('kpnjf');
  });
  afterAll(async () => {
    await ns?.remove();
  });

  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    const client = nftables({ executor: ns.executor });
    await ns.run('nft', ['flush', 'ruleset']);
    const fake = new FakeRuleset();
    const kernel: boolean[] = [];
    const faked: boolean[] = [];
    for (const doc of scenario.txs) {
      // Straight to nft, bypassing the client's own validation: this asks the kernel (and nft), not us.
      kernel.push((await ns.executor.run('nft', ['-j', JSON.stringify(doc)])).exitCode === 0);
      try {
        fake.apply(doc.nftables);
        faked.push(true);
      } catch {
        faked.push(false);
      }
    }
    expect({ kernel }).toEqual({ kernel: scenario.ok });
    expect(faked).toEqual(kernel);
    const real = normalizeListing(rulesetToJSON(await client.list({ ruleset: true })));
    expect(normalizeListing(fake.dump())).toEqual(real);
  });
});
