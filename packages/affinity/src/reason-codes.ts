/** Stable reason codes emitted by session-affinity parsing. Codes never change meaning; new ones may be added. */
export const AFFINITY_REASONS = {
  /** `sessionAffinity` is neither None nor ClientIP; treated as None. */
  UnknownSessionAffinity: 'UnknownSessionAffinity',
  /** `timeoutSeconds` is not an integer in 1..86400; the default 10800 is used (or the Service is rejected in strict mode). */
  InvalidAffinityTimeout: 'InvalidAffinityTimeout',
  /** `sessionAffinityConfig` is set while sessionAffinity is not ClientIP; it is ignored. */
  AffinityConfigIgnored: 'AffinityConfigIgnored',
} as const;

/** One of the stable reason codes of `AFFINITY_REASONS`. */
export type AffinityReasonCode = (typeof AFFINITY_REASONS)[keyof typeof AFFINITY_REASONS];
