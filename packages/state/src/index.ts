// Public API of @kproxy/state.
export { cidrContains, isZeroCIDR, parseCIDR } from './cidr.ts';
export type { ParsedCIDR } from './cidr.ts';
export { nodeContextFrom } from './node-context.ts';
export type { DetectLocalMode, NodeContextOptions } from './node-context.ts';
export { PersistentMap } from './persistent-map.ts';
export { STATE_REASONS } from './reason-codes.ts';
export type { StateReasonCode } from './reason-codes.ts';
export { buildServicePorts } from './service-ports.ts';
export type { BuildOptions, BuiltServicePorts } from './service-ports.ts';
export { serviceKey } from './snapshot.ts';
export type { ClusterSnapshot } from './snapshot.ts';
export { StateBuilder } from './state-builder.ts';
export type { StateBuilderOptions, StateUpdate } from './state-builder.ts';
