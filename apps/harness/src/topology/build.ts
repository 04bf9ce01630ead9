import { runChecked, spawnExecutor } from '@kproxy/exec';
import { connectVeth, createNetns } from '@kproxy/netns';
import type { Executor, Logger } from '@kproxy/api';
import { silentLogger } from '@kproxy/api';
import type { Netns } from '@kproxy/netns';
import { normaliseAddress } from './addresses.ts';
import { planTopology } from './plan.ts';
import type { AddressPlan, NamespacePlan, RoutePlan, TopologyPlan, TopologySpec } from './spec.ts';

/** A built topology: live namespaces, looked up by plan key or by the address they host. */
export interface Topology {
  readonly plan: TopologyPlan;
  /** The node namespace (the router where the proxy runs). */
  readonly node: Netns;
  /** The namespace of a plan key (`node`, `pod-client`, `external-client`, `ep:<ip>`, `client:<name>`). */
  ns(key: string): Netns;
  /** The namespace that owns an address (endpoint, client or node address), or undefined. */
  hostOf(ip: string): Netns | undefined;
  /** Real namespace names, for messages and leak checks. */
  names(): string[];
  /** Kills whatever still runs inside the namespaces and removes them. Idempotent; never throws. */
  destroy(): Promise<void>;
}

/** Options for {@link buildTopology}. */
export interface BuildTopologyOptions {
  readonly executor?: Executor;
  readonly logger?: Logger;
}

// Namespaces are set up in parallel, a few at a time, to keep a 2-core machine responsive.
const PARALLEL = 4;

async function inBatches<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += PARALLEL) {
    // allSettled: a failure must not leave siblings still running (and creating namespaces) behind us.
    const results = await Promise.allSettled(items.slice(i, i + PARALLEL).map(fn));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

/**
 * Builds the namespaces of a topology and wires them only to each other. On any failure everything built
 * so far is removed before the error is rethrown. The caller must `destroy()` the result (see
 * {@link withTopology}); @kproxy/netns also removes leftovers when the process exits.
 */
export async function buildTopology(spec: TopologySpec, options: BuildTopologyOptions = {}): Promise<Topology> {
  const plan = planTopology(spec);
  const executor = options.executor ?? spawnExecutor();
  const logger = options.logger ?? silentLogger;
  const live = new Map<string, Netns>();
  const topology: Topology = {
    plan,
    get node() {
      return get('node');
    },
    ns: (key) => get(key),
    hostOf: (ip) => {
      const key = plan.hosts[normaliseAddress(ip)];
      return key ? live.get(key) : undefined;
    },
    names: () => [...live.values()].map((n) => n.name),
    destroy: () => destroyAll(live, executor, logger),
  };
  function get(key: string): Netns {
    const ns = live.get(key);
    if (!ns) throw new Error(`topology has no namespace ${JSON.stringify(key)}`);
    return ns;
  }
  try {
    await inBatches(plan.namespaces, async (n: NamespacePlan) => {
      const ns = await createNetns(n.prefix, executor);
      live.set(n.key, ns);
      const sysctls: string[] = [];
      // Routers send no ICMP redirects: a packet routed back out of the interface it came in on (an external
      // client's packet to an address the node does not own) must meet the proxy's rules, not a redirect.
      if (n.forwarding) sysctls.push('net.ipv4.ip_forward=1', 'net.ipv4.conf.all.send_redirects=0', 'net.ipv4.conf.default.send_redirects=0');
      if (plan.families.includes('IPv6')) {
        // Without duplicate-address detection link-local addresses are usable at once: neighbour discovery
        // needs them, and DAD would otherwise make the first second of IPv6 traffic disappear.
        sysctls.push('net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0');
        if (n.forwarding) sysctls.push('net.ipv6.conf.all.forwarding=1');
      }
      if (sysctls.length > 0) await ns.run('sysctl', ['-qw', ...sysctls]);
    });
    for (const link of plan.links) await connectVeth(get(link.a), link.aIf, get(link.b), link.bIf);
    const byNs = (key: string): { addrs: typeof plan.addresses; routes: RoutePlan[] } => ({
      addrs: plan.addresses.filter((a) => a.ns === key),
      routes: plan.routes.filter((r) => r.ns === key),
    });
    // One `ip -batch` per namespace; within it order matters (addresses before routes, a gateway's host
    // route before the default route). Every value in it comes from the validated plan.
    await inBatches(plan.namespaces, async (n) => {
      const { addrs, routes } = byNs(n.key);
      const ns = get(n.key);
      const lines = [...addrs.map(addressLine), ...routes.map(routeLine)];
      if (lines.length > 0) await runChecked(executor, 'ip', ['-n', ns.name, '-batch', '-'], { stdin: `${lines.join('\n')}\n` });
    });
    logger.debug({ namespaces: topology.names() }, `topology for node ${spec.node.name} is up`);
    return topology;
  } catch (err) {
    await topology.destroy();
    throw err;
  }
}

/** One `ip -batch` line adding an address (IPv6 without duplicate-address detection, so it is usable at once). */
export function addressLine(a: AddressPlan): string {
  return a.cidr.includes(':') ? `addr add ${a.cidr} dev ${a.ifname} nodad` : `addr add ${a.cidr} dev ${a.ifname}`;
}

/** One `ip -batch` line adding a route (`default` is spelled as the family's zero prefix: batch lines take no `-6`). */
export function routeLine(r: RoutePlan): string {
  const dst = r.dst === 'default' ? (r.family === 'IPv6' ? '::/0' : '0.0.0.0/0') : r.dst;
  return ['route', 'add', dst, ...(r.gateway ? ['via', r.gateway] : []), 'dev', r.dev].join(' ');
}

async function destroyAll(live: Map<string, Netns>, executor: Executor, logger: Logger): Promise<void> {
  const all = [...live.values()];
  live.clear();
  for (const ns of all) {
    try {
      await killInside(ns.name, executor);
    } catch (err) {
      logger.warn({ err, ns: ns.name }, 'could not stop processes inside a namespace');
    }
    try {
      await ns.remove();
    } catch (err) {
      logger.warn({ err, ns: ns.name }, 'could not remove a namespace');
    }
  }
}

/**
 * Kills processes still running inside one of our namespaces (echo servers, probes, a daemon that did not
 * stop): they were started by this harness. Removing a namespace alone would leave them running.
 */
export async function killInside(name: string, executor: Executor = spawnExecutor()): Promise<number> {
  const r = await executor.run('ip', ['netns', 'pids', name], { timeoutMs: 5000 });
  const pids = r.stdout
    .split(/\s+/)
    .filter((p) => /^\d+$/.test(p))
    .map(Number)
    .filter((p) => p !== process.pid);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return pids.length;
}

/** Builds a topology, runs `fn` with it and always destroys it, even when `fn` throws. */
export async function withTopology<T>(spec: TopologySpec, fn: (t: Topology) => Promise<T>, options?: BuildTopologyOptions): Promise<T> {
  const topology = await buildTopology(spec, options);
  try {
    return await fn(topology);
  } finally {
    await topology.destroy();
  }
}
