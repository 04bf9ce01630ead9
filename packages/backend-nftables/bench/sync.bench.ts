// Benchmark (not a test): 10,000 services x 10 endpoints in fresh network namespaces.
// Run as root from packages/backend-nftables: node --conditions=@kproxy/source bench/sync.bench.ts [services] [endpoints] [chains]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { diffStates, servicePortKey, silentLogger, systemClock } from '@kproxy/api';
import type { Backend, Executor, ProxyState, ServicePort } from '@kproxy/api';
import { createNetns } from '@kproxy/netns';
import type { Netns } from '@kproxy/netns';
import { spawnExecutor } from '@kproxy/exec';
import { nftables, nftScript, Transaction } from '@kproxy/nftables-json';
import { nftablesBackend } from '../src/index.ts';
import { render } from '../src/render.ts';
import { ep, svcPort } from '../src/testing/index.ts';
import { benchService, benchState, ipOf } from './cluster.ts';
import { ms, probe, quiet, timed } from './measure.ts';

const SERVICES = Math.min(Number(process.argv[2] ?? 10_000), 50_000);
const ENDPOINTS = Math.min(Number(process.argv[3] ?? 10), 50);
/** `chains` as the third argument: the layout without data maps (a chain per service port), for comparison. */
const LAYOUT = process.argv[4] === 'chains' ? ({ dataMaps: false } as const) : {};

const service = (i: number, gen = 0): ServicePort => benchService(i, { perService: ENDPOINTS, gen, nodePorts: true });
const stateWith = (n: number): ProxyState => benchState(n, { perService: ENDPOINTS, nodePorts: true });

/**
 * The machine is shared, so wall-clock times swing with other load: every nft run also reports its CPU time
 * (user + system, from /usr/bin/time), and our own CPU time is taken from process.cpuUsage().
 */
