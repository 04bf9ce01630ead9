// Public API of @kproxy/kproxy (the daemon's parts, for embedding and tests; the executable is main.ts).
export { helpText, parseCommandLine } from './cli/command-line.ts';
export type { CommandLine, CommandName, ExplainArgs } from './cli/command-line.ts';
export { FLAGS } from './cli/flag-table.ts';
export type { FlagSpec, FlagTarget } from './cli/flag-table.ts';
export { describePlans, planAll } from './commands/diff.ts';
export type { FamilyPlan } from './commands/diff.ts';
export { describeTrace, matchServicePort, packetFromArgs, runExplain } from './commands/explain.ts';
export { decodeConfigFile } from './config/config-file.ts';
export { formatDuration, parseDuration } from './config/duration.ts';
export {
  CONFIG_API_VERSION,
  CONFIG_KIND,
  CONFIG_SCHEMA,
  defaultConfiguration,
  DETECT_LOCAL_MODES,
  PROXY_MODES,
} from './config/kube-proxy-configuration.ts';
export type { ConfigSchema, FieldKind, KubeProxyConfiguration, ProxyMode } from './config/kube-proxy-configuration.ts';
export { DEFAULT_MODE, KNOWN_FEATURE_GATES, modeSettings, resolveOptions } from './config/resolve.ts';
export type { ResolvedOptions } from './config/resolve.ts';
export { validateConfiguration } from './config/validate.ts';
export { configurationToWire, configurationToYaml } from './config/wire.ts';
export { Daemon } from './daemon/daemon.ts';
export type { DaemonOptions } from './daemon/daemon.ts';
export type {
  ClusterSource,
  FamilyProxier,
  FamilyStateBuilder,
  SnapshotLike,
  SourceBatch,
  SyncRunner,
  SyncRunnerFactory,
} from './daemon/ports.ts';
export { noEvents } from './daemon/events.ts';
export type { EventRecorder, EventSubject } from './daemon/events.ts';
export { ProxySyncer } from './daemon/proxy-syncer.ts';
export type { ProxySyncerOptions } from './daemon/proxy-syncer.ts';
export { createLogger, formatKlogLine, levelForVerbosity } from './logging/logger.ts';
export type { LoggerOptions, LogSink } from './logging/logger.ts';
export { metricsServer } from './metrics/metrics-server.ts';
export type { MetricsServer, MetricsServerOptions } from './metrics/metrics-server.ts';
export { METRIC, ProxyMetrics } from './metrics/proxy-metrics.ts';
export type { ProxyMetricsOptions } from './metrics/proxy-metrics.ts';
export { probeIpvsSupport } from './mode/ipvs-support.ts';
export type { IpvsProbeIO } from './mode/ipvs-support.ts';
export { selectMode } from './mode/select-mode.ts';
export type { ModeSelection, ModeSelectionInput, Support } from './mode/select-mode.ts';
export { EXIT, KPROXY_VERSION, runCli } from './run-cli.ts';
export type { CliIO } from './run-cli.ts';
export { AVAILABLE_MODES, BACKENDS, PREFLIGHT } from './wiring/backends.ts';
export type { BackendWiringOptions } from './wiring/backends.ts';
