import type { Clock } from '@kproxy/api';
import type { Timers } from './timers.ts';

/**
 * A token bucket limiting API requests to `qps` per second with bursts of up to `burst`, like client-go's
 * rate limiter (kube-proxy's `clientConnection.qps` / `burst`). `@kubernetes/client-node` has no limiter
 * hook, so this package calls `take()` before every list page and every watch request it makes.
 */
export class TokenBucket {
  readonly #qps: number;
  readonly #burst: number;
  readonly #clock: Clock;
  readonly #timers: Timers;
  #tokens: number;
  #last: number;
  /** Waiters in FIFO order. */
  #queue: (() => void)[] = [];
  #timer: unknown;

  /** `qps <= 0` disables limiting. */
  constructor(qps: number, burst: number, clock: Clock, timers: Timers) {
    this.#qps = qps;
    this.#burst = Math.max(1, burst);
    this.#clock = clock;
    this.#timers = timers;
    this.#tokens = this.#burst;
    this.#last = clock.now();
  }

  /** Tokens available now (fractional). */
  get available(): number {
    this.#refill();
    return this.#tokens;
  }

  /** Resolves when a request may be sent. */
  take(): Promise<void> {
    if (this.#qps <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#queue.push(resolve);
      this.#drain();
    });
  }

  #refill(): void {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#qps);
    this.#last = now;
  }

  #drain(): void {
    this.#refill();
    while (this.#queue.length > 0 && this.#tokens >= 1) {
      this.#tokens -= 1;
      (this.#queue.shift() as () => void)();
    }
    if (this.#queue.length > 0 && this.#timer === undefined) {
      const wait = Math.ceil(((1 - this.#tokens) / this.#qps) * 1000);
      this.#timer = this.#timers.setTimeout(() => {
        this.#timer = undefined;
        this.#drain();
      }, wait);
    }
  }
}
