import type { ChangeKind, ChangeSet, IPFamily, NodeContext, ProxyState, Reason, ServicePort } from '@kproxy/api';
import { nodeContextEqual, servicePortEqual, servicePortKey } from '@kproxy/api';
import { nodeContextFrom } from './node-context.ts';
import type { NodeContextOptions } from './node-context.ts';
import { PersistentMap } from './persistent-map.ts';
import { buildServicePorts } from './service-ports.ts';
import type { BuildOptions } from './service-ports.ts';
import type { ClusterSnapshot } from './snapshot.ts';

/** Options of a `StateBuilder`. */
export interface StateBuilderOptions extends BuildOptions {
  readonly family: IPFamily;
  /** Proxy options and host facts for `nodeContextFrom` (without `onReason`: node reasons are returned). */
  readonly node: Omit<NodeContextOptions, 'onReason'>;
}

/** The result of `StateBuilder.update`. */
export interface StateUpdate {
  /** The new state. Earlier states returned by the builder stay valid and unchanged. */
  readonly state: ProxyState;
  /** What changed since the previous state (full on the first update and whenever node facts changed). */
  readonly changes: ChangeSet;
  /** Reasons of the Services rebuilt in this update (and of the node context when it was recomputed). */
  readonly reasons: readonly Reason[];
}

const EMPTY_KEYS: readonly string[] = [];

/**
 * Builds and maintains the ProxyState of one family from cluster snapshots, incrementally: `update` rebuilds
 * only the Services named in `changedServices` (cost O(those Services)), unless this is the first update or
 * the node context changed (node name, zone, IPs, options), which rebuilds everything. Service ports are
 * compared with `servicePortEqual` to produce the ChangeSet; unchanged ports keep their identity. Returned
 * states are immutable and share structure. Never throws on bad objects (they become reasons).
 */
export class StateBuilder {
  readonly family: IPFamily;
  readonly #options: StateBuilderOptions;
  #state: ProxyState | undefined;
  #ports: PersistentMap<ServicePort> = PersistentMap.of([]);
  // Service key (`ns/name`) -> the service port keys it produced.
  readonly #portsByService = new Map<string, readonly string[]>();
  readonly #reasonsByService = new Map<string, readonly Reason[]>();

  constructor(options: StateBuilderOptions) {
    this.family = options.family;
    this.#options = options;
  }

  /** The latest state, or undefined before the first `update`. */
  get state(): ProxyState | undefined {
    return this.#state;
  }

  /** The reasons recorded when a Service (`ns/name`) was last built; empty if none. */
  reasonsFor(serviceKey: string): readonly Reason[] {
    return this.#reasonsByService.get(serviceKey) ?? [];
  }

  /**
   * Applies a snapshot. `changedServices` names the Services (`ns/name`) whose Service object or slices
   * changed since the previous update (deleted ones included); `nodeChanged` says the Node object may have
   * changed. The first update builds everything.
   */
  update(snapshot: ClusterSnapshot, changedServices: Iterable<string>, nodeChanged: boolean): StateUpdate {
    const previous = this.#state;
    const reasons: Reason[] = [];
    let node = previous?.node;
    if (!previous || nodeChanged) {
      node = nodeContextFrom(snapshot.node, this.family, { ...this.#options.node, onReason: (r) => reasons.push(r) });
    }
    const context = node as NodeContext;
    const nodeDiffers = previous !== undefined && !nodeContextEqual(previous.node, context);

    if (!previous || nodeDiffers) {
      const state = this.#rebuildAll(snapshot, context, reasons);
      const changes: ChangeSet = previous
        ? fullDiff(previous, state)
        : { full: true, nodeChanged: true, changes: new Map([...state.servicePorts.keys()].map((k) => [k, 'added'])) };
      return { state, changes, reasons };
    }

    const updates = new Map<string, ServicePort | undefined>();
    const changes = new Map<string, ChangeKind>();
    for (const key of new Set(changedServices)) {
      const oldKeys = this.#portsByService.get(key) ?? EMPTY_KEYS;
      const service = snapshot.services.get(key);
      let built: ServicePort[] = [];
      if (service) {
        const result = buildServicePorts(service, snapshot.slicesByService.get(key) ?? [], context, this.#options);
        built = result.ports;
        reasons.push(...result.reasons);
        this.#setReasons(key, result.reasons);
      } else {
        this.#reasonsByService.delete(key);
      }
      const newKeys: string[] = [];
      for (const port of built) {
        const portKey = servicePortKey(port.name);
        newKeys.push(portKey);
        const before = this.#ports.get(portKey);
        if (!before) {
          updates.set(portKey, port);
          changes.set(portKey, 'added');
        } else if (!servicePortEqual(before, port)) {
          updates.set(portKey, port);
          changes.set(portKey, 'updated');
        } else if (before.lastChangeTriggerTime !== port.lastChangeTriggerTime || before.selection.reasons !== port.selection.reasons) {
          // Same rules, fresher explanation: keep the new object but report no change.
          updates.set(portKey, port);
        }
      }
      const kept = new Set(newKeys);
      for (const oldKey of oldKeys) {
        if (!kept.has(oldKey)) {
          updates.set(oldKey, undefined);
          changes.set(oldKey, 'removed');
        }
      }
      if (newKeys.length > 0) this.#portsByService.set(key, newKeys);
      else this.#portsByService.delete(key);
    }
    this.#ports = this.#ports.with(updates);
    const state: ProxyState = { family: this.family, node: context, servicePorts: this.#ports };
    this.#state = state;
    return { state, changes: { full: false, nodeChanged: false, changes }, reasons };
  }

  #rebuildAll(snapshot: ClusterSnapshot, node: NodeContext, reasons: Reason[]): ProxyState {
    this.#portsByService.clear();
    this.#reasonsByService.clear();
    const entries: [string, ServicePort][] = [];
    for (const [key, service] of snapshot.services) {
      const result = buildServicePorts(service, snapshot.slicesByService.get(key) ?? [], node, this.#options);
      reasons.push(...result.reasons);
      this.#setReasons(key, result.reasons);
      if (result.ports.length === 0) continue;
      const keys: string[] = [];
      for (const port of result.ports) {
        const portKey = servicePortKey(port.name);
        keys.push(portKey);
        entries.push([portKey, port]);
      }
      this.#portsByService.set(key, keys);
    }
    this.#ports = PersistentMap.of(entries);
    const state: ProxyState = { family: this.family, node, servicePorts: this.#ports };
    this.#state = state;
    return state;
  }

  #setReasons(key: string, reasons: readonly Reason[]): void {
    if (reasons.length > 0) this.#reasonsByService.set(key, reasons);
    else this.#reasonsByService.delete(key);
  }
}

function fullDiff(previous: ProxyState, next: ProxyState): ChangeSet {
  const changes = new Map<string, ChangeKind>();
  for (const [key, before] of previous.servicePorts) {
    const after = next.servicePorts.get(key);
    if (!after) changes.set(key, 'removed');
    else if (!servicePortEqual(before, after)) changes.set(key, 'updated');
  }
  for (const key of next.servicePorts.keys()) if (!previous.servicePorts.has(key)) changes.set(key, 'added');
  return { full: true, nodeChanged: true, changes };
}
