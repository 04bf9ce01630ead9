// Benchmark (not a test): load 10,000 Services and 10,000 EndpointSlices of 10 endpoints into the embedded
// API server, then measure how long @kproxy/watch takes from start() to a complete snapshot, and the peak
// RSS of the watching process. Three processes: this one orchestrates; the API server runs in a child (its
// memory is not counted); the watcher runs in another child started with the daemon's own Node flags
// (apps/kproxy/node-flags.json) and importing only @kproxy/watch, as the daemon's watch layer does.
//
//   node --conditions=@kproxy/source bench/watch-load.bench.ts [--services N] [--page-size N] [--json out.json]
//
// Targets (issue 3): < 2 s and < 200 MB on the 2-core machine.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { createWatcher } from '@kproxy/watch';
import { kubeConfigFor } from '../src/apiserver/kubeconfig.ts';

const args = process.argv.slice(2);
const argValue = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const SERVICES = Math.min(Number(argValue('--services') ?? 10_000), 50_000);
const ENDPOINTS_PER_SLICE = 10;
const PAGE_SIZE = Math.max(0, Number(argValue('--page-size') ?? 0));
const TIMEOUT_MS = 60_000;

if (args.includes('--server')) {
  // Child: start the server, load the objects, report the URL, stay up until the parent disconnects.
  const { startApiServer } = await import('../src/index.ts');
  const api = await startApiServer();
  const t0 = performance.now();
  for (let i = 0; i < SERVICES; i++) {
    const ns = `ns-${i % 100}`;
    const name = `svc-${i}`;
    api.apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: ns, labels: { app: name } },
      spec: {
        clusterIP: `10.${96 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`,
        ports: [
          { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
          { name: 'dns', port: 53, targetPort: 5353, protocol: 'UDP' },
        ],
        selector: { app: name },
      },
    });
    api.apply({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: `${name}-abcde`,
        namespace: ns,
        labels: { 'kubernetes.io/service-name': name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
        annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': '2026-01-01T00:00:00Z' },
      },
      addressType: 'IPv4',
      endpoints: Array.from({ length: ENDPOINTS_PER_SLICE }, (_, e) => ({
        addresses: [`10.${(i >> 8) & 255}.${i & 255}.${e + 1}`],
        conditions: { ready: true, serving: true, terminating: false },
        nodeName: `node-${e}`,
        zone: `zone-${e % 3}`,
        targetRef: { kind: 'Pod', namespace: ns, name: `${name}-pod-${e}`, uid: `uid-${i}-${e}` },
      })),
      ports: [
        { name: 'http', port: 8080, protocol: 'TCP' },
        { name: 'dns', port: 5353, protocol: 'UDP' },
      ],
    });
  }
  const loadMs = performance.now() - t0;
  process.send?.({ url: api.url, loadMs, rssMB: process.memoryUsage().rss / 2 ** 20 });
  process.on('message', (m: { churn?: number }) => {
    // Update the first N slices (a new endpoint address each), then report back.
    const n = Math.min(m.churn ?? 0, SERVICES);
    for (let i = 0; i < n; i++) {
      const current = api.get({ kind: 'EndpointSlice', namespace: `ns-${i % 100}`, name: `svc-${i}-abcde` });
      const endpoints = (current?.endpoints as { addresses: string[] }[]).map((e, k) =>
        k === 0 ? { ...e, addresses: [`10.255.${(i >> 8) & 255}.${i & 255}`] } : e,
      );
      api.apply({ ...(current as object), endpoints } as Parameters<typeof api.apply>[0]);
    }
    process.send?.({ churned: n });
  });
  process.on('disconnect', () => {
    void api.close().then(() => process.exit(0));
  });
} else if (args.includes('--watcher')) {
  // Child: the watching process. Measures itself and reports over IPC.
  const url = argValue('--url') ?? '';
  const rssBefore = process.memoryUsage().rss / 2 ** 20;
  const watcher = createWatcher({
    kubeConfig: kubeConfigFor(url),
    nodeName: 'node-0',
    resyncPeriodMs: 0,
    listPageSize: PAGE_SIZE,
  });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await Promise.race([
    watcher.start(),
    new Promise((_, reject) => setTimeout(() => reject(new Error('watch did not sync in time')), TIMEOUT_MS).unref()),
  ]);
  const batch = watcher.checkout();
  const snapshotMs = performance.now() - t0;
  const cpuUsed = process.cpuUsage(cpu0);
  const snapshotCpuMs = (cpuUsed.user + cpuUsed.system) / 1000;
  const services = batch.snapshot.services.size;
  const sliceGroups = batch.snapshot.slicesByService.size;
  const endpoints = [...batch.snapshot.slicesByService.values()].reduce(
    (n, list) => n + list.reduce((m, s) => m + (s.endpoints?.length ?? 0), 0),
    0,
  );
  const peakRssAtSnapshotMB = process.resourceUsage().maxRSS / 1024;
  const heapAtSnapshotMB = process.memoryUsage().heapUsed / 2 ** 20;
  // With --expose-gc: the heap the snapshot really retains (the rest of the peak is transient garbage,
  // response buffers and heap V8 has not returned yet).
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const retainedHeapMB = gc ? process.memoryUsage().heapUsed / 2 ** 20 : undefined;
  const rssAfterGcMB = gc ? process.memoryUsage().rss / 2 ** 20 : undefined;
  // Merging every service's slices (what the state builder does on a full sync), for scale.
  const t1 = performance.now();
  let merged = 0;
  for (const key of batch.snapshot.slicesByService.keys()) {
    merged += batch.snapshot.merged(key, 'IPv4')?.ports.get('http/TCP')?.length ?? 0;
  }
  const mergeMs = performance.now() - t1;
  const peakRssAfterMergeMB = process.resourceUsage().maxRSS / 1024;
  process.send?.({
    phase: 'snapshot',
    complete: services === SERVICES && sliceGroups === SERVICES && endpoints === SERVICES * ENDPOINTS_PER_SLICE,
    snapshotMs,
    snapshotCpuMs,
    rssBefore,
    peakRssAtSnapshotMB,
    heapAtSnapshotMB,
    retainedHeapMB,
    rssAfterGcMB,
    mergeMs,
    merged,
    peakRssAfterMergeMB,
  });
  // Phase 2 (driven by the parent): count changed services in checkouts until told to stop.
  let churnSeen = 0;
  const poll = setInterval(() => {
    churnSeen += watcher.checkout().changedServices.size;
  }, 5);
  process.on('message', (m: { report?: boolean }) => {
    if (!m.report) return;
    process.send?.({ phase: 'churn', churnSeen, peakRssMB: process.resourceUsage().maxRSS / 1024 });
  });
  process.on('disconnect', () => {
    clearInterval(poll);
    void watcher.stop().then(() => process.exit(0));
  });
} else {
  const nodeFlags = JSON.parse(fs.readFileSync(new URL('../../kproxy/node-flags.json', import.meta.url), 'utf8')) as string[];
  const self = new URL(import.meta.url).pathname;
  const server = fork(self, ['--server', '--services', String(SERVICES)], { execArgv: ['--conditions=@kproxy/source'] });
  const next = <T>(child: ReturnType<typeof fork>, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what}: no answer in time`)), TIMEOUT_MS);
      child.once('message', (m) => {
        clearTimeout(timer);
        resolve(m as T);
      });
      child.once('exit', (code) => reject(new Error(`${what}: exited with ${code}`)));
    });
  const ready = await next<{ url: string; loadMs: number; rssMB: number }>(server, 'server');
  const watcherArgs = ['--watcher', '--url', ready.url, '--services', String(SERVICES), '--page-size', String(PAGE_SIZE)];
  const watcherChild = fork(self, watcherArgs, { execArgv: ['--conditions=@kproxy/source', '--expose-gc', ...nodeFlags] });
  type Snap = {
    complete: boolean;
    snapshotMs: number;
    snapshotCpuMs: number;
    rssBefore: number;
    peakRssAtSnapshotMB: number;
    heapAtSnapshotMB: number;
    retainedHeapMB?: number;
    rssAfterGcMB?: number;
    mergeMs: number;
    merged: number;
    peakRssAfterMergeMB: number;
  };
  const snap = await next<Snap>(watcherChild, 'watcher');
  // Phase 2: 1,000 slice updates on the live watch; poll the watcher until it has seen them all.
  const CHURN = Math.min(1000, SERVICES);
  const t2 = performance.now();
  server.send({ churn: CHURN });
  await next<{ churned: number }>(server, 'server churn');
  let churn = { churnSeen: 0, peakRssMB: 0 };
  const churnDeadline = Date.now() + TIMEOUT_MS;
  while (churn.churnSeen < CHURN && Date.now() < churnDeadline) {
    await new Promise((r) => setTimeout(r, 10));
    watcherChild.send({ report: true });
    churn = await next<typeof churn>(watcherChild, 'watcher churn');
  }
  const churnMs = performance.now() - t2;
  watcherChild.disconnect();
  server.disconnect();

  const result = {
    benchmark: 'watch-load',
    services: SERVICES,
    endpointSlices: SERVICES,
    endpointsPerSlice: ENDPOINTS_PER_SLICE,
    listPageSize: PAGE_SIZE,
    watcherNodeFlags: nodeFlags,
    complete: snap.complete,
    serverLoadMs: Math.round(ready.loadMs),
    serverRssMB: Math.round(ready.rssMB),
    timeToCompleteSnapshotMs: Math.round(snap.snapshotMs),
    // CPU time of the watching process over the same interval: stable when the machine is shared.
    cpuToCompleteSnapshotMs: Math.round(snap.snapshotCpuMs),
    loadAverage1m: Number(os.loadavg()[0].toFixed(2)),
    mergeAllMs: Math.round(snap.mergeMs),
    churnUpdates: CHURN,
    churnChangedServicesSeen: churn.churnSeen,
    churnUntilAllCheckedOutMs: Math.round(churnMs),
    mergedHttpEndpoints: snap.merged,
    // RSS of the watcher process with @kubernetes/client-node and @kproxy/watch loaded, before any request
    // (client-node's import alone is ~85 MB over node's own ~40 MB).
    watcherRssBeforeMB: Math.round(snap.rssBefore),
    watcherPeakRssAtSnapshotMB: Math.round(snap.peakRssAtSnapshotMB),
    watcherHeapUsedAtSnapshotMB: Math.round(snap.heapAtSnapshotMB),
    watcherHeapRetainedAfterGcMB: snap.retainedHeapMB === undefined ? 'no gc' : Math.round(snap.retainedHeapMB),
    watcherRssAfterGcMB: snap.rssAfterGcMB === undefined ? 'no gc' : Math.round(snap.rssAfterGcMB),
    watcherPeakRssAfterMergeAllMB: Math.round(snap.peakRssAfterMergeMB),
    watcherPeakRssAfterChurnMB: Math.round(churn.peakRssMB),
    targets: { timeMs: 2000, rssMB: 200 },
    withinTargets: snap.complete && snap.snapshotMs < 2000 && snap.peakRssAtSnapshotMB < 200,
    node: process.version,
  };
  console.log(JSON.stringify(result, null, 2));
  const out = argValue('--json');
  if (out) fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  if (!snap.complete) process.exitCode = 1;
}
