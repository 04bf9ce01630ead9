// Public API of @kproxy/endpoints.
export { FEATURE_DEFAULTS, FEATURE_PREFER_SAME_TRAFFIC_DISTRIBUTION, featureEnabled } from './features.ts';
export { normalizeIP, normalizeIPWithFamily, parseIP } from './ip.ts';
export type { ParsedIP } from './ip.ts';
export { compareEndpoints, mergeEndpointSlices, slicePortKey } from './merge-slices.ts';
export type { MergedSlices, MergeSlicesOptions } from './merge-slices.ts';
export { ENDPOINT_REASONS } from './reason-codes.ts';
export type { EndpointReasonCode } from './reason-codes.ts';
export {
  chooseTopology,
  isExternallyAccessible,
  selectEndpoints,
  usesClusterEndpoints,
  usesLocalEndpoints,
} from './select-endpoints.ts';
export type { SelectionInput, TopologyChoice, TopologyMode } from './select-endpoints.ts';
