// Shared helpers for the harness's API server tests (not exported from the package).
import type { KubeObject } from './store.ts';

/** A Service object. */
export function service(name: string, extra: { namespace?: string; labels?: Record<string, string>; port?: number } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: extra.namespace ?? 'default', ...(extra.labels ? { labels: extra.labels } : {}) },
    spec: { ports: [{ name: 'http', port: extra.port ?? 80, protocol: 'TCP' }] },
  };
}

/** An EndpointSlice for `svc` with the given IPv4 addresses. */
export function slice(
  name: string,
  svc: string | undefined,
  ips: string[],
  extra: { namespace?: string; labels?: Record<string, string>; port?: number } = {},
): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name,
      namespace: extra.namespace ?? 'default',
      labels: { ...(svc ? { 'kubernetes.io/service-name': svc } : {}), ...extra.labels },
    },
    addressType: 'IPv4',
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports: [{ name: 'http', port: extra.port ?? 8080, protocol: 'TCP' }],
  };
}

/** A Node object. */
export function node(name: string, labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels },
    status: { addresses: [{ type: 'InternalIP', address: '192.0.2.10' }] },
  };
}

/** A parsed watch event. */
export interface RawEvent {
  type: string;
  object: { metadata?: { name?: string; resourceVersion?: string }; code?: number; reason?: string };
}

/** An open raw watch: events as they arrive. */
export interface RawWatch {
  readonly status: number;
  readonly events: RawEvent[];
  /** Resolves when at least `n` events arrived (or rejects after `ms`). */
  waitFor(n: number, ms?: number): Promise<RawEvent[]>;
  /** Resolves when the server ended the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

/** Opens a watch with fetch and parses newline-delimited events. */
export async function rawWatch(url: string): Promise<RawWatch> {
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal });
  const events: RawEvent[] = [];
  const waiters: (() => void)[] = [];
  const ended = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body) {
        buf += decoder.decode(chunk as Uint8Array, { stream: true });
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buf.slice(0, nl)) as RawEvent);
          buf = buf.slice(nl + 1);
        }
        waiters.forEach((w) => w());
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    status: res.status,
    events,
    ended,
    close: () => controller.abort(),
    waitFor: async (n, ms = 3000) => {
      const deadline = Date.now() + ms;
      while (events.length < n) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} events, have ${JSON.stringify(events)}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 20);
        });
      }
      return events;
    },
  };
}

/** Polls `check` until it returns true (bounded by `ms`). */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
