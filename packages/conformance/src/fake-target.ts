import type { Backend, Clock, Components, Executor, IPFamily, NodeContext, ProxyState } from '@kproxy/api';
import { diffStates, ExecError, silentLogger } from '@kproxy/api';
import { AffinityTable } from '@kproxy/affinity';
import { nodeContextFor } from './node-context.ts';
import type { NodePortDefault } from './node-context.ts';
import { ObjectStore } from './object-store.ts';
import { observeTrace } from './outcome.ts';
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

/**
 * Builds the per-family proxy state from the current objects. The default is @kproxy/state's builder;
 * tests inject their own to exercise the runner alone.
 */
export type StateFn = (store: ObjectStore, node: NodeContext) => ProxyState;

/** Options of `fakeTarget`. */
export interface FakeTargetOptions {
  /** The state builder (required until @kproxy/state is wired in as the default). */
  readonly buildState: StateFn;
  /** Start time of the fake clock, ms. Default 1_700_000_000_000. */
  readonly startTime?: number;
}

const refusingExecutor: Executor = {
  async run(file, args) {
    throw new ExecError(`conformance fake runs start no processes (asked for ${file})`, { command: [file, ...args] });
  },
};

const LOOPBACK: Readonly<Record<IPFamily, string>> = { IPv4: '127.0.0.1', IPv6: '::1' };

/**
 * A `ScenarioTarget` over a backend's fake: one backend per family of the scenario's node, each synced with
 * the state built from the applied objects (partial syncs with `diffStates` change sets after the first),
 * each flow traced with `explain`. Affinity checks replay the connections through the reference
 * `AffinityTable`, driven by the trace's affinity flag and endpoints, with round-robin balancing.
 */
export function fakeTarget(under: BackendUnderTest, options: FakeTargetOptions): ScenarioTarget {
  let scenario: Scenario | undefined;
  const store = new ObjectStore();
  let now = options.startTime ?? 1_700_000_000_000;
  const clock: Clock = { now: () => now };
  const affinity = new AffinityTable({ clock });
  const backends = new Map<IPFamily, { backend: Backend; node: NodeContext; last?: ProxyState }>();

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
      for (const family of s.node.families) {
        const node = nodeContextFor(s.node, family, under.nodePortDefault);
        const backend = await under.create({
          family,
          node,
          localAddresses: [...node.nodeIPs, LOOPBACK[family]],
          interfaces: { pod: s.node.podInterface, external: s.node.externalInterface },
          components: { logger: silentLogger, clock, executor: refusingExecutor },
        });
        if (backend.family !== family) throw new Error(`${under.name}: create() for ${family} returned a ${backend.family} backend`);
        backends.set(family, { backend, node });
      }
    },
    async apply(objects: readonly ScenarioObject[]) {
      store.apply(objects);
    },
    async delete(refs: readonly ObjectRef[]) {
      store.delete(refs);
    },
    async sync() {
      for (const b of backends.values()) {
        const state = options.buildState(store, b.node);
        await b.backend.sync(state, b.last ? { changes: diffStates(b.last, state) } : { full: true });
        b.last = state;
      }
    },
    async send(flow: Flow): Promise<Observation> {
      const { backend } = need(flow.family);
      return observeTrace(await backend.explain(flowPacket(requireScenario(scenario).node, flow)));
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
