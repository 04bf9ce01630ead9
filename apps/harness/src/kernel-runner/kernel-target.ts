import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '@kproxy/api';
import { silentLogger } from '@kproxy/api';
import type { AffinityCheck, BackendUnderTest, Flow, ObjectRef, Observation, Scenario, ScenarioObject, ScenarioTarget } from '@kproxy/conformance';
import { compareOutcome, expectedFor, fakeTarget, resolveSource } from '@kproxy/conformance';
import { netnsExecutor, spawnExecutor } from '@kproxy/exec';
import { kubeconfigYaml } from '../apiserver/kubeconfig.ts';
import { startApiServer } from '../apiserver/server.ts';
import type { ApiServer, KubeObject } from '../apiserver/server.ts';
import { startEchoServer } from '../echo/start.ts';
import type { EchoServer } from '../echo/start.ts';
import { probeFlow, startProbeAgent } from '../probe/agent-client.ts';
import type { ProbeAgent } from '../probe/agent-client.ts';
import { normaliseAddress } from '../topology/addresses.ts';
import { buildTopology } from '../topology/build.ts';
import type { Topology } from '../topology/build.ts';
import { bridgeToNamespace } from './api-bridge.ts';
import type { ApiBridge } from './api-bridge.ts';
import { daemonArgs } from './daemon-args.ts';
import { DAEMON_ENTRY, startDaemon, waitForSync } from './daemon.ts';
import type { DaemonProcess } from './daemon.ts';
import { observationOf } from './observe.ts';
import { kernelLayout } from './scenario-topology.ts';

/** Options of the real-kernel target. */
export interface KernelTargetOptions {
  /** `--proxy-mode` of the daemon: `nftables` (default), later `iptables`, `ipvs`. */
  readonly backend?: string;
  readonly logger?: Logger;
  /** Namespace-name prefix. Default `kpk`. */
  readonly prefix?: string;
  /** The daemon's entry point. Default apps/kproxy/src/main.ts. */
  readonly daemonEntry?: string;
  /** How long a flow may keep re-probing until it matches its expectation (rules settling). Default 4000 ms. */
  readonly settleMs?: number;
  /** Upper bound of one sync wait. Default 8000 ms (first sync: 30 s). */
  readonly syncTimeoutMs?: number;
  /** Extra daemon flags (appended). */
  readonly daemonFlags?: readonly string[];
  /**
   * Program the node namespace from this process instead of running the daemon: the backend (as the
   * conformance suite describes it) is created per family with a real executor inside the node namespace
   * and synced with the state @kproxy/state builds, exactly as the fake runner does. Packets stay real.
   * Isolates a backend's rules on the real kernel from the daemon's watch and sync loop.
   */
  readonly inProcess?: BackendUnderTest;
}

const DAEMON_AT = { host: '127.0.0.1', healthzPort: 10256, metricsPort: 10249 };

/**
 * Per-attempt timeouts. IPv6 TCP needs more than the first SYN retransmission (1 s): Linux turns an ICMPv6
 * port unreachable that arrives while connect() still holds the socket into a soft error, and only the
 * retransmitted SYN's error refuses the connection.
 */
export function probeTimeout(proto: string, family: string): number {
  if (proto === 'udp') return 600;
  return family === 'IPv6' ? 1500 : 800;
}

function toKube(o: ScenarioObject): KubeObject {
  const apiVersion = o.kind === 'EndpointSlice' ? 'discovery.k8s.io/v1' : 'v1';
  return { apiVersion, kind: o.kind, ...(o.object as object) } as KubeObject;
}

/**
 * A conformance `ScenarioTarget` on the real kernel: namespaces for the node, endpoints and clients, echo
 * servers, the embedded API server bridged into the node namespace, and the daemon running there.
 * `@kproxy/conformance`'s `runScenario` drives it and does every comparison.
 */
/** The real-kernel target: a ScenarioTarget plus timings, the daemon's log and the node namespace's name. */
export interface KernelTarget extends ScenarioTarget {
  /** Milliseconds spent per phase so far. */
  readonly timings: Record<string, number>;
  /** The daemon's last log lines ('' in-process). */
  daemonLog(): string;
  /** The node namespace's name once started (to inspect or tamper with its ruleset in tests). */
  nodeNamespace(): string | undefined;
}

