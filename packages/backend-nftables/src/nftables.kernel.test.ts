import { spawnSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { silentLogger, systemClock } from '@kproxy/api';
import type { Components, ProxyState } from '@kproxy/api';
import { netnsSupport, withNetns } from '@kproxy/netns';
import type { Netns } from '@kproxy/netns';
import { nftables, parseRuleset, trace } from '@kproxy/nftables-json';
import fc from 'fast-check';
import { hostileStateArb, nodeToV6, portToV6, servicePortsArb } from '../test/arbitraries.ts';
import { loadFixtures } from '../test/fixtures.ts';
import { nftablesBackend } from './backend.ts';
import { render } from './render.ts';
import { ep, node, stateOf, svcPort } from './testing/index.ts';

const support = await netnsSupport();
const nftOk = support.ok && spawnSync('nft', ['--version']).status === 0;
if (!nftOk) console.warn(`skipping nftables kernel tests: ${support.ok ? 'nft not found' : support.reason}`);
const maybe = nftOk ? describe : describe.skip;

function components(ns: Netns): Components {
  return { logger: silentLogger, clock: systemClock, executor: ns.executor };
}

/** `nft -j list table` with what legitimately differs between equal rulesets removed (handles, order). */
async function normalisedTable(ns: Netns, family = 'ip', table = 'kube-proxy'): Promise<unknown> {
  const out = await ns.run('nft', ['-j', 'list', 'table', family, table]);
  const items = (JSON.parse(out.stdout) as { nftables: Record<string, Record<string, unknown>>[] }).nftables;
  const strip = (o: Record<string, unknown>) => {
    const c = { ...o };
    delete c['handle'];
    if (Array.isArray(c['elem'])) c['elem'] = (c['elem'] as unknown[]).map((e) => JSON.stringify(e)).sort();
    return c;
  };
  const chains: Record<string, unknown> = {};
  const sets: Record<string, unknown> = {};
  const rules: Record<string, unknown[]> = {};
  for (const item of items) {
    const [kind, body] = Object.entries(item)[0] as [string, Record<string, unknown>];
    if (kind === 'chain') chains[String(body['name'])] = strip(body);
    if (kind === 'set' || kind === 'map') sets[String(body['name'])] = { kind, ...strip(body) };
    if (kind === 'rule') (rules[String(body['chain'])] ??= []).push(strip(body));
  }
  const sortObj = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { chains: sortObj(chains), sets: sortObj(sets), rules: sortObj(rules) };
}

const sample = (): ProxyState =>
  stateOf([
    svcPort({ eps: [ep('10.180.0.1', 80), ep('10.180.0.2', 80, { isLocal: true })] }),
    svcPort({
      svc: 'svc2',
      clusterIP: '172.30.0.42',
      nodePort: 3001,
      externalIPs: ['192.168.99.1'],
      loadBalancerIPs: ['5.6.7.8'],
      loadBalancerSourceRanges: ['203.0.113.0/25', '192.168.0.0/24'],
      externalPolicyLocal: true,
      sessionAffinity: { type: 'ClientIP', timeoutSeconds: 10800 },
      eps: [ep('10.180.0.3', 8080), ep('10.180.0.4', 8080, { isLocal: true })],
    }),
    svcPort({ svc: 'svc3', clusterIP: '172.30.0.43', nodePort: 3002 }),
    svcPort({ svc: 'svc4', clusterIP: '172.30.0.44', internalPolicyLocal: true, eps: [ep('10.180.0.5', 80)], protocol: 'UDP' }),
  ]);

maybe('nftables backend on the real kernel', () => {
  it('loads a full ruleset, reports no change on a second sync, and cleans up idempotently', async () => {
    await withNetns(async (ns) => {
      const backend = nftablesBackend({ serviceCIDRs: ['172.30.0.0/16'] })(components(ns));
      const first = await backend.sync(sample());
      expect(first.full).toBe(true);
      expect(first.operations).toBeGreaterThan(20);
      const listed = await ns.run('nft', ['list', 'table', 'ip', 'kube-proxy']);
      // svc1 goes through the data maps; svc2 (affinity, Local external policy) keeps its chains.
      expect(listed.stdout).toMatch(/set service-ips-2 \{[^}]*172\.30\.0\.41 \. tcp \. 80/);
      expect(listed.stdout).toContain('172.30.0.41 . tcp . 80 . 1 : 10.180.0.2 . 80');
      expect(listed.stdout).toContain('chain service-QCIBCZ4I-ns1/svc2/tcp/p80');
      expect(listed.stdout).toContain('flags dynamic,timeout');
      const again = await backend.sync(sample());
      expect(again).toEqual({ full: false, operations: 0, bytes: 0 });
      // A restart reads the table and writes nothing when it is already right.
      const restarted = nftablesBackend({ serviceCIDRs: ['172.30.0.0/16'] })(components(ns));
      const plan = await restarted.plan(sample());
      expect(plan.operations).toBe(0);
      await backend.cleanup();
      await backend.cleanup();
      const tables = await ns.run('nft', ['list', 'tables']);
      expect(tables.stdout).not.toContain('kube-proxy');
    }, 'kpnft');
  });

  it('loads every golden fixture (both families) and reconciles it to no change', async () => {
    await withNetns(async (ns) => {
      for (const f of loadFixtures()) {
        const backend = nftablesBackend({ ...f.options, family: f.state.family })(components(ns));
        const first = await backend.sync(f.state);
        expect(first.full).toBe(true);
        const restarted = nftablesBackend({ ...f.options, family: f.state.family })(components(ns));
        expect((await restarted.plan(f.state)).operations).toBe(0);
        await backend.cleanup();
      }
    }, 'kpnft');
  });

  it('a restart after `nft flush table` notices the empty canary chain and rewrites every chain', async () => {
    await withNetns(async (ns) => {
      await nftablesBackend()(components(ns)).sync(sample());
      const want = await normalisedTable(ns);
      await ns.run('nft', ['flush', 'table', 'ip', 'kube-proxy']);
      const r = await nftablesBackend()(components(ns)).sync(sample());
      expect(r.operations).toBeGreaterThan(20);
      expect(await normalisedTable(ns)).toEqual(want);
    }, 'kpnft');
  });

  it.each([
    ['data maps', {}],
    ['chains only', { dataMaps: false }],
  ] as const)('a restart with a changed state rewrites only the changed port, over a cheap listing (%s)', async (layout, opts) => {
    await withNetns(async (ns) => {
      await nftablesBackend(opts)(components(ns)).sync(sample());
      const unchanged: string[] = [];
      const calls: string[] = [];
      const recording = (into: string[]): Components => ({
        ...components(ns),
        executor: { run: (file, args, o) => (into.push(args.join(' ')), ns.executor.run(file, args, o)) },
      });
      // A restart over the same state writes nothing and never lists the large sets.
      expect((await nftablesBackend(opts)(recording(unchanged)).sync(sample())).operations).toBe(0);
      const changed = stateOf([...sample().servicePorts.values()].map((p) => (p.name.name === 'svc1' ? svcPort({ eps: [ep('10.180.0.9', 80)] }) : p)));
      const r = await nftablesBackend(opts)(recording(calls)).sync(changed);
      expect(r.operations).toBeGreaterThan(0);
      expect(r.operations).toBeLessThan(10);
      const lists = calls.filter((c) => c.includes('list'));
      const large = (c: string) => /^-j list (ruleset|sets|maps)|"list":\{"table"|service-endpoints|nodeport-endpoints|hairpin-endpoints/.test(c);
      expect(unchanged.filter((c) => c.includes('list')).filter(large)).toEqual([]);
      if (layout === 'data maps') {
        // Every rule and definition at once (`-t`: no element), then the elements of the small sets and maps.
        expect(lists).toEqual(expect.arrayContaining(['-j -t list ruleset ip', '-j list set ip kube-proxy cluster-ips', '-j list map ip kube-proxy service-ips', '-j list set ip kube-proxy service-ips-1']));
      } else {
        // Chains without rules, definitions, the small sets' and maps' elements, and the canary chain.
        expect(lists).toEqual(expect.arrayContaining(['-j list chains ip', '-j -t list sets ip', '-j -t list maps ip', '-j list chain ip kube-proxy services', '-j list map ip kube-proxy service-ips']));
      }
      // Not the table, the slot maps' elements or (but once, because svc1's endpoints changed) the hairpin pairs.
      expect(lists.filter((c) => large(c) && !c.includes('hairpin-endpoints'))).toEqual([]);
      expect(lists.filter((c) => c.includes('hairpin-endpoints'))).toHaveLength(1);
      const want = await normalisedTable(ns);
      const fresh = nftablesBackend(opts)(components(ns));
      await fresh.cleanup();
      await fresh.sync(changed);
      expect(await normalisedTable(ns)).toEqual(want);
    }, 'kpnft');
  });

  it('repairs a table someone flushed, on the next full sync', async () => {
    await withNetns(async (ns) => {
      const backend = nftablesBackend()(components(ns));
      await backend.sync(sample());
      const want = await normalisedTable(ns);
      await ns.run('nft', ['flush', 'chain', 'ip', 'kube-proxy', 'services']);
      await ns.run('nft', ['flush', 'map', 'ip', 'kube-proxy', 'service-ips']);
      const r = await backend.sync(sample(), { full: true });
      expect(r.operations).toBeGreaterThan(0);
      // The `services` chain's rules again (its data-map rules included), the map's elements: nothing else.
      const servicesRules = (want as { rules: Record<string, unknown[]> }).rules['services']?.length ?? 0;
      expect(r.operations).toBeLessThan(servicesRules + 10);
      expect(await normalisedTable(ns)).toEqual(want);
    }, 'kpnft');
  });

  it('data maps DNAT every protocol as listed by the kernel, after a full load and after the services chain is rewritten', async () => {
    // nft 1.0.6 silently adds `meta l4proto tcp` to the first rule of a batch that uses a typeof map (see
    // base.ts); the kernel's own listing shows it, so trace TCP, UDP and SCTP through that listing.
    const ports = (['TCP', 'UDP', 'SCTP'] as const).flatMap((protocol, p) =>
      [1, 2, 3].map((n) =>
        svcPort({
          svc: `s${protocol}${n}`,
          protocol,
          clusterIP: `172.30.1.${p * 10 + n}`,
          nodePort: 30000 + p * 10 + n,
          eps: Array.from({ length: n }, (_, i) => ep(`10.180.1.${i + 1}`, 8000 + n)),
        }),
      ),
    );
    await withNetns(async (ns) => {
      const check = async (when: string) => {
        const rs = parseRuleset(JSON.parse((await ns.run('nft', ['-j', 'list', 'ruleset'])).stdout));
        for (const sp of ports) {
          const n = sp.endpoints.length;
          const want = sp.endpoints.map((e) => `${e.ip}:${e.port}`).sort();
          for (const [dst, dport] of [[sp.clusterIP, sp.port], ['192.168.0.2', sp.nodePort]] as const) {
            const t = trace(rs, { family: 'IPv4', protocol: sp.protocol, src: '10.0.0.5', dst, sport: 40000, dport, hook: 'prerouting' });
            const got = t.endpoints.map((e) => `${e.ip}:${e.port}`).sort();
            expect({ when, protocol: sp.protocol, n, dst, verdict: t.verdict, got }).toEqual({ when, protocol: sp.protocol, n, dst, verdict: 'DNAT', got: want });
          }
        }
      };
      const backend = nftablesBackend()(components(ns));
      await backend.sync(stateOf(ports));
      await check('full load');
      await ns.run('nft', ['flush', 'chain', 'ip', 'kube-proxy', 'services']);
      await ns.run('nft', ['flush', 'chain', 'ip', 'kube-proxy', 'nodeports']);
      await backend.sync(stateOf(ports), { full: true });
      await check('chains rewritten over the existing maps');
    }, 'kpnft');
  });

  it('random partial syncs converge to the ruleset of one full sync of the final state (ip and ip6)', async () => {
    await withNetns(async (ns) => {
      await fc.assert(
        fc.asyncProperty(fc.array(servicePortsArb(6), { minLength: 2, maxLength: 5 }), fc.boolean(), async (steps4, six) => {
          const nodeCtx = six ? nodeToV6(node()) : node();
          const steps = six ? steps4.map((ports) => ports.map(portToV6)) : steps4;
          const fam = six ? 'ip6' : 'ip';
          const make = () => nftablesBackend({ family: nodeCtx.family })(components(ns));
          const backend = make();
          await backend.cleanup();
          let last = await backend.sync(stateOf(steps[0] as never, nodeCtx));
          expect(last.full).toBe(true);
          for (const ports of steps.slice(1)) {
            last = await backend.sync(stateOf(ports, nodeCtx));
            expect(last.full).toBe(false);
          }
          const partial = await normalisedTable(ns, fam);
          const fresh = make();
          await fresh.cleanup();
          await fresh.sync(stateOf(steps[steps.length - 1] as never, nodeCtx));
          expect(partial).toEqual(await normalisedTable(ns, fam));
          // And a restart (cheap listing) over the first state's table converges to the same.
          await fresh.cleanup();
          await make().sync(stateOf(steps[0] as never, nodeCtx));
          await make().sync(stateOf(steps[steps.length - 1] as never, nodeCtx));
          expect(await normalisedTable(ns, fam)).toEqual(partial);
        }),
        { numRuns: 30 },
      );
    }, 'kpnft');
  }, 300_000);

  it('nft -c accepts random and hostile states, ip and ip6', async () => {
    await withNetns(async (ns) => {
      const client = nftables({ executor: ns.executor });
      await fc.assert(
        fc.asyncProperty(hostileStateArb, async ({ state, serviceCIDRs }) => {
          const r = render(state, undefined, { serviceCIDRs });
          expect(r.transaction.error).toBeUndefined();
          await client.check(r.transaction);
        }),
        { numRuns: 40 },
      );
      // Many ports: one Service with 300 ports over three protocols, node ports and affinity.
      const many = Array.from({ length: 300 }, (_, i) =>
        svcPort({
          svc: 'many',
          portName: `p${i}`,
          protocol: (['TCP', 'UDP', 'SCTP'] as const)[i % 3],
          port: 1000 + i,
          nodePort: 30000 + i,
          sessionAffinity: i % 7 === 0 ? { type: 'ClientIP', timeoutSeconds: 10800 } : { type: 'None' },
          eps: [ep('10.180.0.1', 2000 + i), ep('10.180.0.2', 2000 + i, { isLocal: true })],
        }),
      );
      const r = render(stateOf(many));
      expect(r.transaction.error).toBeUndefined();
      await client.check(r.transaction);
    }, 'kpnft');
  }, 240_000);
});
