// The README's main job: `npm run demo` (tools/scripts/demo.sh) runs this as root. It builds a small
// cluster of network namespaces, runs kproxy in the node namespace against the harness's embedded API
// server, shows what it programmed, probes services with real connections, changes the cluster, probes
// again, and removes everything it made.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawnExecutor } from '@kproxy/exec';
import { netnsSupport } from '@kproxy/netns';
import { kubeconfigYaml } from '../apiserver/kubeconfig.ts';
import { startApiServer } from '../apiserver/server.ts';
import type { ApiServer, KubeObject } from '../apiserver/server.ts';
import { startEchoServer } from '../echo/start.ts';
import type { EchoServer } from '../echo/start.ts';
import { bridgeToNamespace } from '../kernel-runner/api-bridge.ts';
import type { ApiBridge } from '../kernel-runner/api-bridge.ts';
import { DAEMON_ENTRY, daemonAvailable, startDaemon, waitForSync } from '../kernel-runner/daemon.ts';
import type { DaemonProcess } from '../kernel-runner/daemon.ts';
import { probeFlow, startProbeAgent } from '../probe/agent-client.ts';
import type { FlowObservation, ProbeAgent } from '../probe/agent-client.ts';
import { buildTopology } from '../topology/build.ts';
import type { Topology } from '../topology/build.ts';
import { ADDED, AFTER, allPods, BEFORE, DEMO, nodeObject, serviceObject, sliceObject } from './cluster.ts';
import type { DemoService } from './cluster.ts';
import { demoProbes } from './demo-probes.ts';
import { kernelspaceDryRun } from './kernelspace-dry-run.ts';
import type { DemoProbe } from './demo-probes.ts';
import { summariseRuleset } from './ruleset-summary.ts';

const DAEMON_AT = { host: '127.0.0.1', healthzPort: 10256, metricsPort: 10249 };
const say = (text = ''): void => void process.stdout.write(`${text}\n`);
const ms = (t0: number): string => `${Date.now() - t0} ms`;

function withPort(o: object): KubeObject {
  return o as KubeObject;
}

async function showRuleset(t: Topology): Promise<void> {
  const r = await t.node.executor.run('nft', ['-j', 'list', 'table', 'ip', 'kube-proxy'], { timeoutMs: 10_000 });
  if (r.exitCode !== 0) {
    say(`    (nft list table ip kube-proxy failed: ${r.stderr.trim()})`);
    return;
  }
  const s = summariseRuleset(JSON.parse(r.stdout));
  say(`    table ${s.table}: ${s.chains} chains, ${s.rules} rules, ${s.sets} sets and maps`);
  for (const e of s.entries) say(`      ${e.match.padEnd(20)} -> ${e.service.padEnd(28)} DNAT to ${e.endpoints.length ? e.endpoints.join(', ') : '(none)'}`);
  if (s.noEndpoints.length) say(`      rejected (no endpoints): ${s.noEndpoints.join(', ')}`);
}

function describe(o: FlowObservation, clientIp: string): string {
  if (o.answers.size === 0) {
    const what = Object.keys(o.outcomes).join(', ');
    return what === 'refused' ? 'refused (connection refused)' : what === 'timeout' ? 'no answer (timed out)' : what;
  }
  const parts = [...o.answers].sort().map(([server, a]) => `${server} x${a.count}`);
  const sources = new Set([...o.answers.values()].flatMap((a) => [...a.sources]));
  const seen = [...sources].map((s) => (s === clientIp ? `${s} (the client itself)` : `${s} (masqueraded)`)).join(', ');
  const failed = Object.entries(o.outcomes).filter(([k]) => k !== 'answered');
  return `answered by ${parts.join(', ')}; source seen: ${seen}${failed.length ? `; also ${failed.map(([k, n]) => `${k} x${n}`).join(', ')}` : ''}`;
}

function verdict(p: DemoProbe, o: FlowObservation, clientIp: string): boolean {
  if (p.expect === 'refused') return o.answers.size === 0 && (o.outcomes.refused ?? 0) > 0;
  if (p.expect === 'no answer') return o.answers.size === 0 && (o.outcomes.timeout ?? 0) > 0;
  const got = [...o.answers.keys()].sort();
  const wanted = [...p.expect].sort();
  const sources = [...new Set([...o.answers.values()].flatMap((a) => [...a.sources]))];
  const masqOk = p.masq === undefined || sources.every((s) => (s !== clientIp) === p.masq);
  const complete = (o.outcomes.answered ?? 0) === o.connections;
  if (p.sticky) return complete && got.length === 1 && wanted.includes(got[0]!) && masqOk;
  return complete && masqOk && got.length === wanted.length && got.every((g, i) => g === wanted[i]);
}

