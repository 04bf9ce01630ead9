// Benchmark (not a test): 10,000 services x 10 endpoints in fresh network namespaces.
// Run as root from packages/backend-nftables: node --conditions=@kproxy/source bench/sync.bench.ts [services] [endpoints]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { silentLogger, systemClock } from '@kproxy/api';
import type { ProxyState, ServicePort } from '@kproxy/api';
import { createNetns } from '@kproxy/netns';
import type { Netns } from '@kproxy/netns';
import { nftables, Transaction } from '@kproxy/nftables-json';
import { nftablesBackend } from '../src/index.ts';
import { render } from '../src/render.ts';
import { ep, node, stateOf, svcPort } from '../src/testing/index.ts';

const SERVICES = Math.min(Number(process.argv[2] ?? 10_000), 50_000);
const ENDPOINTS = Math.min(Number(process.argv[3] ?? 10), 50);

function ipOf(base: number, i: number): string {
  return `${base}.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
}

function service(i: number, gen = 0): ServicePort {
  const eps = [];
  for (let j = 0; j < ENDPOINTS; j++) eps.push(ep(ipOf(10, 1 + i * ENDPOINTS + j + gen * 7), 8080));
  return svcPort({ ns: `ns${i % 100}`, svc: `svc${i}`, portName: 'http', clusterIP: ipOf(172, 0x100000 + i), port: 80, eps, ...(i % 10 === 0 ? { nodePort: 30000 + (i / 10) } : {}) });
}

function stateWith(n: number): ProxyState {
  const ports: ServicePort[] = [];
  for (let i = 0; i < n; i++) ports.push(service(i));
  return stateOf(ports, node({ nodePortAddresses: { kind: 'all' } }));
}

const ms = (t0: number) => Math.round((performance.now() - t0) * 10) / 10;
const mb = (b: number) => Math.round(b / 1048576);

async function timeNft(ns: Netns, args: string[]): Promise<number> {
  const t0 = performance.now();
  await ns.run('nft', args);
  return ms(t0);
}

const namespaces: Netns[] = [];
try {
  const state = stateWith(SERVICES);
  const mem0 = process.memoryUsage();

  // The floor: nft -f of exactly the same document into an empty namespace.
  const rendered = render(state);
  const doc = rendered.transaction.serialize();
  const dir = mkdtempSync(path.join(tmpdir(), 'kp-bench-'));
  const file = path.join(dir, 'ruleset.json');
  writeFileSync(file, doc);
  const floorNs = await createNetns('kpbench');
  namespaces.push(floorNs);
  const floor = await timeNft(floorNs, ['-j', '-f', file]);
  rmSync(dir, { recursive: true, force: true });
  await floorNs.remove();

  // Cold full sync through the backend: render (pure) and apply, measured apart, then the backend's total.
  const ns = await createNetns('kpbench');
  namespaces.push(ns);
  const components = { logger: silentLogger, clock: systemClock, executor: ns.executor };
  const client = nftables({ executor: ns.executor });
  let t0 = performance.now();
  const r = render(state);
  const renderMs = ms(t0);
  t0 = performance.now();
  await client.apply(r.transaction);
  const applyMs = ms(t0);
  await ns.run('nft', ['delete', 'table', 'ip', 'kube-proxy']);
  const backend = nftablesBackend()(components);
  t0 = performance.now();
  const cold = await backend.sync(state);
  const coldTotal = ms(t0);
  const mem1 = process.memoryUsage();

  // One minimal nft call on that table (the CLI floor per call at this size).
  const tiny = new Transaction({ family: 'ip', table: 'kube-proxy' });
  tiny.add({ element: { name: 'cluster-ips', elem: [ipOf(172, 0x100000)] } });
  const minimal: number[] = [];
  for (let k = 0; k < 3; k++) {
    t0 = performance.now();
    await client.apply(tiny);
    minimal.push(ms(t0));
  }

  // One-service changes at this size: endpoints of one service replaced; one service added; one removed.
  const changes: Record<string, unknown>[] = [];
  let current = state;
  const variants: [string, (s: ProxyState) => ProxyState][] = [
    ['endpoints of one service changed', (s) => withPort(s, service(17, 1))],
    ['one service added', (s) => withPort(s, service(SERVICES + 1))],
    ['one service removed', (s) => withoutPort(s, service(5))],
  ];
  for (const [what, change] of variants) {
    const next = change(current);
    t0 = performance.now();
    const pr = render(next, undefined, {}); // warm nothing: the partial render is measured by the backend below
    void pr;
    const full = ms(t0);
    t0 = performance.now();
    const res = await backend.sync(next);
    const total = ms(t0);
    changes.push({ what, totalMs: total, operations: res.operations, bytes: res.bytes, full: res.full, fullRenderMsForComparison: full });
    current = next;
  }
  // Partial render alone (pure), for the same kind of change.
  const memoBackend = render(current);
  t0 = performance.now();
  const partialRender = render(withPort(current, service(23, 2)), memoBackend.memo);
  const partialRenderMs = ms(t0);

  const mem2 = process.memoryUsage();
  console.log(
    JSON.stringify(
      {
        services: SERVICES,
        endpointsPerService: ENDPOINTS,
        documentBytes: Buffer.byteLength(doc),
        commands: rendered.transaction.size,
        floorNftFileMs: floor,
        cold: { renderMs, applyMs, renderPlusApplyMs: Math.round((renderMs + applyMs) * 10) / 10, backendSyncTotalMs: coldTotal, operations: cold.operations, bytes: cold.bytes },
        coldVsFloor: Math.round((coldTotal / floor) * 100) / 100,
        minimalNftCallMs: minimal,
        oneServiceChanges: changes,
        partialRenderMs,
        partialRenderOperations: partialRender.transaction.size,
        memoryMB: { rssBefore: mb(mem0.rss), heapAfterCold: mb(mem1.heapUsed), rssAfterCold: mb(mem1.rss), rssEnd: mb(mem2.rss) },
      },
      null,
      2,
    ),
  );
} finally {
  for (const n of namespaces) await n.remove();
}

function withPort(s: ProxyState, p: ServicePort): ProxyState {
  const m = new Map(s.servicePorts);
  m.set(`${p.name.namespace}/${p.name.name}:${p.name.port}/${p.name.protocol}`, p);
  return { ...s, servicePorts: m };
}

function withoutPort(s: ProxyState, p: ServicePort): ProxyState {
  const m = new Map(s.servicePorts);
  m.delete(`${p.name.namespace}/${p.name.name}:${p.name.port}/${p.name.protocol}`);
  return { ...s, servicePorts: m };
}
