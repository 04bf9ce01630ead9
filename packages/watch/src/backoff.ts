/** Exponential backoff settings. */
export interface BackoffOptions {
  /** First delay in ms. Default 1000. */
  readonly initialMs?: number;
  /** Upper bound in ms. Default 30,000. */
  readonly maxMs?: number;
  /** Growth factor per failure. Default 2. */
  readonly factor?: number;
}

/**
 * The delay before attempt number `failures` (1 = after the first failure): `initial * factor^(failures-1)`,
 * capped at `max`. Deterministic (no jitter) so tests can assert it. Pure.
 */
export function backoffDelay(failures: number, options: BackoffOptions = {}): number {
  const initial = options.initialMs ?? 1000;
  const max = options.maxMs ?? 30_000;
  const factor = options.factor ?? 2;
  if (failures <= 0) return 0;
  return Math.min(max, initial * factor ** Math.min(failures - 1, 60));
}