export function kernelTarget(options: KernelTargetOptions = {}): KernelTarget {
  const backend = options.backend ?? 'nftables';
  const logger = options.logger ?? silentLogger;
  const settleMs = options.settleMs ?? 4000;
  const syncTimeoutMs = options.syncTimeoutMs ?? 8000;
  const timings: Record<string, number> = {};
  let scenario: Scenario | undefined;
  let topology: Topology | undefined;
  let api: ApiServer | undefined;
  let bridge: ApiBridge | undefined;
  let daemon: DaemonProcess | undefined;
  const echoes: EchoServer[] = [];
  const agents = new Map<string, Promise<ProbeAgent>>();
  let lastChange = 0;
  let firstSync = true;
  let inner: ScenarioTarget | undefined;

  const time = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      timings[label] = (timings[label] ?? 0) + (Date.now() - t0);
    }
  };
  const agentIn = (nsName: string): Promise<ProbeAgent> => {
    let a = agents.get(nsName);
    if (!a) {
      a = startProbeAgent(nsName);
      agents.set(nsName, a);
    }
    return a;
  };
  const isNodeLocal = (dst: string): boolean => {
    const ip = normaliseAddress(dst);
    return ip === '127.0.0.1' || ip === '::1' || topology?.plan.hosts[ip] === 'node';
  };
  const clientFor = (item: Flow | AffinityCheck): { ip: string; agent: Promise<ProbeAgent> } => {
    if (!scenario || !topology) throw new Error('kernel target not started');
    const ip = normaliseAddress(resolveSource(scenario.node, item.source.from, item.family).ip);
    const ns = topology.hostOf(ip);
    if (!ns) throw new Error(`no namespace holds the source address ${ip} of "${item.label}"`);
    return { ip, agent: agentIn(ns.name) };
  };

  const target = {
    backend,
    timings,
    daemonLog: () => daemon?.logTail(60) ?? '',
    nodeNamespace: () => topology?.node.name,
    async start(s: Scenario): Promise<void> {
      scenario = s;
      const layout = kernelLayout(s, options.prefix ?? 'kpk');
      topology = await time('topology', () => buildTopology(layout.topology, { logger }));
      const t = topology;
      await time('echo', async () => {
        for (let i = 0; i < layout.echo.length; i += 4) {
          const batch = layout.echo.slice(i, i + 4).map((cfg) => {
            const ns = t.hostOf(cfg.name);
            if (!ns) throw new Error(`no namespace for endpoint ${cfg.name}`);
            return startEchoServer(ns.name, cfg);
          });
          const settled = await Promise.allSettled(batch);
          for (const r of settled) if (r.status === 'fulfilled') echoes.push(r.value);
          const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
          if (failed) throw failed.reason;
        }
      });
      for (const e of echoes) for (const sk of e.ready.skipped) logger.info(`skipped echo socket ${sk.listen}: ${sk.reason}`);
      if (options.inProcess) {
        const under = options.inProcess;
        const executor = netnsExecutor(t.node.name, spawnExecutor());
        inner = fakeTarget({ ...under, create: (env) => under.create({ ...env, components: { ...env.components, executor } }) });
        await inner.start(s);
        return;
      }
      api = await time('apiserver', () => startApiServer({ bookmarkIntervalMs: 5000 }));
      for (const o of s.objects) api.apply(toKube(o));
      bridge = await time('bridge', () => bridgeToNamespace(t.node.name, api!.port));
      const kubeconfig = path.join(bridge.dir, 'kubeconfig');
      writeFileSync(kubeconfig, kubeconfigYaml(bridge.url), { mode: 0o600 });
      const args = [
        ...daemonArgs(s.node, {
          kubeconfig,
          backend,
          healthzBindAddress: `${DAEMON_AT.host}:${DAEMON_AT.healthzPort}`,
          metricsBindAddress: `${DAEMON_AT.host}:${DAEMON_AT.metricsPort}`,
          minSyncPeriod: '100ms',
          syncPeriod: '5s',
          verbosity: 2,
        }),
        ...(options.daemonFlags ?? []),
      ];
      lastChange = Date.now();
      daemon = startDaemon(t.node.name, args, options.daemonEntry ?? DAEMON_ENTRY);
      logger.debug({ args }, 'daemon started');
    },
    async apply(objects: readonly ScenarioObject[]): Promise<void> {
      if (inner) return inner.apply(objects);
      for (const o of objects) api!.apply(toKube(o));
      lastChange = Date.now();
    },
    async delete(refs: readonly ObjectRef[]): Promise<void> {
      if (inner) return inner.delete(refs);
      for (const r of refs) {
        const apiVersion = r.kind === 'EndpointSlice' ? 'discovery.k8s.io/v1' : 'v1';
        api!.delete({ kind: r.kind, apiVersion, ...(r.kind === 'Node' ? {} : { namespace: r.namespace }), name: r.name });
      }
      lastChange = Date.now();
    },
    async sync(): Promise<void> {
      if (inner) return time('sync', () => inner!.sync());
      if (!daemon || !topology) throw new Error('kernel target not started');
      const agent = await agentIn(topology.node.name);
      const timeout = firstSync ? 30_000 : syncTimeoutMs;
      const r = await time('sync', () => waitForSync(daemon!, agent, DAEMON_AT, lastChange, timeout));
      if (firstSync && !r.met) {
        throw new Error(`the daemon did not report a successful sync within ${timeout} ms (healthz ${r.sample?.status ?? 'no answer'}):\n${daemon.logTail()}`);
      }
      firstSync = false;
    },
    async send(flow: Flow): Promise<Observation> {
      const { ip, agent } = clientFor(flow);
      const a = await agent;
      const expected = expectedFor(flow, backend).outcome;
      const want = expected.verdict === 'DNAT' ? expected.endpoints.length : 0;
      const proto = flow.protocol.toLowerCase() as 'tcp' | 'udp' | 'sctp';
      const started = Date.now();
      let observation: Observation | undefined;
      // Re-probe (bounded) until the observation matches: rules may lag the healthz timestamp slightly.
      for (let round = 0; round < 8; round++) {
        const obs = await time('probe', () =>
          probeFlow(a, {
            proto,
            dst: flow.dst,
            port: flow.port,
            source: ip,
            // Enough connections that an unexpected extra endpoint would show up too: with N expected and one
            // extra, all 10N+10 connections miss the extra with probability (N/(N+1))^(10N+10) < 1e-5.
            connections: want > 0 ? Math.min(10 * want + 10, 100) : 1,
            timeoutMs: probeTimeout(proto, flow.family),
          }),
        );
        observation = observationOf(obs, ip, flow.dst, flow.port, isNodeLocal(flow.dst));
        if (!compareOutcome(expected, observation) || Date.now() - started > settleMs) break;
      }
      return observation!;
    },
    async connect(check: AffinityCheck): Promise<{ landed: (string | undefined)[] }> {
      const { ip, agent } = clientFor(check);
      const a = await agent;
      const landed: (string | undefined)[] = [];
      const proto = check.protocol.toLowerCase() as 'tcp' | 'udp' | 'sctp';
      for (let i = 0; i < Math.min(check.connections, 1000); i++) {
        const r = await time('probe', () => a.attempt({ proto, dst: check.dst, port: check.port, source: ip, timeoutMs: probeTimeout(proto, check.family) }));
        landed.push(r.outcome === 'answered' ? r.reply?.server : undefined);
      }
      return { landed };
    },
    async stop(): Promise<void> {
      const t0 = Date.now();
      const errors: unknown[] = [];
      const attempt = async (fn: () => Promise<unknown>): Promise<void> => {
        try {
          await fn();
        } catch (err) {
          errors.push(err);
        }
      };
      if (daemon) await attempt(() => daemon!.stop(5000));
      if (inner) await attempt(() => inner!.stop());
      for (const a of agents.values()) await attempt(async () => (await a).stop());
      for (const e of echoes) await attempt(() => e.stop(1000));
      if (bridge) await attempt(() => bridge!.close());
      if (api) await attempt(() => api!.close());
      if (topology) await attempt(() => topology!.destroy());
      timings.teardown = Date.now() - t0;
      if (errors.length > 0) throw errors[0];
    },
  };
  return target;
}
