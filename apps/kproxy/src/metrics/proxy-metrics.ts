import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, exponentialBuckets } from 'prom-client';
import type { IPFamily } from '@kproxy/api';
import type { ProxyMode } from '../config/kube-proxy-configuration.ts';

function linear(start: number, width: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start + i * width);
}

/** Metric names, exactly as kube-proxy exposes them. */
export const METRIC = {
  syncDuration: 'kubeproxy_sync_proxy_rules_duration_seconds',
  syncFullDuration: 'kubeproxy_sync_full_proxy_rules_duration_seconds',
  syncPartialDuration: 'kubeproxy_sync_partial_proxy_rules_duration_seconds',
  lastSyncTimestamp: 'kubeproxy_sync_proxy_rules_last_timestamp_seconds',
  lastQueuedTimestamp: 'kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds',
  networkProgrammingDuration: 'kubeproxy_network_programming_duration_seconds',
  endpointChangesPending: 'kubeproxy_sync_proxy_rules_endpoint_changes_pending',
  endpointChangesTotal: 'kubeproxy_sync_proxy_rules_endpoint_changes_total',
  serviceChangesPending: 'kubeproxy_sync_proxy_rules_service_changes_pending',
  serviceChangesTotal: 'kubeproxy_sync_proxy_rules_service_changes_total',
  iptablesRestoreFailures: 'kubeproxy_sync_proxy_rules_iptables_restore_failures_total',
  iptablesPartialRestoreFailures: 'kubeproxy_sync_proxy_rules_iptables_partial_restore_failures_total',
  nftablesSyncFailures: 'kubeproxy_sync_proxy_rules_nftables_sync_failures_total',
  nftablesCleanupFailures: 'kubeproxy_sync_proxy_rules_nftables_cleanup_failures_total',
  noLocalEndpoints: 'kubeproxy_sync_proxy_rules_no_local_endpoints_total',
  healthzTotal: 'kubeproxy_proxy_healthz_total',
  livezTotal: 'kubeproxy_proxy_livez_total',
  conntrackSyncDuration: 'kubeproxy_conntrack_reconciler_sync_duration_seconds',
  conntrackDeleted: 'kubeproxy_conntrack_reconciler_deleted_entries_total',
} as const;

/** Options of {@link ProxyMetrics}. */
export interface ProxyMetricsOptions {
  readonly mode: ProxyMode;
  /** Also export prom-client's process_* / nodejs_* metrics (the daemon does; tests do not). */
  readonly processMetrics?: boolean;
}

/**
 * kube-proxy's metrics (subsystem `kubeproxy`, with the `ip_family` label of 1.34) in a private
 * prom-client registry. Mode-specific failure counters are registered for the running mode only, as
 * kube-proxy's `RegisterMetrics(mode)` does.
 */
export class ProxyMetrics {
  readonly registry = new Registry();
  readonly mode: ProxyMode;
  readonly syncDuration: Histogram<'ip_family'>;
  readonly syncFullDuration: Histogram<'ip_family'>;
  readonly syncPartialDuration: Histogram<'ip_family'>;
  readonly lastSyncTimestamp: Gauge<'ip_family'>;
  readonly lastQueuedTimestamp: Gauge<'ip_family'>;
  readonly networkProgrammingDuration: Histogram<'ip_family'>;
  readonly endpointChangesPending: Gauge<'ip_family'>;
  readonly endpointChangesTotal: Counter<'ip_family'>;
  readonly serviceChangesPending: Gauge<'ip_family'>;
  readonly serviceChangesTotal: Counter<'ip_family'>;
  /** The running mode's sync failure counter (`..._nftables_sync_failures_total`, `..._iptables_restore_failures_total`). */
  readonly syncFailures: Counter<'ip_family'>;
  readonly cleanupFailures?: Counter<'ip_family'>;
  readonly noLocalEndpoints: Gauge<'ip_family' | 'traffic_policy'>;
  readonly healthzTotal: Counter<'code'>;
  readonly livezTotal: Counter<'code'>;
  readonly conntrackSyncDuration: Histogram<'ip_family'>;
  readonly conntrackDeleted: Counter<'ip_family'>;

