// Benchmark (not a test): cost of building, validating and serialising a kube-proxy-sized transaction, and of
// applying it to the fake. Run from packages/nftables-json: node --conditions=@kproxy/source bench/transaction.bench.ts
import { performance } from 'node:perf_hooks';
import type { Statement } from '../src/schema.ts';
import { FakeRuleset } from '../src/testing/fake-ruleset.ts';
import { trace } from '../src/tracer.ts';
import { Transaction } from '../src/transaction.ts';

const SERVICES = Math.min(Number(process.argv[2] ?? 10_000), 50_000);
const ENDPOINTS = 10;
const l4 = { meta: { key: 'l4proto' } } as const;
const key = { concat: [{ payload: { protocol: 'ip', field: 'daddr' } }, l4, { payload: { protocol: 'th', field: 'dport' } }] };
const ip = (b: number, i: number) => `${b}.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

let t = performance.now();
const tx = new Transaction({ family: 'ip', table: 'kube-proxy' });
tx.add({ table: {} })
  .add({ chain: { name: 'nat-prerouting', type: 'nat', hook: 'prerouting', prio: -100 } })
  .add({ chain: { name: 'services' } })
  .add({ map: { name: 'service-ips', type: ['ipv4_addr', 'inet_proto', 'inet_service'], map: 'verdict' } })
  .add({ rule: { chain: 'nat-prerouting', expr: [{ jump: { target: 'services' } }] } })
  .add({ rule: { chain: 'services', expr: [{ vmap: { key, data: '@service-ips' } }] } });
const elems: [unknown, unknown][] = [];
for (let s = 0; s < SERVICES; s++) {
  const chain = `service-${s}`;
  tx.add({ chain: { name: chain } });
  for (let e = 0; e < ENDPOINTS; e++) {
    const expr: Statement[] = [];
    if (ENDPOINTS - e > 1) expr.push({ match: { op: '==', left: { numgen: { mode: 'random', mod: ENDPOINTS - e } }, right: 0 } });
    expr.push({ match: { op: '==', left: l4, right: 'tcp' } }, { dnat: { addr: ip(10, s * ENDPOINTS + e), port: 8080 } });
    tx.add({ rule: { chain, expr } });
  }
  elems.push([{ concat: [ip(172, s), 'tcp', 80] }, { goto: { target: chain } }]);
}
tx.add({ element: { name: 'service-ips', elem: elems as never } });
console.log(`build+validate ${tx.size} commands: ${(performance.now() - t).toFixed(0)} ms`);
t = performance.now();
const text = tx.serialize();
console.log(`serialize: ${(performance.now() - t).toFixed(0)} ms, ${(text.length / 1e6).toFixed(1)} MB`);
const fake = new FakeRuleset();
t = performance.now();
fake.apply(tx.commands);
console.log(`fake apply (cold): ${(performance.now() - t).toFixed(0)} ms`);
t = performance.now();
fake.apply(new Transaction({ family: 'ip', table: 'kube-proxy' }).add({ element: { name: 'service-ips', elem: [[{ concat: ['192.168.0.1', 'tcp', 80] }, { goto: { target: 'service-1' } }]] } }).commands);
console.log(`fake apply (one element at ${SERVICES}): ${(performance.now() - t).toFixed(1)} ms`);
t = performance.now();
const snap = fake.snapshot();
console.log(`fake snapshot: ${(performance.now() - t).toFixed(0)} ms`);
t = performance.now();
const r = trace(snap, { family: 'IPv4', protocol: 'TCP', src: '10.244.0.1', dst: ip(172, SERVICES - 1), dport: 80, hook: 'prerouting' });
console.log(`trace (first, parses the map): ${(performance.now() - t).toFixed(1)} ms -> ${r.verdict} ${r.endpoints.length} endpoints`);
