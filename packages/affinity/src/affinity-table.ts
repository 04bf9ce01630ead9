import type { Clock, SessionAffinity } from '@kproxy/api';

/** One remembered client: which endpoint it sticks to and when it last opened a connection. */
export interface AffinityEntry {
  /** The service port key (`servicePortKey`) the entry belongs to. */
  readonly servicePort: string;
  readonly clientIP: string;
  /** The endpoint key (`endpointKey`, `ip:port`). */
  readonly endpoint: string;
  /** Clock time (ms) of the client's last new connection. */
  readonly lastSeen: number;
  readonly timeoutSeconds: number;
}

/** Options of `AffinityTable`. */
export interface AffinityTableOptions {
  /** Time source; tests inject a fake one. */
  readonly clock: Clock;
}

/** What `AffinityTable.connect` decided for one new connection. */
export interface AffinityDecision {
  /** The chosen endpoint key, or undefined when there was no usable endpoint. */
  readonly endpoint: string | undefined;
  /** True when an existing, unexpired entry for a still-usable endpoint decided it. */
  readonly sticky: boolean;
}

/**
 * A reference model of ClientIP session affinity, for simulations and tracers: what every backend must
 * behave like. Per service port, a client IP sticks to the endpoint its first connection went to while the
 * endpoint stays usable and the client is not idle longer than `timeoutSeconds`. Idle time is measured
 * from the client's last NEW connection (each new connection refreshes it), as the iptables `recent` match
 * and the nftables affinity sets do. An entry exactly `timeoutSeconds` old still holds; older expires.
 * Entries whose endpoint leaves the usable set are evicted. Pure apart from the injected clock.
 */
export class AffinityTable {
  readonly #clock: Clock;
  // service port -> client IP -> entry
  readonly #entries = new Map<string, Map<string, AffinityEntry>>();

  constructor(options: AffinityTableOptions) {
    this.#clock = options.clock;
  }

  /**
   * A new connection from `clientIP` to `servicePort`. With ClientIP affinity, a live entry whose endpoint is
   * in `usable` decides; otherwise `choose(usable)` picks (a backend's balancing, e.g. random or round
   * robin) and the choice is remembered. With None affinity, `choose` always decides and nothing is
   * remembered (and any old entries of the port are dropped: switching affinity off takes effect at once).
   * `usable` holds endpoint keys. `choose` must return one of them; anything else counts as no endpoint.
   */
  connect(
    servicePort: string,
    clientIP: string,
    affinity: SessionAffinity,
    usable: readonly string[],
    choose: (candidates: readonly string[]) => string | undefined,
  ): AffinityDecision {
    if (affinity.type !== 'ClientIP') {
      this.#entries.delete(servicePort);
      return { endpoint: usable.length === 0 ? undefined : pickValid(choose, usable), sticky: false };
    }
    const now = this.#clock.now();
    const perPort = this.#entries.get(servicePort);
    const existing = perPort?.get(clientIP);
    if (existing && !isExpired(existing, now, affinity.timeoutSeconds) && usable.includes(existing.endpoint)) {
      perPort?.set(clientIP, { ...existing, lastSeen: now, timeoutSeconds: affinity.timeoutSeconds });
      return { endpoint: existing.endpoint, sticky: true };
    }
    if (existing) perPort?.delete(clientIP);
    const endpoint = usable.length === 0 ? undefined : pickValid(choose, usable);
    if (endpoint === undefined) return { endpoint: undefined, sticky: false };
    let table = perPort;
    if (!table) {
      table = new Map();
      this.#entries.set(servicePort, table);
    }
    table.set(clientIP, { servicePort, clientIP, endpoint, lastSeen: now, timeoutSeconds: affinity.timeoutSeconds });
    return { endpoint, sticky: false };
  }

  /** The live entry of a client on a service port, if any (expired entries are not returned). */
  get(servicePort: string, clientIP: string): AffinityEntry | undefined {
    const entry = this.#entries.get(servicePort)?.get(clientIP);
    if (!entry || isExpired(entry, this.#clock.now(), entry.timeoutSeconds)) return undefined;
    return entry;
  }

  /**
   * Tells the table the current usable endpoints of a service port: entries for endpoints that left the set
   * are evicted. Returns the evicted entries.
   */
  syncEndpoints(servicePort: string, usable: readonly string[]): AffinityEntry[] {
    const perPort = this.#entries.get(servicePort);
    if (!perPort) return [];
    const keep = new Set(usable);
    const evicted: AffinityEntry[] = [];
    for (const [client, entry] of perPort) {
      if (!keep.has(entry.endpoint)) {
        evicted.push(entry);
        perPort.delete(client);
      }
    }
    if (perPort.size === 0) this.#entries.delete(servicePort);
    return evicted;
  }

  /** Drops every entry idle longer than its timeout. Returns the expired entries. */
  expire(): AffinityEntry[] {
    const now = this.#clock.now();
    const expired: AffinityEntry[] = [];
    for (const [port, perPort] of this.#entries) {
      for (const [client, entry] of perPort) {
        if (isExpired(entry, now, entry.timeoutSeconds)) {
          expired.push(entry);
          perPort.delete(client);
        }
      }
      if (perPort.size === 0) this.#entries.delete(port);
    }
    return expired;
  }

  /** Forgets a service port (deleted Service, or affinity switched off). */
  forget(servicePort: string): void {
    this.#entries.delete(servicePort);
  }

  /** Every live entry, sorted by service port then client IP. */
  entries(): AffinityEntry[] {
    const now = this.#clock.now();
    const all: AffinityEntry[] = [];
    for (const perPort of this.#entries.values()) {
      for (const entry of perPort.values()) if (!isExpired(entry, now, entry.timeoutSeconds)) all.push(entry);
    }
    return all.sort((a, b) =>
      a.servicePort !== b.servicePort
        ? a.servicePort < b.servicePort
          ? -1
          : 1
        : a.clientIP < b.clientIP
          ? -1
          : a.clientIP > b.clientIP
            ? 1
            : 0,
    );
  }
}

function isExpired(entry: AffinityEntry, now: number, timeoutSeconds: number): boolean {
  return now - entry.lastSeen > timeoutSeconds * 1000;
}

function pickValid(
  choose: (candidates: readonly string[]) => string | undefined,
  usable: readonly string[],
): string | undefined {
  const chosen = choose(usable);
  return chosen !== undefined && usable.includes(chosen) ? chosen : undefined;
}
