// Public API of @kproxy/watch.
export { backoffDelay } from './backoff.ts';
export type { BackoffOptions } from './backoff.ts';
export { BoundedFrequencyRunner } from './bounded-frequency-runner.ts';
export type { BoundedFrequencyRunnerOptions, RunnerStatus } from './bounded-frequency-runner.ts';
export { ResourceInformer } from './informer.ts';
export type { InformerHandlers, ResourceInformerOptions } from './informer.ts';
export { loadKubeConfig } from './kube-config.ts';
export { ListStreamParser } from './list-stream.ts';
export type { ConnectionOptions } from './kube-config.ts';
export { deepFreeze, nodeFacts, sameObject } from './object-equal.ts';
export { sleep, systemTimers } from './timers.ts';
export type { TimerHandle, Timers, TimeSource } from './timers.ts';
export { TokenBucket } from './token-bucket.ts';
export { isIP, validateEndpointSlice, validateNode, validateService } from './validate.ts';
export { WatchCache } from './watch-cache.ts';
export type { ChangeBatch, WatchCacheOptions, WatchSnapshot } from './watch-cache.ts';
export { createWatcher } from './watcher.ts';
export type { KubeWatcher, WatcherOptions, WatcherStatus } from './watcher.ts';
