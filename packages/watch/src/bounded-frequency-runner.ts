/**
 * The sync runner: calls `fn` at most once per `minIntervalMs` (measured from the end of one run to the
 * start of the next), at least once per `maxIntervalMs`, never concurrently, and again after a backoff when
 * `fn` fails. Requests made while a run is in progress coalesce into one follow-up run. Time comes from an
 * injected clock and timers.
 */
import type { Clock, Logger } from '@kproxy/api';
import { silentLogger, systemClock } from '@kproxy/api';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import { systemTimers, type TimerHandle, type Timers } from './timers.ts';

/** Options of `BoundedFrequencyRunner`. */
export interface BoundedFrequencyRunnerOptions {
  /** Name for logs. */
  readonly name?: string;
  /** The work. A rejection counts as a failed run. */
  readonly fn: () => Promise<void> | void;
  /** kube-proxy's `minSyncPeriod`. Default 1000 ms. 0 allows back-to-back runs. */
  readonly minIntervalMs?: number;
  /** kube-proxy's `syncPeriod`. Default 30,000 ms. */
  readonly maxIntervalMs?: number;
  /** Backoff after failed runs. Defaults: 1 s doubling up to `maxIntervalMs`. */
  readonly retry?: BackoffOptions;
  readonly clock?: Clock;
  readonly timers?: Timers;
  readonly logger?: Logger;
}

/** A snapshot of the runner's health, for healthz and metrics. */
export interface RunnerStatus {
  /** Clock time (ms) of the end of the last successful run; undefined before the first. */
  readonly lastSuccessAt?: number;
  /** Clock time (ms) of the end of the last run, successful or not. */
  readonly lastRunAt?: number;
  /** Failures since the last success. */
  readonly consecutiveFailures: number;
  readonly lastError?: unknown;
  readonly running: boolean;
  /** A run has been requested and not started yet. */
  readonly pending: boolean;
  /** Clock time (ms) the next run is scheduled for, if any. */
  readonly nextRunAt?: number;
}

/**
 * Runs `fn` at most once per `minIntervalMs`, at least once per `maxIntervalMs`, never concurrently, and
 * retries failures with backoff. Start with `start()` (first run at once); request runs with `run()`.
 */
export class BoundedFrequencyRunner {
  readonly #fn: () => Promise<void> | void;
  readonly #name: string;
  readonly #min: number;
  readonly #max: number;
  readonly #retry: BackoffOptions;
  readonly #clock: Clock;
  readonly #timers: Timers;
  readonly #logger: Logger;

  #started = false;
  #stopped = false;
  #running: Promise<void> | undefined;
  #pending = false;
  #timer: TimerHandle | undefined;
  #nextRunAt: number | undefined;
  #lastStart: number | undefined;
  #lastEnd: number | undefined;
  #lastSuccess: number | undefined;
  #failures = 0;
  #lastError: unknown;
  #retryAt: number | undefined;

  constructor(options: BoundedFrequencyRunnerOptions) {
    this.#fn = options.fn;
    this.#name = options.name ?? 'sync';
    this.#min = options.minIntervalMs ?? 1000;
    this.#max = options.maxIntervalMs ?? 30_000;
    this.#retry = { initialMs: 1000, maxMs: this.#max, ...options.retry };
    this.#clock = options.clock ?? systemClock;
    this.#timers = options.timers ?? systemTimers;
    this.#logger = options.logger ?? silentLogger;
  }

  /** Starts the loop with an immediate first run. Idempotent. */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#pending = true;
    this.#schedule();
  }

  /** Requests a run as soon as the bounds allow. Cheap; calls coalesce. */
  run(): void {
    if (this.#stopped) return;
    this.#pending = true;
    if (this.#started) this.#schedule();
  }

  /** Stops scheduling and waits for a run in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#clearTimer();
    await this.#running;
  }

  /** Current health. */
  status(): RunnerStatus {
    return {
      lastSuccessAt: this.#lastSuccess,
      lastRunAt: this.#lastEnd,
      consecutiveFailures: this.#failures,
      lastError: this.#lastError,
      running: this.#running !== undefined,
      pending: this.#pending,
      nextRunAt: this.#nextRunAt,
    };
  }

  /** Resolves when no run is in progress (the current one, if any, has finished). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#nextRunAt = undefined;
  }

  #schedule(): void {
    if (this.#stopped || this.#running) return;
    const now = this.#clock.now();
    let at: number;
    if (this.#pending) {
      at = Math.max(now, this.#lastEnd === undefined ? now : this.#lastEnd + this.#min);
      if (this.#retryAt !== undefined) at = Math.max(at, this.#retryAt);
    } else {
      at = (this.#lastStart ?? now) + this.#max;
    }
    // A timer that fires no later than needed stays: its bounds only move when a run ends, and each run end
    // reschedules. This keeps run() cheap when informers deliver thousands of events in a burst.
    if (this.#timer !== undefined && this.#nextRunAt !== undefined && this.#nextRunAt <= at) return;
    this.#clearTimer();
    this.#nextRunAt = at;
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      this.#nextRunAt = undefined;
      this.#running = this.#runOnce().finally(() => {
        this.#running = undefined;
        this.#schedule();
      });
    }, at - now);
  }

  async #runOnce(): Promise<void> {
    this.#pending = false;
    this.#lastStart = this.#clock.now();
    try {
      await this.#fn();
      this.#lastSuccess = this.#clock.now();
      this.#failures = 0;
      this.#lastError = undefined;
      this.#retryAt = undefined;
    } catch (err) {
      this.#failures++;
      this.#lastError = err;
      const delay = backoffDelay(this.#failures, this.#retry);
      this.#retryAt = this.#clock.now() + delay;
      this.#pending = true;
      this.#logger.warn({ err, runner: this.#name, failures: this.#failures, retryInMs: delay }, 'sync failed; will retry');
    } finally {
      this.#lastEnd = this.#clock.now();
    }
  }
}
