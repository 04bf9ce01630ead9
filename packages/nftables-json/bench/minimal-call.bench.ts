// Benchmark (not a test): what one minimal `nft` call costs on a kube-proxy-sized table.
// Builds, in a throw-away namespace, `ip kube-proxy` with SERVICES services x ENDPOINTS endpoints in the
// "chain per service, numgen rules, one verdict map" layout, then times small calls against it.
// Run from packages/nftables-json: node --conditions=@kproxy/source bench/minimal-call.bench.ts [services] [endpoints]
import { performance } from 'node:perf_hooks';
import { withNetns } from '@kproxy/netns';
import { nftables } from '../src/client.ts';
import type { Statement } from '../src/schema.ts';
import { Transaction } from '../src/transaction.ts';

const SERVICES = Math.min(Number(process.argv[2] ?? 10_000), 50_000);
const ENDPOINTS = Math.min(Number(process.argv[3] ?? 10), 100);
const RUNS = Number(process.env['RUNS'] ?? 15);
/** Per measurement: stop repeating after this long. */
const TIME_LIMIT_MS = Number(process.env['TIME_LIMIT_MS'] ?? 60_000);

const daddr = { payload: { protocol: 'ip', field: 'daddr' } } as const;
const l4 = { meta: { key: 'l4proto' } } as const;
const dport = { payload: { protocol: 'th', field: 'dport' } } as const;

function ip(base: number, i: number): string {
  return `${base}.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
}

function build(): Transaction {
  const tx = new Transaction({ family: 'ip', table: 'kube-proxy' });
  tx.add({ table: {} })
    .add({ chain: { name: 'nat-prerouting', type: 'nat', hook: 'prerouting', prio: -100 } })
    .add({ chain: { name: 'nat-output', type: 'nat', hook: 'output', prio: -100 } })
    .add({ chain: { name: 'services' } })
    .add({ map: { name: 'service-ips', type: ['ipv4_addr', 'inet_proto', 'inet_service'], map: 'verdict' } });
  tx.add({ rule: { chain: 'nat-prerouting', expr: [{ jump: { target: 'services' } }] } });
  tx.add({ rule: { chain: 'nat-output', expr: [{ jump: { target: 'services' } }] } });
  tx.add({
    rule: { chain: 'services', expr: [{ vmap: { key: { concat: [daddr, l4, dport] }, data: '@service-ips' } }] },
  });
  const elems: [unknown, unknown][] = [];
  for (let s = 0; s < SERVICES; s++) {
    const chain = `service-${s.toString(36).padStart(8, '0').toUpperCase()}-ns${s % 97}/svc${s}/tcp/http`;
    tx.add({ chain: { name: chain } });
    for (let e = 0; e < ENDPOINTS; e++) {
      const left = ENDPOINTS - e;
      const expr: Statement[] = [];
      if (left > 1) expr.push({ match: { op: '==', left: { numgen: { mode: 'random', mod: left } }, right: 0 } });
      expr.push({ match: { op: '==', left: l4, right: 'tcp' } }, { dnat: { addr: ip(10, s * ENDPOINTS + e), port: 8080 } });
      tx.add({ rule: { chain, expr } });
    }
    elems.push([{ concat: [ip(172, s), 'tcp', 80] }, { goto: { target: chain } }]);
  }
  tx.add({ element: { name: 'service-ips', elem: elems as never } });
  return tx;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

await withNetns(async (ns) => {
  const client = nftables({ executor: ns.executor });
  const tx = build();
  if (tx.error) throw tx.error;
  let t = performance.now();
  const loaded = await client.apply(tx);
  console.log(`load: ${SERVICES} services x ${ENDPOINTS} endpoints, ${loaded.operations} commands, ${(loaded.bytes / 1e6).toFixed(1)} MB: ${(performance.now() - t).toFixed(0)} ms`);

  const time = async (name: string, fn: () => Promise<unknown>) => {
    const started = performance.now();
    const xs: number[] = [];
    for (let i = 0; i < RUNS && performance.now() - started < TIME_LIMIT_MS; i++) {
      const t0 = performance.now();
      await fn();
      xs.push(performance.now() - t0);
    }
    console.log(`${name}: median ${median(xs).toFixed(1)} ms, min ${Math.min(...xs).toFixed(1)} ms (n=${xs.length})`);
  };

  await time('nft --version (process floor)', () => ns.executor.run('nft', ['--version']));
  let n = 0;
  await time('apply: add 1 map element + 1 chain + 1 rule (argv JSON)', () => {
    n++;
    const chain = `bench-${n}`;
    return client.apply(
      new Transaction({ family: 'ip', table: 'kube-proxy' })
        .add({ chain: { name: chain } })
        .add({ rule: { chain, expr: [{ match: { op: '==', left: l4, right: 'tcp' } }, { dnat: { addr: '10.255.0.1', port: 80 } }] } })
        .add({ element: { name: 'service-ips', elem: [[{ concat: [ip(192, n), 'tcp', 80] }, { goto: { target: chain } }]] } }),
    );
  });
  await time('apply: delete 1 map element', () =>
    client.apply(
      new Transaction({ family: 'ip', table: 'kube-proxy' }).delete({
        element: { name: 'service-ips', elem: [[{ concat: [ip(192, n), 'tcp', 80] }, { goto: { target: `bench-${n--}` } }]] },
      }),
    ),
  );
  await time('check (nft -c): add 1 chain', () => client.check(new Transaction({ family: 'ip', table: 'kube-proxy' }).add({ chain: { name: 'x' } })));
  await time('text syntax: nft add element (argv, no JSON)', () =>
    ns.executor.run('nft', ['add', 'element', 'ip', 'kube-proxy', 'service-ips', '{ 192.168.255.1 . tcp . 80 : goto bench-1 }']),
  );
  await time('apply: add 1 element to a small set (argv JSON)', async () => {
    await client.apply(
      new Transaction({ family: 'ip', table: 'kube-proxy' })
        .add({ set: { name: 'small', type: 'ipv4_addr' } })
        .add({ element: { name: 'small', elem: ['10.0.0.1'] } }),
    );
  });
  const listJson = (obj: unknown) => ns.executor.run('nft', ['-j', JSON.stringify({ nftables: [{ list: obj }] })]);
  await time('list map service-ips (JSON)', () => listJson({ map: { family: 'ip', table: 'kube-proxy', name: 'service-ips' } }));
  await time('list chain services (JSON)', () => listJson({ chain: { family: 'ip', table: 'kube-proxy', name: 'services' } }));
  await time('nft -j list chains', () => ns.executor.run('nft', ['-j', 'list', 'chains']));
  await time('nft -t list table (terse, text)', () => ns.executor.run('nft', ['-t', 'list', 'table', 'ip', 'kube-proxy']));
  await time('nft list tables', () => ns.executor.run('nft', ['list', 'tables']));
  t = performance.now();
  const listing = await ns.executor.run('nft', ['-j', 'list', 'table', 'ip', 'kube-proxy']);
  console.log(`nft -j list table ip kube-proxy (one run): ${(performance.now() - t).toFixed(0)} ms, ${(listing.stdout.length / 1e6).toFixed(1)} MB of JSON`);
  await time('nft -j list table ip kube-proxy', () => ns.executor.run('nft', ['-j', 'list', 'table', 'ip', 'kube-proxy']));
  await time('client.list (nft + JSON.parse + parseRuleset)', () => client.list({ family: 'ip', table: 'kube-proxy' }));
}, 'kpnjbench');
