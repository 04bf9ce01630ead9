/**
 * The watch layer as one object: informers for Services and EndpointSlices (with kube-proxy's label
 * selector) and for the proxy's own Node (field selector on its name), feeding a `WatchCache`.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Clock, KubeEndpointSlice, KubeNode, KubeService, Logger } from '@kproxy/api';
import { PROXY_LABEL_SELECTOR, silentLogger, systemClock } from '@kproxy/api';
import type { BackoffOptions } from './backoff.ts';
import { ResourceInformer, type InformerHandlers } from './informer.ts';
import { loadKubeConfig, type ConnectionOptions } from './kube-config.ts';
import { slimEndpointSlice, slimNode, slimService } from './slim.ts';
import { systemTimers, type TimerHandle, type Timers } from './timers.ts';
import { TokenBucket } from './token-bucket.ts';
import { WatchCache, type ChangeBatch, type WatchSnapshot } from './watch-cache.ts';

/** Options of `createWatcher`. */
export interface WatcherOptions extends ConnectionOptions {
  /** The proxy's node name. When set, that Node is watched (zone label, addresses) and endpoints there are local. */
  readonly nodeName?: string;
  /** Label selector for Services and EndpointSlices. Default `PROXY_LABEL_SELECTOR` (kube-proxy's). */
  readonly labelSelector?: string;
  /** API requests per second (kube-proxy's `clientConnection.qps`). Default 5; 0 or less disables the limit. */
  readonly qps?: number;
  /** Burst of API requests (`clientConnection.burst`). Default 10. */
  readonly burst?: number;
  /**
   * kube-proxy's `configSyncPeriod`: every period the next checkout is full (everything rebuilt). Default
   * 15 minutes; 0 disables.
   */
  readonly resyncPeriodMs?: number;
  /** Page size of list requests; 0 (default) lists in one request, as client-go's informers do from the watch cache. */
  readonly listPageSize?: number;
  /** Backoff for restarting a failed list/watch. Default 1 s doubling to 30 s. */
  readonly backoff?: BackoffOptions;
  /** Cap on the reconnect delay after a watch ends cleanly. Default: client-node's own (up to 30 s). */
  readonly maxReconnectDelayMs?: number;
  /** Deep-freeze cached objects (see `WatchCacheOptions.freezeObjects`). Default false. */
  readonly freezeObjects?: boolean;
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly timers?: Timers;
}

/** Health of the watch layer. */
export interface WatcherStatus {
  /** All informers have applied their first list. */
  readonly synced: boolean;
  /** List/watch errors so far, per resource. */
  readonly errors: Readonly<Record<'services' | 'endpointslices' | 'node', number>>;
  /** Objects skipped as malformed. */
  readonly invalidObjects: number;
}

/** The running watch layer. */
export interface KubeWatcher {
  /** Starts the informers; resolves once every informer has listed (retries forever until then). */
  start(): Promise<void>;
  /** Stops every informer and timer. */
  stop(): Promise<void>;
  /** True once every informer has listed. */
  readonly synced: boolean;
  /** Called after every effective change (the daemon calls its runner's `run()`). Returns an unsubscribe. */
  onChange(listener: () => void): () => void;
  /** True when a checkout would report something. */
  hasPendingChanges(): boolean;
  /** Takes the pending changes: an immutable snapshot and what changed since the previous checkout. */
  checkout(): ChangeBatch;
  /** Makes the next checkout full (everything changed): call it after a failed sync, or to force a resync. */
  requestFull(): void;
  /** The last checked-out snapshot (no changes are taken). */
  snapshot(): WatchSnapshot;
  status(): WatcherStatus;
}

/** Builds the watch layer. Throws `ConfigError` when no usable client configuration is found. */
export function createWatcher(options: WatcherOptions = {}): KubeWatcher {
  const kubeConfig = loadKubeConfig(options);
  const logger = (options.logger ?? silentLogger).child({ component: 'watch' });
  const clock = options.clock ?? systemClock;
  const timers = options.timers ?? systemTimers;
  const limiter = new TokenBucket(options.qps ?? 5, options.burst ?? 10, clock, timers);
  const cache = new WatchCache({ nodeName: options.nodeName, logger, freezeObjects: options.freezeObjects });
  const labelSelector = options.labelSelector ?? PROXY_LABEL_SELECTOR;

  const informer = <T extends KubernetesObject>(
    path: string,
    handlers: InformerHandlers<T>,
    selectors: { labelSelector?: string; fieldSelector?: string },
    transform: (obj: T) => T,
  ) =>
    new ResourceInformer<T>({
      kubeConfig,
      path,
      ...selectors,
      pageSize: options.listPageSize ?? 0,
      limiter,
      timers,
      logger,
      backoff: options.backoff ?? {},
      maxReconnectDelayMs: options.maxReconnectDelayMs,
      handlers,
      transform,
    });

  const services = informer<KubernetesObject>(
    '/api/v1/services',
    {
      add: (o) => cache.upsertService(o as KubeService),
      update: (o) => cache.upsertService(o as KubeService),
      delete: (o) => cache.deleteService(o as KubeService),
    },
    { labelSelector },
    (o) => slimService(o as KubeService) as KubernetesObject,
  );
  const slices = informer<KubernetesObject>(
    '/apis/discovery.k8s.io/v1/endpointslices',
    {
      add: (o) => cache.upsertSlice(o as KubeEndpointSlice),
      update: (o) => cache.upsertSlice(o as KubeEndpointSlice),
      delete: (o) => cache.deleteSlice(o as KubeEndpointSlice),
    },
    { labelSelector },
    (o) => slimEndpointSlice(o as KubeEndpointSlice) as KubernetesObject,
  );
  const node =
    options.nodeName === undefined
      ? undefined
      : informer<KubernetesObject>(
          '/api/v1/nodes',
          {
            add: (o) => cache.upsertNode(o as KubeNode),
            update: (o) => cache.upsertNode(o as KubeNode),
            delete: (o) => cache.deleteNode(o as KubeNode),
          },
          { fieldSelector: `metadata.name=${options.nodeName}` },
          (o) => slimNode(o as KubeNode) as KubernetesObject,
        );
  const all = [services, slices, ...(node ? [node] : [])];

  const resyncMs = options.resyncPeriodMs ?? 15 * 60_000;
  let resyncTimer: TimerHandle | undefined;
  let running = false;
  const scheduleResync = () => {
    if (resyncMs <= 0 || !running) return;
    resyncTimer = timers.setTimeout(() => {
      cache.requestFull();
      scheduleResync();
    }, resyncMs);
  };

  return {
    async start() {
      if (!running) {
        running = true;
        for (const i of all) i.start();
        scheduleResync();
      }
      await Promise.all(all.map((i) => i.waitForSync()));
    },
    async stop() {
      running = false;
      if (resyncTimer !== undefined) timers.clearTimeout(resyncTimer);
      await Promise.all(all.map((i) => i.stop()));
    },
    get synced() {
      return all.every((i) => i.synced);
    },
    onChange: (l) => cache.onChange(l),
    hasPendingChanges: () => cache.hasPendingChanges(),
    checkout: () => cache.checkout(),
    requestFull: () => cache.requestFull(),
    snapshot: () => cache.snapshot(),
    status: () => ({
      synced: all.every((i) => i.synced),
      errors: { services: services.errors, endpointslices: slices.errors, node: node?.errors ?? 0 },
      invalidObjects: cache.invalidObjects,
    }),
  };
}
