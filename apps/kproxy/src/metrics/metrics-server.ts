import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeServer, listenOn, parseListenAddress } from '@kproxy/healthcheck';
import type { ProxyMetrics } from './proxy-metrics.ts';

/** Options of {@link metricsServer}. */
export interface MetricsServerOptions {
  readonly metrics: ProxyMetrics;
  /** The running mode, for `/proxyMode`. */
  readonly mode: string;
  /** The effective configuration for `/configz` (as the file format writes it). */
  readonly configz: () => unknown;
}

/** kube-proxy's metrics server: `/metrics`, `/healthz` (always ok), `/proxyMode`, `/configz`. */
export interface MetricsServer {
  listen(address: string): Promise<number>;
  close(): Promise<void>;
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
}

/** Builds the metrics server. */
export function metricsServer(options: MetricsServerOptions): MetricsServer {
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    const text = (code: number, body: string, type = 'text/plain; charset=utf-8') =>
      res.writeHead(code, { 'Content-Type': type, 'X-Content-Type-Options': 'nosniff' }).end(body);
    switch (path) {
      case '/metrics':
        options.metrics
          .text()
          .then((body) => text(200, body, options.metrics.registry.contentType))
          .catch((err: unknown) => text(500, `metrics: ${String(err)}\n`));
        return;
      case '/healthz':
        text(200, 'ok');
        return;
      case '/proxyMode':
        text(200, options.mode);
        return;
      case '/configz':
        text(200, JSON.stringify({ kubeproxy: options.configz() }), 'application/json');
        return;
      default:
        text(404, '404 page not found\n');
    }
  };
  let server: Server | undefined;
  return {
    handler,
    async listen(address) {
      const { host, port } = parseListenAddress(address);
      server = createServer(handler);
      return listenOn(server, host, port);
    },
    async close() {
      if (server) await closeServer(server);
    },
  };
}
