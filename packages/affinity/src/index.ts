// Public API of @kproxy/affinity.
export { AffinityTable } from './affinity-table.ts';
export type { AffinityDecision, AffinityEntry, AffinityTableOptions } from './affinity-table.ts';
export { isValidAffinityTimeout, NO_AFFINITY, parseSessionAffinity } from './policy.ts';
export type { InvalidAffinityMode, ParsedSessionAffinity } from './policy.ts';
export { AFFINITY_REASONS } from './reason-codes.ts';
export type { AffinityReasonCode } from './reason-codes.ts';
