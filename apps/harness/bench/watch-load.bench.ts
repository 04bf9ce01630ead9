// Benchmark (not a test): load 10,000 Services and 10,000 EndpointSlices of 10 endpoints into the embedded
// API server, then measure how long @kproxy/watch takes from start() to a complete snapshot, and the peak
// RSS of the watching process. The API server runs in a child process so its memory is not counted.
//
//   node --conditions=@kproxy/source bench/watch-load.bench.ts [--services N] [--page-size N] [--json out.json]
//
// Targets (issue 3): < 2 s and < 200 MB on the 2-core machine.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { createWatcher } from '@kproxy/watch';
import { kubeConfigFor, startApiServer } from '../src/index.ts';

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
} else {
  const child = fork(new URL(import.meta.url).pathname, ['--server', '--services', String(SERVICES)], {
    execArgv: ['--conditions=@kproxy/source'],
  });
  const ready = await new Promise<{ url: string; loadMs: number; rssMB: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start in time')), TIMEOUT_MS);
    child.once('message', (m) => {
      clearTimeout(timer);
      resolve(m as { url: string; loadMs: number; rssMB: number });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });

  const rssBefore = process.memoryUsage().rss / 2 ** 20;
  const watcher = createWatcher({
    kubeConfig: kubeConfigFor(ready.url),
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
  // Phase 2: 1,000 slice updates on the live watch, time until all are in a checkout.
  const CHURN = Math.min(1000, SERVICES);
  const t2 = performance.now();
  child.send({ churn: CHURN });
  let churnSeen = 0;
  const churnDeadline = Date.now() + TIMEOUT_MS;
  while (churnSeen < CHURN && Date.now() < churnDeadline) {
    await new Promise((r) => setTimeout(r, 5));
    churnSeen += watcher.checkout().changedServices.size;
  }
  const churnMs = performance.now() - t2;
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  await watcher.stop();
  child.disconnect();

  const complete = services === SERVICES && sliceGroups === SERVICES && endpoints === SERVICES * ENDPOINTS_PER_SLICE;
  const result = {
    benchmark: 'watch-load',
    services: SERVICES,
    endpointSlices: SERVICES,
    endpointsPerSlice: ENDPOINTS_PER_SLICE,
    listPageSize: PAGE_SIZE,
    complete,
    serverLoadMs: Math.round(ready.loadMs),
    serverRssMB: Math.round(ready.rssMB),
    timeToCompleteSnapshotMs: Math.round(snapshotMs),
    // CPU time of the watching process over the same interval: stable when the machine is shared.
    cpuToCompleteSnapshotMs: Math.round(snapshotCpuMs),
    loadAverage1m: Number(os.loadavg()[0].toFixed(2)),
    mergeAllMs: Math.round(mergeMs),
    churnUpdates: CHURN,
    churnChangedServicesSeen: churnSeen,
    churnUntilAllCheckedOutMs: Math.round(churnMs),
    mergedHttpEndpoints: merged,
    // RSS with @kubernetes/client-node and @kproxy/watch loaded, before any request (client-node's import
    // alone is ~85 MB over node's own ~42 MB).
    watcherRssBeforeMB: Math.round(rssBefore),
    watcherPeakRssAtSnapshotMB: Math.round(peakRssAtSnapshotMB),
    watcherHeapUsedAtSnapshotMB: Math.round(heapAtSnapshotMB),
    watcherHeapRetainedAfterGcMB: retainedHeapMB === undefined ? 'run with --expose-gc' : Math.round(retainedHeapMB),
    watcherRssAfterGcMB: rssAfterGcMB === undefined ? 'run with --expose-gc' : Math.round(rssAfterGcMB),
    watcherPeakRssAfterMergeAllMB: Math.round(peakRssMB),
    targets: { timeMs: 2000, rssMB: 200 },
    withinTargets: complete && snapshotMs < 2000 && peakRssAtSnapshotMB < 200,
    node: process.version,
  };
  console.log(JSON.stringify(result, null, 2));
  const out = argValue('--json');
  if (out) fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  if (!complete) process.exitCode = 1;
}
