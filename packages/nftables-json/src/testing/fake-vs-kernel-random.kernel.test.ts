import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { spawnExecutor } from '@kproxy/exec';
import { createNetns, netnsSupport } from '@kproxy/netns';
import type { Netns } from '@kproxy/netns';
import { nftables } from '../client.ts';
import { rulesetToJSON } from '../ruleset.ts';
import type { Command, NftablesDocument, Statement } from '../schema.ts';
import { FakeRuleset } from './fake-ruleset.ts';
import { normalizeListing } from './scenarios.ts';

const support = await netnsSupport();
const nftFound = (await spawnExecutor().run('nft', ['--version']).catch(() => ({ exitCode: 127 }))).exitCode === 0;
const reason = !support.ok ? support.reason : !nftFound ? 'nft is not installed' : '';
if (reason) console.warn(`skipping random fake-vs-kernel tests: ${reason}`);
const maybe = reason ? describe.skip : describe;

const at = { family: 'ip', table: 'kp' } as const;
const CHAINS = ['a', 'b', 'c'];
const ADDRS = ['10.0.0.1', '10.0.0.2', 'fd00::1'];

const chainName = fc.constantFrom(...CHAINS);
const statement: fc.Arbitrary<Statement[]> = fc.oneof(
  fc.constant<Statement[]>([{ counter: null }]),
  chainName.map<Statement[]>((t) => [{ jump: { target: t } }]),
  fc.constant<Statement[]>([{ match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: '@s' } }, { drop: null }]),
  fc.constant<Statement[]>([
    { vmap: { key: { concat: [{ payload: { protocol: 'ip', field: 'daddr' } }, { payload: { protocol: 'th', field: 'dport' } }] }, data: '@m' } },
  ]),
  fc.tuple(chainName, chainName).map<Statement[]>(([x, y]) => [
    { vmap: { key: { numgen: { mode: 'random', mod: 2 } }, data: { set: [[0, { goto: { target: x } }], [1, { goto: { target: y } }]] } } },
  ]),
  fc.boolean().map<Statement[]>((l4) => [
    ...(l4 ? [{ match: { op: '==', left: { meta: { key: 'l4proto' } }, right: 'tcp' } } as Statement] : []),
    { dnat: { addr: '10.9.0.1', port: 80 } },
  ]),
);

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.tuple(fc.constantFrom('add', 'create', 'delete', 'flush'), chainName).map(([verb, name]) => ({ [verb]: { chain: { ...at, name } } }) as unknown as Command),
  fc.tuple(fc.constantFrom(...CHAINS, 'pre'), statement).map(([chain, expr]) => ({ add: { rule: { ...at, chain, expr } } })),
  fc.tuple(chainName, fc.integer({ min: 1, max: 30 })).map(([chain, handle]) => ({ delete: { rule: { ...at, chain, handle } } })),
  fc.tuple(fc.constantFrom('add', 'create', 'delete'), fc.constantFrom(...ADDRS)).map(
    ([verb, a]) => ({ [verb]: { element: { ...at, name: 's', elem: [a] } } }) as unknown as Command,
  ),
  fc.tuple(fc.constantFrom('add', 'delete'), fc.constantFrom('10.96.0.1', '10.96.0.2'), chainName).map(
    ([verb, a, t]) => ({ [verb]: { element: { ...at, name: 'm', elem: [[{ concat: [a, 80] }, { goto: { target: t } }]] } } }) as unknown as Command,
  ),
  fc.constantFrom<Command>(
    { flush: { set: { ...at, name: 's' } } },
    { flush: { map: { ...at, name: 'm' } } },
    { delete: { set: { ...at, name: 's' } } },
    { add: { set: { ...at, name: 's', type: 'ipv4_addr' } } },
    { flush: { table: { family: 'ip', name: 'kp' } } },
  ),
);

const SETUP: NftablesDocument = {
  nftables: [
    { add: { table: { family: 'ip', name: 'kp' } } },
    { add: { chain: { ...at, name: 'pre', type: 'nat', hook: 'prerouting', prio: -100 } } },
    { add: { set: { ...at, name: 's', type: 'ipv4_addr' } } },
    { add: { map: { ...at, name: 'm', type: ['ipv4_addr', 'inet_service'], map: 'verdict' } } },
    ...CHAINS.map((name) => ({ add: { chain: { ...at, name } } })),
  ],
};

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
      fc.asyncProperty(fc.array(fc.array(command, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 8 }), async (txs) => {
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
