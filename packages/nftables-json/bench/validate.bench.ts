// Benchmark (not a test): validation cost per command for a kube-proxy-sized batch (commands pre-built).
// Run from packages/nftables-json: node --conditions=@kproxy/source bench/validate.bench.ts
import { performance } from 'node:perf_hooks';
import type { Command, Statement } from '../src/schema.ts';
import { Transaction } from '../src/transaction.ts';

const N = 10_000;
const l4 = { meta: { key: 'l4proto' } } as const;
const at = { family: 'ip', table: 'kube-proxy' } as const;
const ip = (b: number, i: number) => `${b}.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const cmds: Command[] = [];
for (let s = 0; s < N; s++) {
  const chain = `service-${s.toString(36).toUpperCase().padStart(8, 'X')}-namespace-${s % 50}/service-name-${s}/tcp/http`;
  cmds.push({ add: { chain: { ...at, name: chain } } });
  for (let e = 0; e < 10; e++) {
    const expr: Statement[] = [];
    if (e < 9) expr.push({ match: { op: '==', left: { numgen: { mode: 'random', mod: 10 - e } }, right: 0 } });
    expr.push({ match: { op: '==', left: l4, right: 'tcp' } }, { dnat: { addr: ip(10, s * 10 + e), port: 8080 } });
    cmds.push({ add: { rule: { ...at, chain, expr, comment: `ns/svc-${s}:http` } } });
  }
  cmds.push({ add: { element: { ...at, name: 'service-ips', elem: [[{ concat: [ip(172, s), 'tcp', 80] }, { goto: { target: chain } }]] } } });
}
for (let round = 0; round < 5; round++) {
  const t = performance.now();
  const tx = new Transaction();
  tx.push(...cmds.slice(0, 50_000));
  tx.push(...cmds.slice(50_000));
  const ms = performance.now() - t;
  console.log(`push+validate ${tx.size} commands: ${ms.toFixed(0)} ms (${((ms * 1000) / tx.size).toFixed(2)} us/command)`);
}