  constructor(options: ProxyMetricsOptions) {
    this.mode = options.mode;
    const registers = [this.registry];
    const syncBuckets = exponentialBuckets(0.001, 2, 15);
    const histogram = (name: string, help: string, buckets = syncBuckets) =>
      new Histogram({ name, help, labelNames: ['ip_family'] as const, buckets, registers });
    const gauge = (name: string, help: string) => new Gauge({ name, help, labelNames: ['ip_family'] as const, registers });
    const counter = (name: string, help: string) => new Counter({ name, help, labelNames: ['ip_family'] as const, registers });

    this.syncDuration = histogram(METRIC.syncDuration, 'SyncProxyRules latency in seconds');
    this.syncFullDuration = histogram(METRIC.syncFullDuration, 'SyncProxyRules latency in seconds for full resyncs');
    this.syncPartialDuration = histogram(METRIC.syncPartialDuration, 'SyncProxyRules latency in seconds for partial resyncs');
    this.lastSyncTimestamp = gauge(METRIC.lastSyncTimestamp, 'The last time proxy rules were successfully synced');
    this.lastQueuedTimestamp = gauge(METRIC.lastQueuedTimestamp, 'The last time a sync of proxy rules was queued');
    this.networkProgrammingDuration = histogram(
      METRIC.networkProgrammingDuration,
      'In Cluster Network Programming Latency in seconds',
      // kube-proxy's buckets: 0.25 s steps to 0.5 s, 1 s steps to 59 s, 5 s steps to 115 s, 30 s steps to 300 s.
      [
        ...linear(0.25, 0.25, 2),
        ...linear(1, 1, 59),
        ...linear(60, 5, 12),
        ...linear(120, 30, 7),
      ],
    );
    this.endpointChangesPending = gauge(METRIC.endpointChangesPending, 'Pending proxy rules Endpoint changes');
    this.endpointChangesTotal = counter(METRIC.endpointChangesTotal, 'Cumulative proxy rules Endpoint changes');
    this.serviceChangesPending = gauge(METRIC.serviceChangesPending, 'Pending proxy rules Service changes');
    this.serviceChangesTotal = counter(METRIC.serviceChangesTotal, 'Cumulative proxy rules Service changes');
    if (options.mode === 'nftables') {
      this.syncFailures = counter(METRIC.nftablesSyncFailures, 'Cumulative proxy nftables sync failures');
      this.cleanupFailures = counter(METRIC.nftablesCleanupFailures, 'Cumulative proxy nftables cleanup failures');
    } else {
      this.syncFailures = counter(METRIC.iptablesRestoreFailures, 'Cumulative proxy iptables restore failures');
    }
    this.noLocalEndpoints = new Gauge({
      name: METRIC.noLocalEndpoints,
      help: 'Number of services with a Local traffic policy and no endpoints',
      labelNames: ['ip_family', 'traffic_policy'] as const,
      registers,
    });
    this.healthzTotal = new Counter({ name: METRIC.healthzTotal, help: 'Cumulative proxy healthz HTTP status', labelNames: ['code'] as const, registers });
    this.livezTotal = new Counter({ name: METRIC.livezTotal, help: 'Cumulative proxy livez HTTP status', labelNames: ['code'] as const, registers });
    this.conntrackSyncDuration = histogram(METRIC.conntrackSyncDuration, 'ReconcileConntrackFlowsLatency latency in seconds');
    this.conntrackDeleted = counter(METRIC.conntrackDeleted, 'Cumulative conntrack flows deleted by conntrack reconciler');
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Records one successful sync of `family` that took `seconds`; `syncedAtMs` (the last-sync timestamp)
   * is the time of the cluster state it applied.
   */
  observeSync(family: IPFamily, seconds: number, full: boolean, syncedAtMs: number): void {
    this.syncDuration.observe({ ip_family: family }, seconds);
    (full ? this.syncFullDuration : this.syncPartialDuration).observe({ ip_family: family }, seconds);
    this.lastSyncTimestamp.set({ ip_family: family }, syncedAtMs / 1000);
  }

  /** The exposition text for `/metrics`. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
