// Benchmark of the winkernel backend over the fake HNS: render cost, first sync, no-op sync, and the
// cost of a one-endpoint change, for growing numbers of service ports. Prints numbers; every loop is bounded.
import { diffStates, servicePortKey, silentLogger, systemClock } from '@kproxy/api';
import type { Components, Endpoint, ProxyState, ServicePort } from '@kproxy/api';
import { servicePortOf } from '@kproxy/api/testing';
import { fakeWinkernel } from '../src/testing/index.ts';
import { renderHns } from '../src/render.ts';
import { resolveOptions } from '../src/options.ts';

const components: Components = {
  logger: silentLogger,
  clock: systemClock,
  executor: { run: () => Promise.reject(new Error('no processes')) },
};

function endpoint(i: number, j: number): Endpoint {
  const local = j % 5 === 0;
  return {
    ip: `10.${local ? 244 : 245 + (i % 8)}.${(i >> 8) & 255}.${((i & 255) * 10 + j) % 250 + 1}`,
    port: 8080,
    ready: true,
    serving: true,
    terminating: false,
    isLocal: local,
  };
}

function servicePort(i: number, endpoints: Endpoint[]): ServicePort {
  return servicePortOf({
    namespace: 'bench',
    name: `svc-${i}`,
    clusterIP: `10.96.${(i >> 8) & 255}.${i & 255}`,
    nodePort: i % 10 === 0 ? 30000 + (i % 2000) : 0,
    endpoints,
  });
}

function makeState(n: number, perService: number): ProxyState {
  const ports = new Map<string, ServicePort>();
  for (let i = 0; i < n; i++) {
    const eps = Array.from({ length: perService }, (_, j) => endpoint(i, j));
    const uniq = [...new Map(eps.map((e) => [e.ip, e])).values()];
    const sp = servicePort(i, uniq);
    ports.set(servicePortKey(sp.name), sp);
  }
  return {
    family: 'IPv4',
    node: {
      name: 'node-a', family: 'IPv4', nodeIPs: ['192.168.1.10'], nodePortAddresses: { kind: 'all' },
      localDetector: { mode: 'None' }, masqueradeAll: false, masqueradeBit: 14, features: {},
    },
    servicePorts: ports,
  };
}

async function time<T>(fn: () => Promise<T> | T): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
}

/** Median time of `runs` runs of `fn` (bounded by the global deadline), with the last run's value. */
async function median<T>(runs: number, fn: () => Promise<T>): Promise<{ ms: number; value: T | undefined }> {
  const times: number[] = [];
  let value: T | undefined;
  for (let i = 0; i < runs && Date.now() < deadline; i++) {
    const t0 = performance.now();
    value = await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: +(times[Math.floor(times.length / 2)] ?? NaN).toFixed(2), value };
}

const deadline = Date.now() + 120_000;
for (const n of (process.env.BENCH_SIZES ?? "100,1000,5000").split(",").map(Number)) {
  if (Date.now() > deadline) break;
  const state = makeState(n, 10);
  const { backend, hns } = fakeWinkernel({ family: 'IPv4', components });
  const [first, tFirst] = await time(() => backend.sync(state));
  const facts = {
    network: hns.snapshot().networks[0] ?? { id: '', name: 'cbr0', type: 'L2Bridge' as const, remoteSubnets: [] },
    endpointsByIp: new Map(hns.snapshot().endpoints.map((e) => [e.ipAddress, e])),
  };
  const opts = resolveOptions({ networkName: 'cbr0' });
  let renders = 0;
  const [, tRender] = await time(() => {
    for (; renders < 20 && Date.now() < deadline; renders++) renderHns(state, opts, facts);
  });
  // The state builder hands over unchanged service ports as the same objects, with the change set.
  const same: ProxyState = { ...state, servicePorts: new Map(state.servicePorts) };
  const noop = await median(5, async () => {
    hns.resetCalls();
    await backend.sync(same, { changes: diffStates(state, same, []) });
    return hns.calls.length;
  });
  // One endpoint of one service goes away, then comes back (alternating), each with its change set.
  // A port without node port: its endpoints feed exactly one load balancer (the ClusterIP).
  const key = [...state.servicePorts.keys()][Math.floor(n / 2) + 1] ?? '';
  const sp = state.servicePorts.get(key) as ServicePort;
  const smaller: ProxyState = { ...state, servicePorts: new Map(state.servicePorts).set(key, { ...sp, endpoints: sp.endpoints.slice(1) }) };
  let current: ProxyState = same;
  let writes: string[] = [];
  const one = await median(6, async () => {
    const next = current === smaller ? same : smaller;
    hns.resetCalls();
    const r = await backend.sync(next, { changes: diffStates(current, next, [key]) });
    writes = hns.writes().map((c) => c.op);
    current = next;
    return r.operations;
  });
  // Worst case: all-new objects and no change set, so every service port is compared.
  const worst = await median(3, async () => {
    const fresh = makeState(n, 10);
    const r = await backend.sync(fresh);
    current = fresh;
    return r.operations;
  });
  console.log(
    JSON.stringify({
      servicePorts: n,
      endpointsPerPort: 10,
      loadBalancers: hns.snapshot().loadBalancers.length,
      firstSyncMs: +tFirst.toFixed(1),
      firstSyncOps: first.operations,
      renderMs: +(tRender / Math.max(renders, 1)).toFixed(2),
      noopSyncMs: noop.ms,
      noopSyncHnsCalls: noop.value,
      oneEndpointSyncMs: one.ms,
      oneEndpointSyncOps: one.value,
      oneEndpointWrites: writes,
      fullCompareSyncMs: worst.ms,
    }),
  );
}
