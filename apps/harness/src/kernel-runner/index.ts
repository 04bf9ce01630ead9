// The real-kernel scenario runner: conformance scenarios replayed with real packets.
export { bridgeToNamespace } from './api-bridge.ts';
export type { ApiBridge } from './api-bridge.ts';
export { daemonArgs } from './daemon-args.ts';
export type { DaemonArgsOptions } from './daemon-args.ts';
export { DAEMON_ENTRY, daemonAvailable, newestMetric, sampleHealth, sampleSyncTimes, startDaemon, waitForSync } from './daemon.ts';
export type { DaemonEndpoints, DaemonProcess, HealthSample, SyncTimes } from './daemon.ts';
export { kernelTarget } from './kernel-target.ts';
export type { KernelTarget, KernelTargetOptions } from './kernel-target.ts';
export { observationOf } from './observe.ts';
export { runScenarioOnKernel, unsendableReason, withoutUnsendable } from './run.ts';
export type { KernelRunOptions, KernelScenarioResult } from './run.ts';
export { flowSources, kernelLayout, unsupportedReason } from './scenario-topology.ts';
export type { KernelLayout } from './scenario-topology.ts';
