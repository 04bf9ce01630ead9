/**
 * The small interfaces the daemon composes. The real implementations are `@kproxy/watch`'s `KubeWatcher`
 * and `BoundedFrequencyRunner` and `@kproxy/state`'s `StateBuilder`; tests pass fakes.
 */
import type { Backend, ChangeSet, IPFamily, KubeNode, KubeService, ProxyState, Reason } from '@kproxy/api';

/** The part of a cluster snapshot the daemon itself looks at; the rest is passed to the state builder. */
export interface SnapshotLike {
  readonly services: ReadonlyMap<string, KubeService>;
  readonly node?: KubeNode;
}

/** One checkout of the watch layer. */
export interface SourceBatch<S extends SnapshotLike = SnapshotLike> {
  readonly snapshot: S;
  /** Services (`namespace/name`) whose Service or slices changed since the previous checkout. */
  readonly changedServices: ReadonlySet<string>;
  readonly nodeChanged: boolean;
  /** A periodic resync: rebuild and rewrite everything. */
  readonly full: boolean;
}

/** The watch layer. */
export interface ClusterSource<S extends SnapshotLike = SnapshotLike> {
  /** Resolves once the first list of every resource is in. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Called after every effective change; returns an unsubscribe function. */
  onChange(listener: () => void): () => void;
  checkout(): SourceBatch<S>;
}

/** Builds one family's state from snapshots, incrementally. */
export interface FamilyStateBuilder<S extends SnapshotLike = SnapshotLike> {
  readonly family: IPFamily;
  update(snapshot: S, changedServices: Iterable<string>, nodeChanged: boolean): {
    readonly state: ProxyState;
    readonly changes: ChangeSet;
    readonly reasons: readonly Reason[];
  };
}

/** The bounded-frequency runner that drives syncs. */
export interface SyncRunner {
  /** Starts the loop with an immediate first run. */
  start(): void;
  /** Requests a run (coalesced, rate-limited). */
  run(): void;
  /** Stops scheduling and waits for a run in progress to finish. */
  stop(): Promise<void>;
}

/** Makes the runner around the daemon's sync function. */
export type SyncRunnerFactory = (options: {
  readonly fn: () => Promise<void>;
  readonly minIntervalMs: number;
  readonly maxIntervalMs: number;
}) => SyncRunner;

/** One family's proxier: its state builder and backend. */
export interface FamilyProxier<S extends SnapshotLike = SnapshotLike> {
  readonly family: IPFamily;
  readonly builder: FamilyStateBuilder<S>;
  readonly backend: Backend;
}
