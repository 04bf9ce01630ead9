import type { Clock, IPFamily } from '@kproxy/api';

/** Health of one family's proxier. */
export interface FamilyHealth {
  readonly healthy: boolean;
  /** Time of the last successful sync, ms since epoch; undefined before the first one. */
  readonly lastUpdated?: number;
  /** Time the oldest still-unsynced change was queued, ms since epoch; undefined when fully synced. */
  readonly oldestPendingQueued?: number;
  /** Why the family is unhealthy, for people. */
  readonly reason?: string;
}

/** The proxy's overall health, as `/healthz` and `/livez` report it. */
export interface HealthStatus {
  /** Every family is healthy (node eligibility is not part of this; `/healthz` adds it). */
  readonly healthy: boolean;
  /** Newest successful sync over all families, ms since epoch (0 when none yet). */
  readonly lastUpdated: number;
  readonly currentTime: number;
  /** False when the node is being deleted (then `/healthz` answers 503, `/livez` does not care). */
  readonly nodeEligible: boolean;
  readonly families: Readonly<Partial<Record<IPFamily, FamilyHealth>>>;
}

/** Options of {@link ProxyHealth}. */
export interface ProxyHealthOptions {
  readonly clock: Clock;
  /**
   * How long a queued change may stay unsynced before the proxy is unhealthy. kube-proxy uses
   * 2 × syncPeriod.
   */
  readonly healthTimeoutMs: number;
  /** The families the proxy runs (one proxier each). */
  readonly families: readonly IPFamily[];
  /**
   * When true (kproxy's default), a family is unhealthy until its first successful sync, so `/healthz`
   * returning 200 means the rules are programmed. kube-proxy reports healthy while starting up.
   */
  readonly requireFirstSync?: boolean;
}

/**
 * Tracks whether each family's proxier keeps up, as kube-proxy's proxier health server does: a change that
 * was queued longer than `healthTimeoutMs` ago without a successful sync since makes the proxy unhealthy;
 * the next successful sync makes it healthy again. Time comes from the injected clock.
 */
export class ProxyHealth {
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #families: readonly IPFamily[];
  readonly #requireFirstSync: boolean;
  readonly #lastUpdated = new Map<IPFamily, number>();
  readonly #oldestQueued = new Map<IPFamily, number>();
  #nodeEligible = true;

  constructor(options: ProxyHealthOptions) {
    if (!(options.healthTimeoutMs > 0)) throw new RangeError('healthTimeoutMs must be positive');
    this.#clock = options.clock;
    this.#timeoutMs = options.healthTimeoutMs;
    this.#families = [...options.families];
    this.#requireFirstSync = options.requireFirstSync ?? true;
  }

  /** Records that a change is waiting to be synced for `family` (keeps the oldest pending time). */
  queuedUpdate(family: IPFamily): void {
    if (!this.#oldestQueued.has(family)) this.#oldestQueued.set(family, this.#clock.now());
  }

  /** Records a successful sync of `family`: nothing is pending any more. */
  updated(family: IPFamily): void {
    this.#oldestQueued.delete(family);
    this.#lastUpdated.set(family, this.#clock.now());
  }

  /** Sets whether the node is eligible to receive traffic (false while it is being deleted). */
  setNodeEligible(eligible: boolean): void {
    this.#nodeEligible = eligible;
  }

  /** The current health, computed at the clock's present time. */
  status(): HealthStatus {
    const now = this.#clock.now();
    const families: Partial<Record<IPFamily, FamilyHealth>> = {};
    let healthy = true;
    let lastUpdated = 0;
    for (const family of this.#families) {
      const updated = this.#lastUpdated.get(family);
      const queued = this.#oldestQueued.get(family);
      if (updated !== undefined && updated > lastUpdated) lastUpdated = updated;
      let reason: string | undefined;
      if (updated === undefined && this.#requireFirstSync) {
        reason = 'no successful sync yet';
      } else if (queued !== undefined && now - queued >= this.#timeoutMs) {
        reason = `a change queued ${Math.round((now - queued) / 1000)}s ago is not synced yet (timeout ${Math.round(this.#timeoutMs / 1000)}s)`;
      }
      if (reason) healthy = false;
      families[family] = {
        healthy: reason === undefined,
        ...(updated === undefined ? {} : { lastUpdated: updated }),
        ...(queued === undefined ? {} : { oldestPendingQueued: queued }),
        ...(reason === undefined ? {} : { reason }),
      };
    }
    return { healthy, lastUpdated, currentTime: now, nodeEligible: this.#nodeEligible, families };
  }
}
