import { deepEqual, SyncError } from '@kproxy/api';
import type { Clock, IPFamily, Logger, ProxyState, ServicePort } from '@kproxy/api';
import { staleConntrackFilters } from '@kproxy/conntrack';
import type { ConntrackCleaner } from '@kproxy/conntrack';
import { healthCheckAddressesFrom, healthCheckServicesFrom } from '@kproxy/healthcheck';
import type { HealthCheckService, ProxyHealth } from '@kproxy/healthcheck';
import type { ProxyMetrics } from '../metrics/proxy-metrics.ts';
import type { ClusterSource, FamilyProxier, SnapshotLike } from './ports.ts';

/** Options of {@link ProxySyncer}. */
export interface ProxySyncerOptions<S extends SnapshotLike> {
  readonly source: ClusterSource<S>;
  /** One per family the node runs. */
  readonly proxiers: readonly FamilyProxier<S>[];
  readonly health: ProxyHealth;
  readonly metrics: ProxyMetrics;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Deletes stale UDP/SCTP conntrack entries after each successful sync (Linux modes). */
  readonly conntrack?: ConntrackCleaner;
  /** The healthCheckNodePort servers. */
  readonly serviceHealth?: { sync(services: readonly HealthCheckService[], addresses?: readonly string[]): Promise<void> };
}

function serviceOf(key: string): string {
  // servicePortKey is `ns/name[:port]/PROTO`; the Service is `ns/name`.
  const [ns, rest] = key.split('/', 2) as [string, string];
  return `${ns}/${rest.split(':')[0]}`;
}

function nodeEligible(snapshot: SnapshotLike): boolean {
  const node = snapshot.node;
  if (!node) return true;
  if (node.metadata.deletionTimestamp) return false;
  const taints = (node.spec as { taints?: { key?: string }[] } | undefined)?.taints ?? [];
  return !taints.some((t) => t.key === 'ToBeDeletedByClusterAutoscaler');
}

/**
 * One sync of every family: checkout of the watch layer → state builder → backend.sync, then health,
 * metrics, conntrack cleanup and the healthCheckNodePort servers. Driven by the runner: `sync()` is its
 * function, `queued()` is called on every change. A family that fails does not stop the others; `sync()`
 * then rejects with `SyncError` so the runner retries (the backend makes its next sync full).
 */
export class ProxySyncer<S extends SnapshotLike = SnapshotLike> {
  readonly #o: ProxySyncerOptions<S>;
  readonly #startedAt: number;
  /** Last state each backend applied successfully. */
  readonly #applied = new Map<IPFamily, ProxyState>();
  /** Last state each builder produced (applied or not). */
  readonly #built = new Map<IPFamily, ProxyState>();
  /** Trigger time last observed per family/service port, so each change is measured once. */
  readonly #triggerSeen = new Map<string, number>();
  /** Service ports with a Local policy and no local endpoints, per family and policy. */
  readonly #noLocal = new Map<string, Set<string>>();
  #syncs = 0;
  #hcDirty = true;
  #ready = false;

  constructor(options: ProxySyncerOptions<S>) {
    this.#o = options;
    this.#startedAt = options.clock.now();
  }

  /** The last successfully applied state of `family`. */
  applied(family: IPFamily): ProxyState | undefined {
    return this.#applied.get(family);
  }

  /** Successful syncs of every family so far. */
  get syncs(): number {
    return this.#syncs;
  }

  /** True after the first sync in which every family succeeded. */
  get ready(): boolean {
    return this.#ready;
  }

  /** A change is waiting: marks every family as having a queued update. */
  queued(): void {
    const now = this.#o.clock.now();
    for (const p of this.#o.proxiers) {
      this.#o.health.queuedUpdate(p.family);
      this.#o.metrics.lastQueuedTimestamp.set({ ip_family: p.family }, now / 1000);
    }
  }