function cpuMeter(inner: Executor): { executor: Executor; take(): number; longestNftMs(): number } {
  let nftCpu = 0;
  let own = process.cpuUsage();
  let longest = 0;
  return {
    longestNftMs() {
      const l = longest;
      longest = 0;
      return Math.round(l * 10) / 10;
    },
    executor: {
      // The long-running `nft -i` session (small partial batches) passes through; its CPU time is not metered.
      ...(inner.start ? { start: inner.start.bind(inner) } : {}),
      async run(file, args, options) {
        const t = performance.now();
        const r = await inner.run('/usr/bin/time', ['-f', 'KPCPU %U %S', file, ...args], options);
        longest = Math.max(longest, performance.now() - t);
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

  // The floors: nft -f of exactly the same ruleset into an empty namespace as the text the client sends
  // (`nft -f`), and for reference the chains-only layout as JSON (`nft -j -f`; nft 1.0.6 cannot declare the
  // data maps in JSON), three times each, alternating.
  const rendered = render(state, undefined, LAYOUT);
  const doc = render(state, undefined, { dataMaps: false }).transaction.serialize();
  const script = nftScript(rendered.transaction);
  const dir = mkdtempSync(path.join(tmpdir(), 'kp-bench-'));
  const jsonFile = path.join(dir, 'ruleset.json');
  const textFile = path.join(dir, 'ruleset.nft');
  writeFileSync(jsonFile, doc);
  writeFileSync(textFile, script);
  const floors: Record<'json' | 'text', Awaited<ReturnType<typeof timed>>[]> = { json: [], text: [] };
  for (let round = 0; round < 3; round++) {
    for (const wire of ['text', 'json'] as const) {
      const floorNs = await createNetns('kpbench');
      namespaces.push(floorNs);
      await quiet();
      const r = await timed(floorNs, wire === 'json' ? ['-j', '-f', jsonFile] : ['-f', textFile]);
      if (!r.ok) throw new Error(`floor (${wire}) failed: ${r.stderr}`);
      floors[wire].push(r);
      await floorNs.remove();
    }
  }
  rmSync(dir, { recursive: true, force: true });
  const best = (wire: 'json' | 'text') => floors[wire].reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
  const floor = { json: best('json'), text: best('text') };

  // Cold full sync through the backend, three times (as many as the floor runs of each wire), each into a fresh namespace: the total (listing the empty
  // namespace, render, serialise, apply), its CPU time (ours and nft's) and nft's own wall time.
  let ns: Netns | undefined;
  let meter = cpuMeter(spawnExecutor());
  const coldRuns: { totalMs: number; cpuMs: number; nftMs: number }[] = [];
  let cold = { full: true, operations: 0, bytes: 0 };
  let backend: Backend | undefined;
  for (let round = 0; round < 3; round++) {
    if (ns) await ns.remove();
    ns = await createNetns('kpbench');
    namespaces.push(ns);
    await quiet();
    meter = cpuMeter(ns.executor);
    backend = nftablesBackend(LAYOUT)({ logger: silentLogger, clock: systemClock, executor: meter.executor });
    meter.take();
    meter.longestNftMs();
    const t = performance.now();
    cold = await backend.sync(state);
    coldRuns.push({ totalMs: ms(t), cpuMs: meter.take(), nftMs: meter.longestNftMs() });
  }
  if (!ns || !backend) throw new Error('no cold sync ran');
  const components = { logger: silentLogger, clock: systemClock, executor: meter.executor };
  const client = nftables({ executor: meter.executor });
  const coldBest = coldRuns.reduce((a, b) => (b.totalMs < a.totalMs ? b : a));
  const coldTotal = coldBest.totalMs;
  const coldCpu = coldBest.cpuMs;
  const mem1 = process.memoryUsage();

  // The same apart, in the second namespace again: render (pure), serialise (the text the client sends),
  // and the client's apply (serialise, temporary file, nft).
  await ns.run('nft', ['delete', 'table', 'ip', 'kube-proxy']);
  await quiet();
  let t0 = performance.now();
  const r = render(state, undefined, LAYOUT);
  const renderMs = ms(t0);
  t0 = performance.now();
  nftScript(r.transaction);
  const serializeMs = ms(t0);
  meter.longestNftMs();
  t0 = performance.now();
  const applied = await client.apply(r.transaction);
  const applyMs = ms(t0);
  const applyNftMs = meter.longestNftMs();

  // One minimal nft call on that table (the CLI floor per call at this size), through the client: argv (as
  // the client sends small batches) and, for comparison, a temporary file.
  // The yardstick is an nft process per call; the same call through the client's `nft -i` session
  // (what partial syncs use) is measured beside it.
  const tiny = new Transaction({ family: 'ip', table: 'kube-proxy' });
  tiny.add({ element: { name: 'cluster-ips', elem: [ipOf(172, 0x100000)] } });
  const viaProcess = nftables({ executor: meter.executor, session: false });
  const viaFile = nftables({ executor: meter.executor, argvLimitBytes: 0, session: false });
  const minimal: number[] = [];
  const minimalCpu: number[] = [];
  const minimalFile: number[] = [];
  const minimalSession: number[] = [];
  for (let k = 0; k < 5; k++) {
    meter.take();
    t0 = performance.now();
    await viaProcess.apply(tiny);
    minimal.push(ms(t0));
    minimalCpu.push(meter.take());
    t0 = performance.now();
    await viaFile.apply(tiny);
    minimalFile.push(ms(t0));
    t0 = performance.now();
    await client.apply(tiny);
    minimalSession.push(ms(t0));
    meter.take();
  }

  // Kernel validation on this table: nf_tables validates the whole table at commit (every chain reachable from
  // the base chains) when a batch adds a NAT or verdict-bearing rule or a jump/goto map element; a plain set
  // element or a counter rule is not validated. Five fresh batches each, through the text wire.
  await quiet();
  const REPS = 5;
  const svcChain = [...r.transaction.commands]
    .map((c) => ('add' in c && 'chain' in c.add ? c.add.chain.name : ''))
    .find((n) => n.startsWith('service-')) ?? 'mark-for-masquerade';
  const probeChains = new Transaction({ family: 'ip', table: 'kube-proxy' });
  for (let k = 0; k < REPS; k++) probeChains.add({ chain: { name: `probe-dnat-${k}` } }).add({ chain: { name: `probe-counter-${k}` } });
  await client.apply(probeChains);
  const one = (build: (tx: Transaction, k: number) => void) => (k: number) => {
    const tx = new Transaction({ family: 'ip', table: 'kube-proxy' });
    build(tx, k);
    return [nftScript(tx)];
  };
  const validation = {
    setElement: await probe(ns, REPS, one((tx, k) => tx.add({ element: { name: 'cluster-ips', elem: [ipOf(172, 0x1f0000 + k)] } }))),
    verdictMapGotoElement: await probe(
      ns,
      REPS,
      one((tx, k) => tx.add({ element: { name: 'service-ips', elem: [[{ concat: [ipOf(172, 0x1f0100 + k), 'tcp', 80] }, { goto: { target: svcChain } }]] } })),
    ),
    dnatRuleInUnreferencedChain: await probe(
      ns,
      REPS,
      one((tx, k) => tx.add({ rule: { chain: `probe-dnat-${k}`, expr: [{ match: { op: '==', left: { meta: { key: 'l4proto' } }, right: 'tcp' } }, { dnat: { addr: '10.99.0.1', port: 80 } }] } })),
    ),
    counterRule: await probe(ns, REPS, one((tx, k) => tx.add({ rule: { chain: `probe-counter-${k}`, expr: [{ counter: null }] } }))),
  };
  const cleanup = new Transaction({ family: 'ip', table: 'kube-proxy' });
  for (let k = 0; k < REPS; k++) {
    cleanup.delete({ chain: { name: `probe-dnat-${k}` } }).delete({ chain: { name: `probe-counter-${k}` } });
    cleanup.delete({ element: { name: 'cluster-ips', elem: [ipOf(172, 0x1f0000 + k)] } });
    cleanup.delete({ element: { name: 'service-ips', elem: [{ concat: [ipOf(172, 0x1f0100 + k), 'tcp', 80] }] } });
  }
  await client.apply(cleanup);

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
  const memoBackend = render(current, undefined, LAYOUT);
  const changed = withPort(current, service(23, 2));
  t0 = performance.now();
  const partialRender = render(changed, memoBackend.memo, { ...LAYOUT, changes: diffStates(current, changed, ['ns23/svc23:http/TCP']) });
  const partialRenderMs = ms(t0);
  // A restart over the full table: one listing, a reconcile, and (nothing) to write.
  const restarted = nftablesBackend(LAYOUT)(components);
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
        layout: 'dataMaps' in LAYOUT ? 'chains only' : 'data maps',
        endpointsPerService: ENDPOINTS,
        documentBytes: { text: Buffer.byteLength(script), jsonOfChainsLayout: Buffer.byteLength(doc) },
        commands: rendered.transaction.size,
        floors: {
          jsonOfChainsLayout: { wallMs: floor.json.wallMs, userMs: floor.json.userMs, sysMs: floor.json.sysMs, runsMs: floors.json.map((f) => f.wallMs), bytes: Buffer.byteLength(doc) },
          text: { wallMs: floor.text.wallMs, userMs: floor.text.userMs, sysMs: floor.text.sysMs, runsMs: floors.text.map((f) => f.wallMs), bytes: Buffer.byteLength(script) },
        },
        cold: {
          renderMs,
          serializeMs,
          applyMs,
          applyNftMs,
          applyWire: applied.wire,
          renderPlusApplyMs: Math.round((renderMs + applyMs) * 10) / 10,
          backendSyncTotalMs: coldTotal,
          backendSyncCpuMs: coldCpu,
          backendSyncNftMs: coldBest.nftMs,
          backendSyncRuns: coldRuns,
          operations: cold.operations,
          bytes: cold.bytes,
        },
        coldVsTextFloorWall: Math.round((coldTotal / floor.text.wallMs) * 100) / 100,
        coldVsJsonFloorOfChainsLayoutWall: Math.round((coldTotal / floor.json.wallMs) * 100) / 100,
        coldVsTextFloorCpu: Math.round((coldCpu / (floor.text.userMs + floor.text.sysMs)) * 100) / 100,
        kernelValidation: validation,
        minimalNftCall: { wallMs: minimal, cpuMs: minimalCpu, viaTempFileWallMs: minimalFile, viaSessionWallMs: minimalSession },
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
