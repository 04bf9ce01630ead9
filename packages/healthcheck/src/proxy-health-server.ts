import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeServer, listenOn, parseListenAddress } from './listen.ts';
import type { HealthStatus, ProxyHealth } from './proxy-health.ts';

/** Which endpoint answered, and with what code (for `kubeproxy_proxy_healthz_total{code}` and friends). */
export type HealthEndpoint = 'healthz' | 'livez';

/** Options of {@link proxyHealthServer}. */
export interface ProxyHealthServerOptions {
  readonly health: ProxyHealth;
  /** Called after each answered `/healthz` or `/livez` request with the status code sent. */
  readonly onRequest?: (endpoint: HealthEndpoint, code: number) => void;
}

/** The proxy's healthz server: `/healthz` (health and node eligibility) and `/livez` (health only). */
export interface ProxyHealthServer {
  /** Starts listening on `host:port`; resolves with the bound port. */
  listen(address: string): Promise<number>;
  close(): Promise<void>;
  /** The underlying request handler, for embedding in another server. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
}

/** The JSON body of `/healthz` and `/livez`, shaped like kube-proxy's. Pure. */
export function healthBody(status: HealthStatus): Record<string, unknown> {
  const iso = (ms: number | undefined) => (ms === undefined || ms === 0 ? '' : new Date(ms).toISOString());
  return {
    lastUpdated: iso(status.lastUpdated),
    currentTime: iso(status.currentTime),
    nodeEligible: status.nodeEligible,
    healthy: status.healthy,
    status: Object.fromEntries(
      Object.entries(status.families).map(([family, h]) => [
        family,
        { healthy: h.healthy, lastUpdated: iso(h.lastUpdated), ...(h.reason ? { reason: h.reason } : {}) },
      ]),
    ),
  };
}

/**
 * Builds the proxy healthz/livez server. `/healthz` answers 200 when every family is healthy and the node
 * is eligible, else 503; `/livez` ignores node eligibility. Other paths get 404.
 */
export function proxyHealthServer(options: ProxyHealthServerOptions): ProxyHealthServer {
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    const endpoint: HealthEndpoint | undefined =
      path === '/healthz' ? 'healthz' : path === '/livez' ? 'livez' : undefined;
    if (!endpoint) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
      return;
    }
    const status = options.health.status();
    const ok = status.healthy && (endpoint === 'livez' || status.nodeEligible);
    const code = ok ? 200 : 503;
    res
      .writeHead(code, { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff' })
      .end(JSON.stringify(healthBody(status)));
    options.onRequest?.(endpoint, code);
  };
  let server: Server | undefined;
  return {
    handler,
    async listen(address: string): Promise<number> {
      const { host, port } = parseListenAddress(address);
      server = createServer(handler);
      return listenOn(server, host, port);
    },
    async close(): Promise<void> {
      if (server) await closeServer(server);
    },
  };
}
