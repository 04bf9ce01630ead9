// Benchmark (not a test): what a one-service change and a minimal call cost on two table layouts at 10,000
// services x 10 endpoints, in fresh network namespaces.
// Run as root from packages/backend-nftables: node --conditions=@kproxy/source bench/layout-probe.bench.ts [services]
//
// - `chains`: this backend's layout (a DNAT chain per service port reached through verdict maps), rendered by
//   the backend itself; the one-service change is the backend's own partial render of an added service.
// - `data-maps`: a probe of a layout with no per-service chain and no per-service rule: one static rule per
//   distinct endpoint count n, `ip daddr . meta l4proto . th dport @svc-n dnat ip to ip daddr . meta l4proto .
//   th dport . numgen random mod n map @endpoints`. Adding a service adds plain set and map elements only, so
//   the kernel does not validate the table on commit, and nft's cache holds five chains. It renders only what
//   the probe needs (no affinity, policies, node ports, masquerade): a measurement to decide a future layout,
//   not an implementation. Whether packets take that rule the way the tracer says is not checked here.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createNetns } from '@kproxy/netns';
import type { Netns } from '@kproxy/netns';
import { nftScript } from '@kproxy/nftables-json';
import type { ProxyState } from '@kproxy/api';
import { render } from '../src/render.ts';
import { benchState, clusterIPOf, endpointIPOf } from './cluster.ts';
import { probe, quiet, timed } from './measure.ts';

const SERVICES = Math.min(Number(process.argv[2] ?? 10_000), 50_000);
const ENDPOINTS = 10;
const REPS = 5;

const vipOf = clusterIPOf;
const endpointOf = (i: number, j: number): string => endpointIPOf(i, j, ENDPOINTS);
const stateOfServices = (n: number): ProxyState => benchState(n, { perService: ENDPOINTS });

/** The data-map probe's lines for service `i`: its key in `svc-10` and its endpoint slots. */
function dataMapService(i: number): string[] {
  const slots: string[] = [];
  for (let j = 0; j < ENDPOINTS; j++) slots.push(`${vipOf(i)} . tcp . 80 . ${j} : ${endpointOf(i, j)} . 8080`);
  return [`add element ip t svc-${ENDPOINTS} { ${vipOf(i)} . tcp . 80 }`, `add element ip t endpoints { ${slots.join(', ')} }`];
}

function dataMapTable(n: number): string {
  const lines = [
    'add table ip t',
    `add set ip t svc-${ENDPOINTS} { type ipv4_addr . inet_proto . inet_service ; }`,
    `add map ip t endpoints { typeof ip daddr . meta l4proto . th dport . numgen random mod ${ENDPOINTS} : ip daddr . th dport ; }`,
    'add chain ip t nat-prerouting { type nat hook prerouting priority -100 ; }',
    'add chain ip t nat-output { type nat hook output priority -100 ; }',
    'add chain ip t services',
    'add rule ip t nat-prerouting jump services',
    'add rule ip t nat-output jump services',
    `add rule ip t services ip daddr . meta l4proto . th dport @svc-${ENDPOINTS} dnat ip to ip daddr . meta l4proto . th dport . numgen random mod ${ENDPOINTS} map @endpoints`,
  ];
  for (let i = 0; i < n; i++) lines.push(...dataMapService(i));
  return `${lines.join('\n')}\n`;
}

const dir = mkdtempSync(path.join(tmpdir(), 'kp-layout-'));
const namespaces: Netns[] = [];
try {
  const file = (name: string, text: string): string => {
    const f = path.join(dir, name);
    writeFileSync(f, text);
    return f;
  };

  // This backend's layout: the cold load, then each probe adds one more service (the backend's partial render
  // of exactly that change) in a fresh batch.
  const state = stateOfServices(SERVICES);
  const full = render(state);
  const chainsCold = file('chains.nft', nftScript(full.transaction));
  // Partial renders need the memo of the state they start from: render the intermediate states once each.
  const chainsAddFiles: string[] = [];
  let memo = full.memo;
  for (let k = 0; k < REPS; k++) {
    const next = stateOfServices(SERVICES + k + 1);
    const partial = render(next, memo);
    chainsAddFiles.push(file(`chains-add-${k}.nft`, nftScript(partial.transaction)));
    memo = partial.memo;
  }

  const dataCold = file('data-maps.nft', dataMapTable(SERVICES));
  const dataAddFiles = Array.from({ length: REPS }, (_, k) => file(`data-add-${k}.nft`, `${dataMapService(SERVICES + k).join('\n')}\n`));

  const results: Record<string, unknown> = {};
  for (const layout of ['chains', 'data-maps'] as const) {
    const ns = await createNetns('kplayout');
    namespaces.push(ns);
    await quiet();
    const cold = await timed(ns, ['-f', layout === 'chains' ? chainsCold : dataCold]);
    if (!cold.ok) throw new Error(`${layout}: cold load failed: ${cold.stderr}`);
    await quiet();
    const table = layout === 'chains' ? 'kube-proxy' : 't';
    const plainSet = layout === 'chains' ? 'cluster-ips' : `svc-${ENDPOINTS}`;
    const plainElement = (k: number): string => (layout === 'chains' ? `192.0.2.${k + 1}` : `192.0.2.${k + 1} . tcp . 81`);
    const minimal = await probe(ns, REPS, (k) => ['add', 'element', 'ip', table, plainSet, `{ ${plainElement(k)} }`]);
    const oneService = await probe(ns, REPS, (k) => ['-f', (layout === 'chains' ? chainsAddFiles : dataAddFiles)[k] as string]);
    results[layout] = {
      coldLoad: { wallMs: cold.wallMs, userMs: cold.userMs, sysMs: cold.sysMs },
      minimalCall: minimal,
      oneServiceAdded: oneService,
      oneServiceVsMinimal: Math.round((oneService.wallMs / minimal.wallMs) * 100) / 100,
    };
    await ns.remove();
  }
  console.log(JSON.stringify({ services: SERVICES, endpointsPerService: ENDPOINTS, ...results, loadAverage: loadavg().map((x) => Math.round(x * 10) / 10) }, null, 2));
} finally {
  for (const n of namespaces) await n.remove();
  rmSync(dir, { recursive: true, force: true });
}
