/** Test fakes for the daemon's seams (not part of the app's API). */
import { diffStates } from '@kproxy/api';
import { endpointOf, proxyStateOf, servicePortOf } from '@kproxy/api/testing';
import type {
  Backend,
  Endpoint,
  IPFamily,
  KubeNode,
  KubeService,
  Packet,
  Protocol,
  ProxyState,
  ServicePort,
  SyncOptions,
  SyncPlan,
  SyncResult,
  Trace,
} from '@kproxy/api';
import type { ClusterSource, FamilyStateBuilder, SourceBatch, SyncRunner, SyncRunnerFactory } from '../src/daemon/ports.ts';

export function fakeClock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms), set: (ms: number) => (t = ms) };
}

export function endpoint(ip: string, over: Partial<Endpoint> = {}): Endpoint {
  return endpointOf(ip, over);
}

export function servicePort(
  name: string,
  endpoints: Endpoint[],
  over: Partial<ServicePort> & { protocol?: Protocol; portName?: string } = {},
): ServicePort {
  const { name: fullName, ...rest } = over;
  const port = servicePortOf({ namespace: 'ns', name, endpoints, ...rest });
  return fullName ? { ...port, name: fullName } : port;
}

export function proxyState(ports: ServicePort[], family: IPFamily = 'IPv4'): ProxyState {
  return proxyStateOf(ports, family, { nodeIPs: [family === 'IPv4' ? '192.0.2.10' : 'fd00::10'] });
}

/** The fake cluster: Services plus the service ports each one yields (what a state builder would make). */
export interface FakeSnapshot {
  readonly services: ReadonlyMap<string, KubeService>;
  readonly ports: ReadonlyMap<string, readonly ServicePort[]>;
  readonly node?: KubeNode;
}

export class FakeSource implements ClusterSource<FakeSnapshot> {
  services = new Map<string, KubeService>();
  ports = new Map<string, readonly ServicePort[]>();
  node: KubeNode | undefined;
  changed = new Set<string>();
  started = false;
  stopped = false;
  startGate: Promise<void> = Promise.resolve();
  readonly #listeners = new Set<() => void>();

  /** Sets (or with no ports, deletes) a Service and notifies like an informer would. */
  set(name: string, ports: ServicePort[] | undefined): void {
    const key = `ns/${name}`;
    if (ports) {
      this.services.set(key, { metadata: { namespace: 'ns', name } });
      this.ports.set(key, ports);
    } else {
      this.services.delete(key);
      this.ports.delete(key);
    }
    this.changed.add(key);
    for (const l of this.#listeners) l();
  }

  async start() {
    await this.startGate;
    this.started = true;
  }
  async stop() {
    this.stopped = true;
  }
  onChange(listener: () => void) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  checkout(): SourceBatch<FakeSnapshot> {
    const changedServices = this.changed;
    this.changed = new Set();
    return {
      snapshot: { services: new Map(this.services), ports: new Map(this.ports), ...(this.node ? { node: this.node } : {}) },
      changedServices,
      nodeChanged: false,
      full: false,
    };
  }
}

/** A state builder over the fake snapshot: the state is exactly the ports of the snapshot. */
export class FakeBuilder implements FamilyStateBuilder<FakeSnapshot> {
  readonly family: IPFamily;
  #state: ProxyState | undefined;
  constructor(family: IPFamily = 'IPv4') {
    this.family = family;
  }
  update(snapshot: FakeSnapshot, changed: Iterable<string>, _nodeChanged: boolean) {
    const ports = [...snapshot.ports.values()].flat().filter((p) => p.family === this.family);
    const state = proxyState(ports, this.family);
    const candidates = [...changed].flatMap((svc) => {
      const keys = new Set<string>();
      for (const s of [this.#state, state]) for (const k of s?.servicePorts.keys() ?? []) if (k.startsWith(`${svc}/`) || k.startsWith(`${svc}:`)) keys.add(k);
      return [...keys];
    });
    const changes = diffStates(this.#state, state, this.#state ? candidates : undefined);
    this.#state = state;
    return { state, changes, reasons: [] };
  }
}

/** A backend that records what it is asked and can be told to fail. */
export class FakeBackend implements Backend {
  readonly name = 'nftables';
  readonly family: IPFamily;
  readonly syncs: { state: ProxyState; options?: SyncOptions }[] = [];
  failNext: Error | undefined;
  cleaned = 0;
  trace: Trace | undefined;
  planText = '';
  /** Resolves the in-flight sync when set (to test graceful shutdown). */
  gate: Promise<void> | undefined;
  constructor(family: IPFamily = 'IPv4') {
    this.family = family;
  }
  async sync(state: ProxyState, options?: SyncOptions): Promise<SyncResult> {
    if (this.gate) await this.gate;
    if (this.failNext) {
      const err = this.failNext;
      this.failNext = undefined;
      throw err;
    }
    this.syncs.push({ state, ...(options ? { options } : {}) });
    return { full: this.syncs.length === 1 || options?.full === true, operations: options?.changes?.changes.size ?? 0, bytes: 0 };
  }
  async plan(state: ProxyState): Promise<SyncPlan> {
    return { full: false, operations: this.planText ? state.servicePorts.size : 0, text: this.planText };
  }
  async cleanup(): Promise<void> {
    this.cleaned++;
  }
  async explain(packet: Packet): Promise<Trace> {
    if (!this.trace) throw new Error(`no trace for ${packet.dst}`);
    return this.trace;
  }
}

/** A runner the test drives: `start()` runs once; `run()` queues a run that `flush()` performs. */
export class ManualRunner implements SyncRunner {
  readonly errors: unknown[] = [];
  minIntervalMs = -1;
  maxIntervalMs = -1;
  requested = 0;
  #fn: () => Promise<void>;
  #current: Promise<void> = Promise.resolve();
  constructor(fn: () => Promise<void>) {
    this.#fn = fn;
  }
  start(): void {
    this.#current = this.#go();
  }
  run(): void {
    this.requested++;
  }
  async flush(): Promise<void> {
    await this.#current;
    this.requested = 0;
    this.#current = this.#go();
    await this.#current;
  }
  async stop(): Promise<void> {
    await this.#current;
  }
  async idle(): Promise<void> {
    await this.#current;
  }
  #go(): Promise<void> {
    return this.#fn().catch((err: unknown) => {
      this.errors.push(err);
    });
  }
}

export function manualRunnerFactory(): { factory: SyncRunnerFactory; runner: () => ManualRunner } {
  let made: ManualRunner | undefined;
  return {
    factory: (o) => {
      made = new ManualRunner(o.fn);
      made.minIntervalMs = o.minIntervalMs;
      made.maxIntervalMs = o.maxIntervalMs;
      return made;
    },
    runner: () => {
      if (!made) throw new Error('runner not made yet');
      return made;
    },
  };
}
