// Benchmark (not a test): the daemon's whole sync loop without the kernel. WatchCache (@kproxy/watch) ->
// StateBuilder (@kproxy/state) -> nftables backend over the semantic nft fake -> ProxySyncer (metrics,
// health, conntrack filters). Measures the first sync of SERVICES Services and then single-Service endpoint
// changes, to show that a sync's cost follows the size of the change, not of the cluster.
// Run: node --conditions=@kproxy/source bench/sync-loop.bench.ts   (from apps/kproxy; SERVICES=... to resize)
// Every loop is bounded in count and in time. Note: the nft fake copies its ruleset on every apply, so the
// `backend` stage grows with the cluster here; the real backend sends partial transactions to nft.
import type { KubeEndpointSlice, KubeService, ProxyState, SyncOptions } from '@kproxy/api';
import { LABEL_SERVICE_NAME, silentLogger, systemClock } from '@kproxy/api';
import { nftablesBackend } from '@kproxy/backend-nftables';
import type { ConntrackCleaner } from '@kproxy/conntrack';
import { scriptedExecutor } from '@kproxy/exec/testing';
import { ProxyHealth } from '@kproxy/healthcheck';
import { fakeNftClient } from '@kproxy/nftables-json/testing';
import { WatchCache } from '@kproxy/watch';
import type { WatchSnapshot } from '@kproxy/watch';
import { parseCommandLine } from '../src/cli/command-line.ts';
import { resolveOptions } from '../src/config/resolve.ts';
import { ProxySyncer } from '../src/daemon/proxy-syncer.ts';
import { ProxyMetrics } from '../src/metrics/proxy-metrics.ts';
import { stateBuilderFor } from '../src/wiring/cluster.ts';

const SERVICES = Number(process.env.SERVICES ?? 5000);
const ENDPOINTS = 5;
const CHANGES = 200;
const TIME_BUDGET_MS = 120_000;
const started = performance.now();

function service(i: number): KubeService {
  return {
    metadata: { namespace: `ns-${i % 20}`, name: `svc-${i}`, resourceVersion: '1' },
    spec: {
      type: 'ClusterIP',
      clusterIP: `10.96.${(i >> 8) & 0xff}.${i & 0xff}`,
      clusterIPs: [`10.96.${(i >> 8) & 0xff}.${i & 0xff}`],
      ipFamilies: ['IPv4'],
      ports: [{ name: 'dns', protocol: i % 4 === 0 ? 'UDP' : 'TCP', port: 53 }],
    },
  };
}

function slice(i: number, generation: number): KubeEndpointSlice {
  return {
    metadata: { namespace: `ns-${i % 20}`, name: `svc-${i}-x`, resourceVersion: String(generation + 1), labels: { [LABEL_SERVICE_NAME]: `svc-${i}` } },
    addressType: 'IPv4',
    ports: [{ name: 'dns', protocol: i % 4 === 0 ? 'UDP' : 'TCP', port: 5353 }],
    endpoints: Array.from({ length: ENDPOINTS }, (_, e) => {
      const n = i * ENDPOINTS + e + generation;
      return { addresses: [`10.${128 + ((n >> 16) & 0x3f)}.${(n >> 8) & 0xff}.${n & 0xff}`], conditions: { ready: true }, nodeName: `node-${n % 50}` };
    }),
  };
}

const cache = new WatchCache({ nodeName: 'node-0' });
cache.upsertNode({ metadata: { name: 'node-0' }, status: { addresses: [{ type: 'InternalIP', address: '192.0.2.10' }] } });
for (let i = 0; i < SERVICES; i++) {
  cache.upsertService(service(i));
  cache.upsertSlice(slice(i, 0));
}
const config = resolveOptions(parseCommandLine(['--cluster-cidr', '10.128.0.0/10']).flags, () => '').config;
const client = fakeNftClient();
const backend = nftablesBackend({ client: () => client })({ logger: silentLogger, clock: systemClock, executor: scriptedExecutor() });
let conntrackFilters = 0;
const conntrack: ConntrackCleaner = {
  async clean(filters) {
    conntrackFilters += filters.length;
    return { deleted: 0, failed: 0 };
  },
};
// Time spent in each stage, to see where a sync's cost goes.
const stage = { checkout: 0, build: 0, backend: 0 };
const timed = <A extends unknown[], R>(key: keyof typeof stage, fn: (...a: A) => R) => (...a: A): R => {
  const s = performance.now();
  const r = fn(...a);
  if (r instanceof Promise) return r.finally(() => (stage[key] += performance.now() - s)) as R;
  stage[key] += performance.now() - s;
  return r;
};
const builder = stateBuilderFor(config, 'IPv4', 'node-0');
const syncer = new ProxySyncer({
  source: { start: async () => undefined, stop: async () => undefined, onChange: (l) => cache.onChange(l), checkout: timed('checkout', () => cache.checkout()) },
  proxiers: [
    {
      family: 'IPv4',
      builder: { family: 'IPv4', update: timed('build', (snap: WatchSnapshot, changed: Iterable<string>, node: boolean) => builder.update(snap, changed, node)) },
      backend: { ...backend, name: backend.name, family: backend.family, sync: timed('backend', (st: ProxyState, o?: SyncOptions) => backend.sync(st, o)) },
    },
  ],
  health: new ProxyHealth({ clock: systemClock, healthTimeoutMs: 60_000, families: ['IPv4'] }),
  metrics: new ProxyMetrics({ mode: 'nftables' }),
  logger: silentLogger,
  clock: systemClock,
  conntrack,
});

let t = performance.now();
await syncer.sync();
const first = performance.now() - t;

const firstStages = { ...stage };
stage.checkout = stage.build = stage.backend = 0;
const times: number[] = [];
for (let c = 0; c < CHANGES && performance.now() - started < TIME_BUDGET_MS; c++) {
  const i = (c * 7919) % SERVICES;
  cache.upsertSlice(slice(i, c + 1));
  t = performance.now();
  await syncer.sync();
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
const pct = (p: number) => (times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))] ?? 0).toFixed(2);
const mean = times.reduce((a, b) => a + b, 0) / Math.max(1, times.length);
console.log(
  JSON.stringify({
    services: SERVICES,
    endpointsPerService: ENDPOINTS,
    firstSyncMs: Number(first.toFixed(1)),
    singleChangeSyncs: times.length,
    singleChangeMeanMs: Number(mean.toFixed(2)),
    singleChangeP50Ms: Number(pct(50)),
    singleChangeP99Ms: Number(pct(99)),
    conntrackFilters,
    firstSyncStagesMs: Object.fromEntries(Object.entries(firstStages).map(([k, v]) => [k, Number(v.toFixed(1))])),
    // What ProxySyncer itself adds per change sync (metrics, health, conntrack filters, bookkeeping).
    syncerOwnMeanMs: Number((mean - (stage.checkout + stage.build + stage.backend) / Math.max(1, times.length)).toFixed(3)),
    changeSyncStagesMeanMs: Object.fromEntries(Object.entries(stage).map(([k, v]) => [k, Number((v / Math.max(1, times.length)).toFixed(2))])),
    syncs: syncer.syncs,
  }),
);
