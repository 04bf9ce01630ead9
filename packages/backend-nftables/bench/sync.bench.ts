// Benchmark (not a test): 10,000 services x 10 endpoints in fresh network namespaces.
// Run as root from packages/backend-nftables: node --conditions=@kproxy/source bench/sync.bench.ts [services] [endpoints]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { diffStates, servicePortKey, silentLogger, systemClock } from '@kproxy/api';
import type { Backend, Executor, ProxyState, ServicePort } from '@kproxy/api';
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

/**
 * The machine is shared, so wall-clock times swing with other load: every nft run also reports its CPU time
 * (user + system, from /usr/bin/time), and our own CPU time is taken from process.cpuUsage().
 */
function cpuMeter(inner: Executor): { executor: Executor; take(): number } {
  let nftCpu = 0;
  let own = process.cpuUsage();
  return {
    executor: {
      async run(file, args, options) {
        const r = await inner.run('/usr/bin/time', ['-f', 'KPCPU %U %S', file, ...args], options);
        const lines = r.stderr.trimEnd().split('\n');
        const last = lines[lines.length - 1] ?? '';
        const m = /^KPCPU ([\d.]+) ([\d.]+)$/.exec(last);
        if (m) nftCpu += (Number(m[1]) + Number(m[2])) * 1000;
        return { ...r, stderr: m ? lines.slice(0, -1).join('\n') : r.stderr };
      },
    },
    take() {
      const d = process.cpuUsage(own);
      own = process.cpuUsage();
      const total = nftCpu + (d.user + d.system) / 1000;
      nftCpu = 0;
      return Math.round(total);
    },
  };
}
const mb = (b: number) => Math.round(b / 1048576);


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
  const floorMeter = cpuMeter(floorNs.executor);
  floorMeter.take();
  let t0 = performance.now();
  await floorMeter.executor.run('nft', ['-j', '-f', file]);
  const floor = ms(t0);
  const floorCpu = floorMeter.take();
  rmSync(dir, { recursive: true, force: true });
  await floorNs.remove();

  // Cold full sync through the backend: render (pure) and apply, measured apart, then the backend's total.
  const ns = await createNetns('kpbench');
  namespaces.push(ns);
  const meter = cpuMeter(ns.executor);
  const components = { logger: silentLogger, clock: systemClock, executor: meter.executor };
  const client = nftables({ executor: meter.executor });
  meter.take();
  t0 = performance.now();
  const r = render(state);
  const renderMs = ms(t0);
  t0 = performance.now();
  await client.apply(r.transaction);
  const applyMs = ms(t0);
  await ns.run('nft', ['delete', 'table', 'ip', 'kube-proxy']);
  const backend = nftablesBackend()(components);
  meter.take();
  t0 = performance.now();
  const cold = await backend.sync(state);
  const coldTotal = ms(t0);
  const coldCpu = meter.take();
  const mem1 = process.memoryUsage();

  // One minimal nft call on that table (the CLI floor per call at this size).
  const tiny = new Transaction({ family: 'ip', table: 'kube-proxy' });
  tiny.add({ element: { name: 'cluster-ips', elem: [ipOf(172, 0x100000)] } });
  const minimal: number[] = [];
  const minimalCpu: number[] = [];
  for (let k = 0; k < 3; k++) {
    meter.take();
    t0 = performance.now();
    await client.apply(tiny);
    minimal.push(ms(t0));
    minimalCpu.push(meter.take());
  }

  // One-service changes at this size, each kind three times, with the change set the daemon would pass.
  const changes: Record<string, number[]>[] = [];
  let current = state;
  for (let rep = 0; rep < 3; rep++) {
    const variants: [string, ProxyState][] = [];
    variants.push(['endpoints of one service changed', withPort(current, service(17, rep + 1))]);
    variants.push(['one service added', withPort(variants[0]![1], service(SERVICES + 1 + rep))]);
    variants.push(['one service removed', withoutPort(variants[1]![1], service(5 + rep))]);
    for (const [what, next] of variants) {
      const cs = diffStates(current, next, [...keysOf(current, next)]);
      meter.take();
      t0 = performance.now();
      const res = await backend.sync(next, { changes: cs });
      const total = ms(t0);
      const cpuMs = meter.take();
      let entry = changes.find((c) => c['what']?.[0] === what.length);
      if (!entry) {
        entry = { what: [what.length], totalMs: [], cpuMs: [], operations: [], bytes: [] };
        changes.push(entry);
      }
      entry['totalMs']!.push(total);
      entry['cpuMs']!.push(cpuMs);
      entry['operations']!.push(res.operations);
      entry['bytes']!.push(res.bytes);
      current = next;
    }
  }
  // Partial render alone (pure), for an endpoint change, with the change set.
  const memoBackend = render(current);
  const changed = withPort(current, service(23, 2));
  t0 = performance.now();
  const partialRender = render(changed, memoBackend.memo, { changes: diffStates(current, changed, ['ns23/svc23:http/TCP']) });
  const partialRenderMs = ms(t0);
  // A restart over the full table: one listing, a reconcile, and (nothing) to write.
  const restarted = nftablesBackend()(components);
  meter.take();
  t0 = performance.now();
  const restart = await restarted.sync(current);
  const restartMs = ms(t0);
  const restartCpu = meter.take();
  const latency = await firstPacketLatency(ns, restarted, current);

  const mem2 = process.memoryUsage();
  console.log(
    JSON.stringify(
      {
        services: SERVICES,
        endpointsPerService: ENDPOINTS,
        documentBytes: Buffer.byteLength(doc),
        commands: rendered.transaction.size,
        floor: { nftFileMs: floor, nftCpuMs: floorCpu },
        cold: { renderMs, applyMs, renderPlusApplyMs: Math.round((renderMs + applyMs) * 10) / 10, backendSyncTotalMs: coldTotal, backendSyncCpuMs: coldCpu, operations: cold.operations, bytes: cold.bytes },
        coldVsFloorWall: Math.round((coldTotal / floor) * 100) / 100,
        coldVsFloorCpu: Math.round((coldCpu / floorCpu) * 100) / 100,
        minimalNftCall: { wallMs: minimal, cpuMs: minimalCpu },
        oneServiceChanges: changes.map((c, i) => ({ what: ['endpoints of one service changed', 'one service added', 'one service removed'][i], totalMs: c['totalMs'], cpuMs: c['cpuMs'], operations: c['operations'], bytes: c['bytes'] })),
        restartOverFullTable: { wallMs: restartMs, cpuMs: restartCpu, operations: restart.operations },
        firstPacketLatencyUs: latency,
        loadAverage: loadavg().map((x) => Math.round(x * 10) / 10),
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

function keysOf(a: ProxyState, b: ProxyState): Set<string> {
  const out = new Set<string>();
  for (const k of b.servicePorts.keys()) if (a.servicePorts.get(k) !== b.servicePorts.get(k)) out.add(k);
  for (const k of a.servicePorts.keys()) if (!b.servicePorts.has(k)) out.add(k);
  return out;
}

// Connect latency to a ClusterIP whose endpoint is a local address (on lo) in the same namespace: the SYN
// walks nat-output (services vmap, service chain, DNAT), filter-output and postrouting.
function probeSource(): string {
  return `
import socket, sys, threading, time
vip, ep = sys.argv[1], sys.argv[2]
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); srv.bind((ep, 8080)); srv.listen(512)
def accept():
    while True:
        c, _ = srv.accept(); c.close()
threading.Thread(target=accept, daemon=True).start()
lat = []
deadline = time.time() + 20
for i in range(300):
    if time.time() > deadline: break
    s = socket.socket(); s.settimeout(2)
    t = time.perf_counter(); s.connect((vip, 80)); lat.append((time.perf_counter() - t) * 1e6); s.close()
lat.sort()
print(int(lat[len(lat)//2]), int(lat[int(len(lat)*0.99)-1]), len(lat))
`;
}

async function firstPacketLatency(ns: Netns, backend: Backend, state: ProxyState): Promise<{ median: number; p99: number; samples: number }> {
  await ns.run('ip', ['addr', 'add', '10.99.0.1/32', 'dev', 'lo']);
  // The VIP needs a route before nat-output rewrites it: a veth pair inside the namespace carries it.
  await ns.run('ip', ['link', 'add', 'kpv0', 'type', 'veth', 'peer', 'name', 'kpv1']);
  await ns.run('ip', ['link', 'set', 'kpv0', 'up']);
  await ns.run('ip', ['link', 'set', 'kpv1', 'up']);
  await ns.run('ip', ['addr', 'add', '10.98.0.1/24', 'dev', 'kpv0']);
  await ns.run('ip', ['route', 'add', '172.31.0.0/16', 'dev', 'kpv0']);
  const probe = svcPort({ ns: 'bench', svc: 'latency', portName: 'http', clusterIP: '172.31.255.1', port: 80, eps: [ep('10.99.0.1', 8080)] });
  const next = withPort(state, probe);
  await backend.sync(next, { changes: diffStates(state, next, [servicePortKey(probe.name)]) });
  const out = await ns.run('python3', ['-c', probeSource(), '172.31.255.1', '10.99.0.1'], { timeoutMs: 60_000 });
  const [median, p99, samples] = out.stdout.trim().split(' ').map(Number);
  return { median: median ?? -1, p99: p99 ?? -1, samples: samples ?? 0 };
}
