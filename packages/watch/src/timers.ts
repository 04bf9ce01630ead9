import type { Clock } from '@kproxy/api';

/** Opaque handle of a scheduled callback. */
export type TimerHandle = unknown;

/**
 * The timer seam: everything in this package that waits schedules through it, so tests drive time with
 * `manualClock()` from `@kproxy/watch/testing` and stay deterministic.
 */
export interface Timers {
  /** Calls `fn` once after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a callback; unknown or already-fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** Node's timers. Handles are unref'd so a pending retry never keeps the process alive. */
export const systemTimers: Timers = {
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/** A promise that resolves after `ms` on the given timers. */
export function sleep(timers: Timers, ms: number): Promise<void> {
  return new Promise((resolve) => timers.setTimeout(resolve, ms));
}

/** Clock and timers together: what time-dependent components take. */
export interface TimeSource {
  readonly clock: Clock;
  readonly timers: Timers;
}
