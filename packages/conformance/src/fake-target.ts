import type { Backend, Clock, Components, Executor, IPFamily, KubeEndpointSlice, KubeService, NodeContext, ProxyState } from '@kproxy/api';
import { ExecError, LABEL_HEADLESS, LABEL_SERVICE_NAME, LABEL_SERVICE_PROXY_NAME, silentLogger } from '@kproxy/api';
import { AffinityTable } from '@kproxy/affinity';
import { nodeContextFrom, serviceKey, StateBuilder } from '@kproxy/state';
import type { ClusterSnapshot } from '@kproxy/state';
import { ObjectStore } from './object-store.ts';
import { proxyOptionsFor } from './proxy-options.ts';
import type { NodePortDefault } from './proxy-options.ts';
import { formatOutcome, observeTrace } from './outcome.ts';
import type { Observation } from './outcome.ts';
import { flowPacket } from './packet.ts';
import type { AffinityCheck, Flow, ObjectRef, Scenario, ScenarioObject } from './scenario.ts';
import type { ScenarioTarget } from './target.ts';

/** What a backend under test is given to build one single-family instance over its fake. */
export interface FakeEnvironment {
  readonly family: IPFamily;
  /** The proxy's node facts for this family (the same the state carries). */
  readonly node: NodeContext;
  /** The node's own addresses of this family (what `fib daddr type local` matches), loopback included. */
  readonly localAddresses: readonly string[];
  /** The scenario's service CIDRs of this family (for backends that drop unallocated service IPs). */
  readonly serviceCIDRs: readonly string[];
  /** Interface names: where pod and external clients arrive. */
  readonly interfaces: { readonly pod: string; readonly external: string };
  /** Logger, a fixed clock, and an executor that refuses to run anything. */
  readonly components: Components;
}

/** A backend as the conformance suite tests it: its name and a factory over its fake. */
export interface BackendUnderTest {
  /** Mode name as kube-proxy spells it; selects per-backend expectations. */
  readonly name: string;
  /**
   * What an unset `nodePortAddresses` means for this mode (kube-proxy's nftables mode: the primary IPs;
   * the others: every local address). Default `all`.
   */
  readonly nodePortDefault?: NodePortDefault;
  /** Creates a fresh single-family backend over a fresh fake kernel. */
  create(env: FakeEnvironment): Backend | Promise<Backend>;
}

/** Options of `fakeTarget`. */
export interface FakeTargetOptions {
  /** Start time of the fake clock, ms. Default 1_700_000_000_000. */
  readonly startTime?: number;
  /**
   * Check sync semantics besides the flows (default true): a repeated sync of an unchanged state must send
   * nothing (else the sync step fails), and every flow is also traced on a fresh backend fully synced with
   * the same state, which must agree (a partial sync converges to what a full one makes).
   */
  readonly checkSyncs?: boolean;
}

const refusingExecutor: Executor = {
  async run(file, args) {
    throw new ExecError(`conformance fake runs start no processes (asked for ${file})`, { command: [file, ...args] });
  },
};

const LOOPBACK: Readonly<Record<IPFamily, string>> = { IPv4: '127.0.0.1', IPv6: '::1' };

/** True when an object carries a label that takes it away from this proxy (the informers' label selector). */
function filteredOut(labels: Record<string, string> | undefined): boolean {
  return !!labels && (LABEL_SERVICE_PROXY_NAME in labels || LABEL_HEADLESS in labels);
}

/** The Service key an EndpointSlice belongs to, or undefined without the service-name label. */
function sliceOwner(slice: KubeEndpointSlice): string | undefined {
  const name = slice.metadata?.labels?.[LABEL_SERVICE_NAME];
  return name ? serviceKey(slice.metadata.namespace ?? 'default', name) : undefined;
}

/**
 * The snapshot the watch layer would hand the state builder: objects filtered by the proxy's label selector
 * (`PROXY_LABEL_SELECTOR`), slices grouped by their service-name label.
 */