  /** Runs one sync of every family. Rejects with `SyncError` when any family failed. */
  async sync(): Promise<void> {
    const { source, metrics, logger, clock } = this.#o;
    // The rules a sync writes reflect the cluster as of its checkout: the last-sync timestamp is that
    // moment, so a change queued while a sync runs is never mistaken for one it included.
    const checkoutAt = clock.now();
    const batch = source.checkout();
    this.#o.health.setNodeEligible(nodeEligible(batch.snapshot));
    const changed = batch.full ? new Set([...batch.changedServices, ...batch.snapshot.services.keys()]) : batch.changedServices;
    const failures: string[] = [];
    for (const proxier of this.#o.proxiers) {
      const family = proxier.family;
      const labels = { ip_family: family };
      const before = this.#built.get(family);
      const start = clock.now();
      try {
        const update = proxier.builder.update(batch.snapshot, changed, batch.nodeChanged || batch.full);
        this.#built.set(family, update.state);
        this.#countChanges(family, before, update.state, update.changes.changes.keys());
        const result = await proxier.backend.sync(update.state, {
          changes: update.changes,
          ...(batch.full ? { full: true } : {}),
        });
        const end = clock.now();
        metrics.observeSync(family, (end - start) / 1000, result.full, checkoutAt);
        metrics.serviceChangesPending.set(labels, 0);
        metrics.endpointChangesPending.set(labels, 0);
        this.#o.health.updated(family);
        const keys = update.changes.full ? undefined : [...update.changes.changes.keys()];
        this.#observeProgramming(family, update.state, keys ?? update.state.servicePorts.keys(), end);
        this.#trackNoLocal(family, update.state, keys ?? update.state.servicePorts.keys(), update.changes.full);
        if (keys === undefined || update.changes.nodeChanged || keys.some((k) => this.#touchesHealthCheck(family, update.state, k))) this.#hcDirty = true;
        logger.debug(
          { family, full: result.full, operations: result.operations, bytes: result.bytes, changes: update.changes.changes.size, ms: end - start },
          'synced proxy rules',
        );
        await this.#cleanConntrack(family, update.state, keys);
        this.#applied.set(family, update.state);
      } catch (err) {
        metrics.syncFailures.inc(labels);
        failures.push(`${family}: ${(err as Error).message}`);
        logger.error({ family, err: (err as Error).message, name: (err as Error).name }, 'failed to sync proxy rules');
      }
    }
    if (this.#hcDirty && this.#o.serviceHealth) {
      this.#hcDirty = false;
      await this.#o.serviceHealth.sync(healthCheckServicesFrom(this.#applied.values()), healthCheckAddressesFrom(this.#applied.values()));
    }
    if (failures.length > 0) throw new SyncError(`sync failed for ${failures.join('; ')}`);
    this.#syncs++;
    if (!this.#ready) {
      this.#ready = true;
      logger.info({ families: this.#o.proxiers.map((p) => p.family) }, 'first sync done; kproxy is ready');
    }
  }

  #countChanges(family: IPFamily, before: ProxyState | undefined, after: ProxyState, keys: Iterable<string>): void {
    const services = new Set<string>();
    const endpoints = new Set<string>();
    for (const key of keys) {
      const a = before?.servicePorts.get(key);
      const b = after.servicePorts.get(key);
      const svc = serviceOf(key);
      if (!a || !b) {
        services.add(svc);
        continue;
      }
      if (!deepEqual(a.endpoints, b.endpoints)) endpoints.add(svc);
      const strip = (p: ServicePort) => ({ ...p, endpoints: undefined, selection: undefined, lastChangeTriggerTime: undefined });
      if (!deepEqual(strip(a), strip(b))) services.add(svc);
    }
    const labels = { ip_family: family };
    this.#o.metrics.serviceChangesPending.set(labels, services.size);
    this.#o.metrics.endpointChangesPending.set(labels, endpoints.size);
    this.#o.metrics.serviceChangesTotal.inc(labels, services.size);
    this.#o.metrics.endpointChangesTotal.inc(labels, endpoints.size);
  }

  #observeProgramming(family: IPFamily, state: ProxyState, keys: Iterable<string>, now: number): void {
    for (const key of keys) {
      const id = `${family}|${key}`;
      const t = state.servicePorts.get(key)?.lastChangeTriggerTime;
      if (t === undefined) {
        this.#triggerSeen.delete(id);
        continue;
      }
      // kube-proxy ignores trigger times from before it started: those changes were not its work.
      if (this.#triggerSeen.get(id) === t || t < this.#startedAt || t > now) continue;
      this.#triggerSeen.set(id, t);
      this.#o.metrics.networkProgrammingDuration.observe({ ip_family: family }, (now - t) / 1000);
    }
  }

  #trackNoLocal(family: IPFamily, state: ProxyState, keys: Iterable<string>, full: boolean): void {
    for (const policy of ['internal', 'external'] as const) {
      const id = `${family}|${policy}`;
      let set = this.#noLocal.get(id);
      if (!set || full) {
        set = new Set();
        this.#noLocal.set(id, set);
      }
      for (const key of keys) {
        const sp = state.servicePorts.get(key);
        const local = policy === 'internal' ? sp?.internalPolicyLocal : sp?.externalPolicyLocal;
        if (sp && local && sp.selection.hasAnyEndpoints && sp.selection.localEndpoints.length === 0) set.add(key);
        else set.delete(key);
      }
      this.#o.metrics.noLocalEndpoints.set({ ip_family: family, traffic_policy: policy }, set.size);
    }
  }

  #touchesHealthCheck(family: IPFamily, state: ProxyState, key: string): boolean {
    return (state.servicePorts.get(key)?.healthCheckNodePort ?? 0) > 0 || (this.#applied.get(family)?.servicePorts.get(key)?.healthCheckNodePort ?? 0) > 0;
  }

  async #cleanConntrack(family: IPFamily, state: ProxyState, keys: string[] | undefined): Promise<void> {
    if (!this.#o.conntrack) return;
    const filters = staleConntrackFilters(this.#applied.get(family), state, keys);
    if (filters.length === 0) return;
    const start = this.#o.clock.now();
    const result = await this.#o.conntrack.clean(filters);
    this.#o.metrics.conntrackSyncDuration.observe({ ip_family: family }, (this.#o.clock.now() - start) / 1000);
    this.#o.metrics.conntrackDeleted.inc({ ip_family: family }, result.deleted);
  }
}