async function probeAll(t: Topology, agents: Record<string, ProbeAgent>, services: readonly DemoService[], gone: readonly DemoService[]): Promise<number> {
  let bad = 0;
  const clientIp = { pod: DEMO.podClient, external: DEMO.externalClient, node: DEMO.nodeIP };
  for (const p of demoProbes(services, gone)) {
    const o = await probeFlow(agents[p.client]!, { proto: p.proto, dst: p.dst, port: p.port, source: clientIp[p.client], connections: p.connections, timeoutMs: 800 });
    const ok = verdict(p, o, clientIp[p.client]);
    if (!ok) bad++;
    const expectation = Array.isArray(p.expect) ? `${p.sticky ? 'one of' : 'all of'} ${p.expect.length} pod(s)${p.masq === undefined ? '' : p.masq ? ', masqueraded' : ', client address kept'}` : p.expect;
    say(`    ${ok ? 'ok  ' : 'FAIL'} ${p.title}: ${p.client} ${clientIp[p.client]} -> ${p.dst}:${p.port}/${p.proto} x${o.connections}`);
    say(`         ${describe(o, clientIp[p.client])}`);
    if (!ok) say(`         expected: ${expectation}`);
  }
  void t;
  return bad;
}

async function main(): Promise<number> {
  const t0 = Date.now();
  say('kproxy demo: a service proxy on the real kernel, inside throw-away network namespaces');
  const support = await netnsSupport();
  if (!support.ok) {
    say(`cannot run: ${support.reason} (the demo creates network namespaces; run it as root)`);
    return 2;
  }
  const daemonOk = daemonAvailable();
  if (!daemonOk.ok) {
    say(`cannot run: ${daemonOk.reason}`);
    return 2;
  }
  let topology: Topology | undefined;
  let api: ApiServer | undefined;
  let bridge: ApiBridge | undefined;
  let daemon: DaemonProcess | undefined;
  const echoes: EchoServer[] = [];
  const agents: Record<string, ProbeAgent> = {};
  let failures = 0;
  try {
    let t1 = Date.now();
    const pods = allPods();
    say(`\n[1/7] Building the network: node ${DEMO.node} (${DEMO.nodeIP}, pods ${DEMO.podCIDR}), a second node for remote pods,`);
    say(`      ${pods.length} pods, a pod client (${DEMO.podClient}) and an external client (${DEMO.externalClient})`);
    topology = await buildTopology({
      prefix: 'kpdemo',
      node: { name: DEMO.node, addresses: [DEMO.nodeIP], podCIDRs: [DEMO.podCIDR] },
      endpoints: pods.map((p) => ({ ip: p.ip, local: p.local })),
      podClient: [DEMO.podClient],
      externalClient: [DEMO.externalClient],
    });
    const t = topology;
    const ports = new Map<string, { proto: 'tcp' | 'udp'; port: number }[]>();
    for (const s of [...BEFORE, ADDED]) {
      for (const p of s.pods) ports.set(p.ip, [...(ports.get(p.ip) ?? []), { proto: s.protocol === 'UDP' ? 'udp' : 'tcp', port: s.targetPort }]);
    }
    // A few at a time: each is a Node process starting inside its pod's namespace.
    for (let i = 0; i < pods.length; i += 4) {
      const batch = pods.slice(i, i + 4).map((p) => startEchoServer(t.hostOf(p.ip)!.name, { name: p.name, listen: (ports.get(p.ip) ?? []).map((l) => ({ ...l, host: p.ip })) }));
      const settled = await Promise.allSettled(batch);
      for (const r of settled) if (r.status === 'fulfilled') echoes.push(r.value);
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
    say(`      ${t.names().length} network namespaces, ${echoes.length} echo servers (each answers with its address and the source it saw) in ${ms(t1)}`);

    t1 = Date.now();
    say('\n[2/7] Starting the embedded Kubernetes API server with 4 services in 3 namespaces');
    api = await startApiServer({ bookmarkIntervalMs: 5000 });
    api.apply(withPort(nodeObject()));
    for (const s of BEFORE) {
      api.apply(withPort(serviceObject(s)));
      api.apply(withPort(sliceObject(s)));
      const kind = s.nodePort ? `NodePort ${s.nodePort}` : 'ClusterIP';
      say(`      ${`${s.namespace}/${s.name}`.padEnd(18)} ${kind.padEnd(15)} ${s.clusterIP}:${s.port}/${s.protocol} -> ${s.pods.map((p) => p.name).join(', ')}${s.affinity ? '  (ClientIP affinity)' : ''}`);
    }
    bridge = await bridgeToNamespace(t.node.name, api.port);
    const kubeconfig = path.join(bridge.dir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeconfigYaml(bridge.url), { mode: 0o600 });

    t1 = Date.now();
    say(`\n[3/7] Starting kproxy (--proxy-mode nftables) inside the node namespace`);
    const args = [
      '--kubeconfig', kubeconfig,
      '--hostname-override', DEMO.node,
      '--proxy-mode', 'nftables',
      '--cluster-cidr', DEMO.clusterCIDR,
      '--healthz-bind-address', `${DAEMON_AT.host}:${DAEMON_AT.healthzPort}`,
      '--metrics-bind-address', `${DAEMON_AT.host}:${DAEMON_AT.metricsPort}`,
      '--nftables-min-sync-period', '100ms',
      '--nftables-sync-period', '5s',
      '-v=1',
    ];
    say(`      node ${path.relative(process.cwd(), DAEMON_ENTRY)} ${args.join(' ')}`);
    daemon = startDaemon(t.node.name, args);
    agents.node = await startProbeAgent(t.node.name);
    agents.pod = await startProbeAgent(t.ns('pod-client').name);
    agents.external = await startProbeAgent(t.ns('external-client').name);
    const first = await waitForSync(daemon, agents.node, DAEMON_AT, 0, 30_000);
    if (!first.met) throw new Error(`kproxy did not report a sync within 30 s:\n${daemon.logTail()}`);
    say(`      healthz says synced after ${ms(t1)}`);

    say('\n[4/7] What kproxy programmed (nft -j list table ip kube-proxy in the node namespace, summarised):');
    await showRuleset(t);

    say('\n[5/7] Probing with real connections (each a new connection; pods answer with who they are and the source they saw):');
    failures += await probeAll(t, agents, BEFORE, []);

    t1 = Date.now();
    say('\n[6/7] Changing the cluster: scale shop/web from 3 pods to 1, delete shop/checkout, add monitoring/metrics');
    const changed = Date.now();
    api.apply(withPort(sliceObject(AFTER[0]!)));
    const checkout = BEFORE[1]!;
    api.delete({ kind: 'Service', apiVersion: 'v1', namespace: checkout.namespace, name: checkout.name });
    api.delete({ kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1', namespace: checkout.namespace, name: `${checkout.name}-demo` });
    api.apply(withPort(serviceObject(ADDED)));
    api.apply(withPort(sliceObject(ADDED)));
    const again = await waitForSync(daemon, agents.node, DAEMON_AT, changed, 15_000);
    say(`      kproxy ${again.met ? 'synced' : 'has not reported a newer sync'} after ${ms(t1)}`);
    await showRuleset(t);
    say('');
    failures += await probeAll(t, agents, AFTER, [checkout]);
  } catch (err) {
    failures++;
    say(`\nthe demo stopped: ${(err as Error).message}`);
    if (daemon) say(`kproxy's last log lines:\n${daemon.logTail(20)}`);
  } finally {
    const t1 = Date.now();
    say('\n[7/7] Cleaning up');
    if (daemon) {
      await daemon.stop(5000);
      say(`      kproxy stopped (exit ${daemon.exitCode() ?? 'signal'})`);
    }
    for (const a of Object.values(agents)) await a.stop();
    for (const e of echoes) await e.stop(1000);
    if (bridge) await bridge.close();
    if (api) await api.close();
    const names = topology?.names() ?? [];
    if (topology) await topology.destroy();
    const left = (await spawnExecutor().run('ip', ['netns', 'list'])).stdout.split('\n').filter((l) => names.some((n) => l.startsWith(n)));
    say(`      removed ${names.length} namespaces (with their rules, links and processes) in ${ms(t1)}; left behind: ${left.length === 0 ? 'nothing' : left.join(', ')}`);
    if (left.length > 0) failures++;
  }
  say(`\n${failures === 0 ? 'demo finished: every probe behaved as expected' : `demo finished with ${failures} problem(s)`} (${ms(t0)} in all)`);
  return failures === 0 ? 0 : 1;
}

// Ctrl-C or a TERM: exit at once; the exit hooks kill our children and delete our namespaces.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`\ninterrupted (${signal}): removing the namespaces and stopping kproxy`);
    process.exit(130);
  });
}
// `--kernelspace-dry-run`: the same demo cluster through the Windows kernelspace mode, printed not programmed.
async function dryRunMain(): Promise<number> {
  say('kproxy demo: the demo cluster in kernelspace mode (Windows HNS), dry run on Linux');
  const r = await kernelspaceDryRun();
  process.stdout.write(r.stdout);
  if (r.stderr.trim()) process.stderr.write(r.stderr);
  return r.exitCode;
}

process.exitCode = process.argv.includes('--kernelspace-dry-run') ? await dryRunMain() : await main();