function snapshotOf(store: ObjectStore): ClusterSnapshot {
  const services = new Map<string, KubeService>();
  for (const s of store.services()) {
    if (!filteredOut(s.metadata.labels)) services.set(serviceKey(s.metadata.namespace ?? 'default', s.metadata.name ?? ''), s);
  }
  const slicesByService = new Map<string, KubeEndpointSlice[]>();
  for (const slice of store.slices()) {
    const owner = sliceOwner(slice);
    if (!owner || filteredOut(slice.metadata.labels)) continue;
    slicesByService.set(owner, [...(slicesByService.get(owner) ?? []), slice]);
  }
  const node = store.node();
  return { services, slicesByService, ...(node ? { node } : {}) };
}

/**
 * A `ScenarioTarget` over a backend's fake: one backend per family of the scenario's node, each synced with
 * the state that @kproxy/state's `StateBuilder` builds from the applied objects, incrementally (only the
 * Services touched since the last sync are rebuilt, and the backend gets the resulting change set), each
 * flow traced with `explain`. Objects are filtered as the watch layer's label selector does. Affinity checks
 * replay the connections through the reference `AffinityTable`, driven by the trace's affinity flag and
 * endpoints, with round-robin balancing.
 */
export function fakeTarget(under: BackendUnderTest, options: FakeTargetOptions = {}): ScenarioTarget {
  let scenario: Scenario | undefined;
  const store = new ObjectStore();
  let now = options.startTime ?? 1_700_000_000_000;
  const clock: Clock = { now: () => now };
  const affinity = new AffinityTable({ clock });
  const checkSyncs = options.checkSyncs ?? true;
  let env: Map<IPFamily, FakeEnvironment> | undefined;
  const backends = new Map<IPFamily, { backend: Backend; builder: StateBuilder; last?: ProxyState; fresh?: Backend }>();
  // Services (`ns/name`) touched since the last sync, and whether the Node was.
  const touched = new Set<string>();
  let nodeTouched = true;
  const touch = (kind: string, key: string | undefined) => {
    if (kind === 'Node') nodeTouched = true;
    else if (key) touched.add(key);
  };
  const touchObject = (o: ScenarioObject) => {
    if (o.kind === 'Service') touch('Service', serviceKey(o.object.metadata.namespace ?? 'default', o.object.metadata.name ?? ''));
    else if (o.kind === 'EndpointSlice') touch('EndpointSlice', sliceOwner(o.object));
    else touch('Node', undefined);
  };

  const need = (family: IPFamily) => {
    const b = backends.get(family);
    if (!b) throw new Error(`no ${family} backend (the node has no ${family} address)`);
    return b;
  };

  return {
    backend: under.name,
    async start(s: Scenario) {
      scenario = s;
      store.apply(s.objects);
      s.objects.forEach(touchObject);
      const proxyOptions = proxyOptionsFor(s.node, under.nodePortDefault);
      for (const family of s.node.families) {
        const node = nodeContextFrom(store.node(), family, proxyOptions);
        const e: FakeEnvironment = {
          family,
          node,
          localAddresses: [...node.nodeIPs, LOOPBACK[family]],
          serviceCIDRs: s.node.serviceCIDRs.filter((c) => c.includes(':') === (family === 'IPv6')),
          interfaces: { pod: s.node.podInterface, external: s.node.externalInterface },
          components: { logger: silentLogger, clock, executor: refusingExecutor },
        };
        env ??= new Map();
        env.set(family, e);
        const backend = await under.create(e);
        if (backend.family !== family) throw new Error(`${under.name}: create() for ${family} returned a ${backend.family} backend`);
        backends.set(family, { backend, builder: new StateBuilder({ family, node: proxyOptions }) });
      }
    },
    async apply(objects: readonly ScenarioObject[]) {
      // An update may move a slice to another Service: touch the owner before and after.
      for (const o of objects) {
        if (o.kind === 'EndpointSlice') {
          const before = store.slices().find((x) => x.metadata.namespace === o.object.metadata.namespace && x.metadata.name === o.object.metadata.name);
          if (before) touch('EndpointSlice', sliceOwner(before));
        }
        touchObject(o);
      }
      store.apply(objects);
    },
    async delete(refs: readonly ObjectRef[]) {
      for (const r of refs) {
        if (r.kind === 'Service') touch('Service', serviceKey(r.namespace, r.name));
        else if (r.kind === 'Node') touch('Node', undefined);
        else {
          const before = store.slices().find((x) => x.metadata.namespace === r.namespace && x.metadata.name === r.name);
          if (before) touch('EndpointSlice', sliceOwner(before));
        }
      }
      store.delete(refs);
    },
    async sync() {
      if (!nodeTouched && touched.size === 0 && [...backends.values()].every((b) => b.last)) return;
      const snapshot = snapshotOf(store);
      for (const [family, b] of backends) {
        const update = b.builder.update(snapshot, touched, nodeTouched);
        await b.backend.sync(update.state, b.last ? { changes: update.changes } : { full: true });
        b.last = update.state;
        if (!checkSyncs) continue;
        const again = await b.backend.sync(update.state, { changes: { full: false, nodeChanged: false, changes: new Map() } });
        if (again.operations !== 0) {
          throw new Error(`${under.name} ${family}: a repeated sync of an unchanged state sent ${again.operations} operation(s)`);
        }
        b.fresh = await under.create(env?.get(family) as FakeEnvironment);
        await b.fresh.sync(update.state, { full: true });
      }
      touched.clear();
      nodeTouched = false;
    },
    async send(flow: Flow): Promise<Observation> {
      const { backend, fresh } = need(flow.family);
      const packet = flowPacket(requireScenario(scenario).node, flow);
      const observed = observeTrace(await backend.explain(packet));
      if (!fresh) return observed;
      const full = observeTrace(await fresh.explain(packet));
      const same =
        full.verdict === observed.verdict &&
        full.masq === observed.masq &&
        full.endpoints.join(',') === observed.endpoints.join(',');
      if (same) return observed;
      return { ...observed, problems: [`after partial syncs it traces ${formatOutcome(observed)}, a full sync of the same state ${formatOutcome(full)}`] };
    },
    async connect(check: AffinityCheck) {
      const { backend, last } = need(check.family);
      const node = requireScenario(scenario).node;
      const landed: (string | undefined)[] = [];
      let sawAffinity: boolean | undefined;
      for (let i = 0; i < check.connections; i++) {
        now += 1000;
        const packet = flowPacket(node, check, 40000 + i);
        const trace = await backend.explain(packet);
        if (trace.verdict !== 'DNAT') {
          landed.push(undefined);
          continue;
        }
        // The flag must not change from one connection to the next; a change is reported as "no flag".
        sawAffinity = i === 0 || sawAffinity === trace.affinity ? trace.affinity : undefined;
        const usable = observeTrace(trace).endpoints;
        const port = trace.servicePort ?? `${check.dst}:${check.port}`;
        const timeoutSeconds = last?.servicePorts.get(port)?.sessionAffinity;
        const policy = trace.affinity
          ? { type: 'ClientIP' as const, timeoutSeconds: timeoutSeconds?.type === 'ClientIP' ? timeoutSeconds.timeoutSeconds : 10800 }
          : { type: 'None' as const };
        const decision = affinity.connect(port, packet.src, policy, usable, (c) => c[i % c.length]);
        landed.push(decision.endpoint);
      }
      return sawAffinity === undefined ? { landed } : { landed, affinity: sawAffinity };
    },
    async stop() {
      backends.clear();
    },
  };
}

function requireScenario(s: Scenario | undefined): Scenario {
  if (!s) throw new Error('the target was not started');
  return s;
}
