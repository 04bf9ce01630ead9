import type { Clock } from '@kproxy/api';
import type { TimerHandle, Timers } from '../timers.ts';

/** A clock plus timers that only move when the test says so. */
export interface ManualClock extends Clock, Timers {
  /**
   * Moves time forward by `ms`, firing due callbacks in time order; after each callback, pending promise
   * work (microtasks and one macrotask turn) runs, so async code scheduled by a callback progresses.
   */
  advance(ms: number): Promise<void>;
  /** Lets pending promise work run without moving time. */
  flush(): Promise<void>;
  /** Number of scheduled, not yet fired callbacks. */
  readonly pending: number;
}

/** Creates a manual clock starting at `start` ms (default 1,000,000). */
export function manualClock(start = 1_000_000): ManualClock {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const flush = async () => {
    for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
  };
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = ++seq;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return id as TimerHandle;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    get pending() {
      return timers.size;
    },
    flush,
    async advance(ms) {
      const end = now + ms;
      await flush();
      for (let guard = 0; guard < 100_000; guard++) {
        let next: [number, { at: number; fn: () => void }] | undefined;
        for (const entry of timers) {
          if (entry[1].at <= end && (!next || entry[1].at < next[1].at || (entry[1].at === next[1].at && entry[0] < next[0]))) {
            next = entry;
          }
        }
        if (!next) break;
        timers.delete(next[0]);
        now = Math.max(now, next[1].at);
        next[1].fn();
        await flush();
      }
      now = end;
      await flush();
    },
  };
}
