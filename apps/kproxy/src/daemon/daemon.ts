import type { Clock, Logger } from '@kproxy/api';
import type { ConntrackCleaner } from '@kproxy/conntrack';
import { ProxyHealth, proxyHealthServer, ServiceHealthServers } from '@kproxy/healthcheck';
import type { ProxyHealthServer } from '@kproxy/healthcheck';
import type { KubeProxyConfiguration, ProxyMode } from '../config/kube-proxy-configuration.ts';
import { modeSettings } from '../config/resolve.ts';
import { configurationToWire } from '../config/wire.ts';
import { metricsServer } from '../metrics/metrics-server.ts';
import type { MetricsServer } from '../metrics/metrics-server.ts';
import { ProxyMetrics } from '../metrics/proxy-metrics.ts';
import { noEvents } from './events.ts';
import type { EventRecorder } from './events.ts';
import type { ClusterSource, FamilyProxier, SnapshotLike, SyncRunner, SyncRunnerFactory } from './ports.ts';
import { ProxySyncer } from './proxy-syncer.ts';

/** Everything the daemon composes; the real ones come from `main.ts`, tests pass fakes. */
export interface DaemonOptions<S extends SnapshotLike = SnapshotLike> {
  readonly config: KubeProxyConfiguration;
  readonly mode: ProxyMode;
  readonly source: ClusterSource<S>;
  /** One proxier per family the node has (primary family first). */
  readonly proxiers: readonly FamilyProxier<S>[];
  readonly runnerFactory: SyncRunnerFactory;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly conntrack?: ConntrackCleaner;
  /** Default: a fresh registry for `mode`. */
  readonly metrics?: ProxyMetrics;
  /** IPs the healthCheckNodePort servers listen on; empty or absent means every address. */
  readonly healthCheckAddresses?: readonly string[];
  /** Kubernetes events (`Starting`, `FailedToStartServiceHealthcheck`). Default: none. */
  readonly events?: EventRecorder;
  /** The node name, for the `Starting` event. */
  readonly nodeName?: string;
}

/**
 * The kproxy daemon: healthz and metrics servers, the watch layer, one proxier per family and the
 * bounded-frequency runner that drives {@link ProxySyncer}. `stop()` is the graceful shutdown of SIGTERM:
 * it lets a sync in progress finish, stops the watch, closes every server and leaves the rules in place.
 */
export class Daemon<S extends SnapshotLike = SnapshotLike> {
  readonly health: ProxyHealth;
  readonly metrics: ProxyMetrics;
  readonly syncer: ProxySyncer<S>;
  readonly #o: DaemonOptions<S>;
  readonly #serviceHealth: ServiceHealthServers;
  #healthz: ProxyHealthServer | undefined;
  #metricsServer: MetricsServer | undefined;
  #runner: SyncRunner | undefined;
  #unsubscribe: (() => void) | undefined;
  #healthzPort: number | undefined;
  #metricsPort: number | undefined;
  #stopped = false;

  constructor(options: DaemonOptions<S>) {
    this.#o = options;
    const { syncPeriodMs } = modeSettings(options.config);
    this.metrics = options.metrics ?? new ProxyMetrics({ mode: options.mode });
    this.health = new ProxyHealth({
      clock: options.clock,
      healthTimeoutMs: 2 * syncPeriodMs,
      families: options.proxiers.map((p) => p.family),
    });
    this.#serviceHealth = new ServiceHealthServers({
      addresses: options.healthCheckAddresses ?? [],
      proxyHealthy: () => this.health.status().healthy,
      logger: options.logger.child({ component: 'healthcheck' }),
      onListenError: (svc, err) =>
        (options.events ?? noEvents).event(
          { kind: 'Service', namespace: svc.namespace, name: svc.name },
          'Warning',
          'FailedToStartServiceHealthcheck',
          `node ${options.nodeName ?? ''} failed to start healthcheck "${svc.namespace}/${svc.name}" on port ${svc.port}: ${err.message}`,
        ),
    });
    this.syncer = new ProxySyncer<S>({
      source: options.source,
      proxiers: options.proxiers,
      health: this.health,
      metrics: this.metrics,
      logger: options.logger.child({ component: 'sync' }),
      clock: options.clock,
      serviceHealth: this.#serviceHealth,
      ...(options.conntrack ? { conntrack: options.conntrack } : {}),
    });
  }

  /** Port the healthz server is bound to, once started (undefined when disabled). */
  get healthzPort(): number | undefined {
    return this.#healthzPort;
  }

  /** Port the metrics server is bound to, once started (undefined when disabled). */
  get metricsPort(): number | undefined {
    return this.#metricsPort;
  }

  /**
   * Starts the servers, waits for the watch layer's first list, then starts the runner (whose first run
   * is immediate). Rejects when a server cannot bind and `bindAddressHardFail` is set.
   */
  async start(): Promise<void> {
    const { config, logger } = this.#o;
    await this.#startServers();
    this.#unsubscribe = this.#o.source.onChange(() => {
      this.syncer.queued();
      this.#runner?.run();
    });
    // Until the first sync, the node counts as having a pending update (healthz answers 503).
    this.syncer.queued();
    logger.info({ mode: this.#o.mode, families: this.#o.proxiers.map((p) => p.family) }, 'waiting for the API server caches to sync');
    if (this.#o.nodeName) (this.#o.events ?? noEvents).event({ kind: 'Node', name: this.#o.nodeName }, 'Normal', 'Starting', `Starting kproxy (${this.#o.mode}).`);
    await this.#o.source.start();
    if (this.#stopped) return;
    const { syncPeriodMs, minSyncPeriodMs } = modeSettings(config);
    this.#runner = this.#o.runnerFactory({ fn: () => this.syncer.sync(), minIntervalMs: minSyncPeriodMs, maxIntervalMs: syncPeriodMs });
    this.#runner.start();
  }

  /** Graceful shutdown: finishes the current sync, stops watching, closes servers. Rules stay. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#unsubscribe?.();
    await this.#runner?.stop();
    await this.#o.source.stop();
    await Promise.all([this.#serviceHealth.close(), this.#healthz?.close(), this.#metricsServer?.close()]);
    this.#o.logger.info('stopped; proxy rules left in place');
  }

  async #startServers(): Promise<void> {
    const { config, logger } = this.#o;
    const bind = async (what: string, address: string, listen: (a: string) => Promise<number>): Promise<number | undefined> => {
      if (address === '') return undefined;
      try {
        const port = await listen(address);
        logger.info({ address, port }, `${what} server listening`);
        return port;
      } catch (err) {
        const msg = `cannot start the ${what} server on ${address}: ${(err as Error).message}`;
        if (config.bindAddressHardFail) throw new Error(msg, { cause: err });
        logger.error(msg);
        return undefined;
      }
    };
    this.#healthz = proxyHealthServer({
      health: this.health,
      onRequest: (endpoint, code) => (endpoint === 'healthz' ? this.metrics.healthzTotal : this.metrics.livezTotal).inc({ code: String(code) }),
    });
    this.#healthzPort = await bind('healthz', config.healthzBindAddress, (a) => (this.#healthz as ProxyHealthServer).listen(a));
    this.#metricsServer = metricsServer({ metrics: this.metrics, mode: this.#o.mode, configz: () => configurationToWire(config) });
    this.#metricsPort = await bind('metrics', config.metricsBindAddress, (a) => (this.#metricsServer as MetricsServer).listen(a));
  }
}
