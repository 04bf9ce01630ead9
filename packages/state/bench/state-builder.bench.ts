// Benchmark (not a test): full state build for 10,000 Services x 10 endpoints, and one-Service rebuilds.
// Run: node --conditions=@kproxy/source bench/state-builder.bench.ts   (from packages/state)
// Targets: full build < 300 ms, one-service rebuild < 1 ms. Every loop is bounded in count and time.
import type { KubeEndpointSlice, KubeService } from '@kproxy/api';
import { LABEL_SERVICE_NAME } from '@kproxy/api';
import { StateBuilder } from '../src/index.ts';
import type { ClusterSnapshot } from '../src/index.ts';

const SERVICES = Number(process.env.SERVICES ?? 10_000);
const ENDPOINTS = 10;
const NODES = 100;
const TIME_BUDGET_MS = 60_000;
const started = performance.now();

function service(i: number): KubeService {
  return {
    metadata: { namespace: `ns-${i % 50}`, name: `svc-${i}` },
    spec: {
      type: i % 10 === 0 ? 'NodePort' : 'ClusterIP',
      clusterIP: `10.${96 + ((i >> 16) & 0xff)}.${(i >> 8) & 0xff}.${i & 0xff}`,
      ports: [{ name: 'http', protocol: 'TCP', port: 80, ...(i % 10 === 0 ? { nodePort: 30000 + (i % 2000) } : {}) }],
      ...(i % 7 === 0 ? { externalTrafficPolicy: 'Local' } : {}),
    },
  };
}

function slice(i: number, generation: number): KubeEndpointSlice {
  return {
    metadata: {
      namespace: `ns-${i % 50}`,
      name: `svc-${i}-abcde`,
      labels: { [LABEL_SERVICE_NAME]: `svc-${i}` },
      annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': new Date(1_700_000_000_000 + generation).toISOString() },
    },
    addressType: 'IPv4',
    endpoints: Array.from({ length: ENDPOINTS }, (_, e) => {
      const n = i * ENDPOINTS + e + generation;
      return {
        addresses: [`10.${(n >> 16) & 0xff}.${(n >> 8) & 0xff}.${n & 0xff}`],
        conditions: { ready: true, serving: true, terminating: false },
        nodeName: `node-${n % NODES}`,
        zone: `zone-${n % 3}`,
      };
    }),
    ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
  };
}

const services = new Map<string, KubeService>();
// The snapshot's maps are mutated in place between updates (the builder keeps no reference to them), so the
// benchmark measures the builder, not the copying of a 10,000-entry map that the watch layer does its own way.
const slicesByService = new Map<string, readonly KubeEndpointSlice[]>();
for (let i = 0; i < SERVICES; i++) {
  const key = `ns-${i % 50}/svc-${i}`;
  services.set(key, service(i));
  slicesByService.set(key, [slice(i, 0)]);
}
const snapshot: ClusterSnapshot = { services, slicesByService, node: { metadata: { name: 'node-0', labels: { 'topology.kubernetes.io/zone': 'zone-0' } } } };

const nodeOptions = {
  hostname: 'node-0',
  nodeIPs: ['192.168.0.10'],
  detectLocalMode: 'ClusterCIDR' as const,
  clusterCIDRs: ['10.0.0.0/8'],
  nodePortAddresses: [],
  masqueradeAll: false,
  features: {},
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

// Full builds: a fresh builder each time (first update = full build).
// Wall time is reported, and CPU time too: on a shared, oversubscribed machine wall time mostly measures
// waiting for a CPU. Run with --expose-gc to collect garbage between runs (outside the timed section).
const gc = (globalThis as { gc?: () => void }).gc;
const fullTimes: number[] = [];
const fullCpu: number[] = [];
for (let run = 0; run < 7 && performance.now() - started < TIME_BUDGET_MS; run++) {
  gc?.();
  const builder = new StateBuilder({ family: 'IPv4', node: nodeOptions });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const { state } = builder.update(snapshot, [], true);
  fullTimes.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  fullCpu.push((c.user + c.system) / 1000);
  if (state.servicePorts.size !== SERVICES) throw new Error(`expected ${SERVICES} ports, got ${state.servicePorts.size}`);
}

// One-service rebuilds: change one Service's slice (endpoints move), rebuild only it.
const builder = new StateBuilder({ family: 'IPv4', node: nodeOptions });
builder.update(snapshot, [], true);
const oneTimes: number[] = [];
gc?.();
let oneCpuMicros = 0;
for (let run = 1; run <= 2000 && performance.now() - started < TIME_BUDGET_MS; run++) {
  const i = (run * 7919) % SERVICES;
  const key = `ns-${i % 50}/svc-${i}`;
  slicesByService.set(key, [slice(i, run)]);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const { changes } = builder.update(snapshot, [key], false);
  oneTimes.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  oneCpuMicros += c.user + c.system;
  if (changes.changes.size !== 1) throw new Error(`expected one changed port, got ${changes.changes.size}`);
}

const p99 = [...oneTimes].sort((a, b) => a - b)[Math.floor(oneTimes.length * 0.99)] as number;
console.log(
  JSON.stringify(
    {
      services: SERVICES,
      endpointsPerService: ENDPOINTS,
      loadAverage1m: (await import('node:os')).loadavg()[0],
      fullBuildMs: {
        runs: fullTimes.length,
        median: +median(fullTimes).toFixed(1),
        min: +Math.min(...fullTimes).toFixed(1),
        max: +Math.max(...fullTimes).toFixed(1),
        cpuMedian: +median(fullCpu).toFixed(1),
        cpuMin: +Math.min(...fullCpu).toFixed(1),
      },
      oneServiceRebuildMs: {
        runs: oneTimes.length,
        median: +median(oneTimes).toFixed(4),
        p99: +p99.toFixed(4),
        max: +Math.max(...oneTimes).toFixed(4),
        cpuMean: +(oneCpuMicros / 1000 / oneTimes.length).toFixed(4),
      },
      targets: { fullBuildMs: 300, oneServiceRebuildMs: 1 },
    },
    null,
    2,
  ),
);
