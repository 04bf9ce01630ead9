import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnExecutor } from '@kproxy/exec';
import { createNetns, netnsSupport } from '@kproxy/netns';
import type { Netns } from '@kproxy/netns';
import { listCommand, nftables } from '../client.ts';
import type { ListTarget } from '../client.ts';
import type { ListOutput } from '../schema.ts';
import { sampleTransaction } from './sample-ruleset.ts';
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

  it('partial listings (chain, set, map, all chains) have the kernel\'s exact shape', async () => {
    const client = nftables({ executor: ns.executor });
    await ns.run('nft', ['flush', 'ruleset']);
    const tx = sampleTransaction();
    await client.apply(tx);
    const fake = new FakeRuleset();
    fake.apply(tx.commands);
    const targets: ListTarget[] = [
      { chains: true },
      { family: 'ip', table: 'kp', chain: 'svc-a' },
      { family: 'ip', table: 'kp', chain: 'services' },
      { family: 'ip', table: 'kp', set: 'hairpin' },
      { family: 'ip', table: 'kp', set: 'allowed-sources' },
      { family: 'ip', table: 'kp', map: 'service-ips' },
      { family: 'ip', table: 'kp' },
    ];
    for (const target of targets) {
      const cmd = listCommand(target);
      const raw = await ns.run('nft', cmd === undefined ? ['-j', 'list', 'chains'] : ['-j', JSON.stringify({ nftables: [cmd] })]);
      expect({ target, listing: normalizeListing(fake.dump(target)) }).toEqual({ target, listing: normalizeListing(JSON.parse(raw.stdout) as ListOutput) });
      expect(normalizeListing(rulesetToJSON(await client.list(target)))).toEqual(normalizeListing(rulesetToJSON(fake.snapshot(target))));
    }
    for (const missing of [{ family: 'ip', table: 'kp', chain: 'nope' }, { family: 'ip', table: 'kp', map: 'hairpin' }] as ListTarget[]) {
      await expect(client.list(missing)).rejects.toMatchObject({ name: 'NotFoundError' });
      expect(() => fake.dump(missing)).toThrow(expect.objectContaining({ name: 'NotFoundError' }));
    }
  });
});
