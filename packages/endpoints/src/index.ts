// Public API of @kproxy/endpoints.
export { normalizeIP, parseIP } from './ip.ts';
export type { ParsedIP } from './ip.ts';
export { compareEndpoints, mergeEndpointSlices, slicePortKey } from './merge-slices.ts';
export type { MergedSlices, MergeSlicesOptions } from './merge-slices.ts';
export { ENDPOINT_REASONS } from './reason-codes.ts';
export type { EndpointReasonCode } from './reason-codes.ts';
