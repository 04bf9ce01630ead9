import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { silentLogger, sortedServicePorts } from '@kproxy/api';
import type { Logger, ProxyState } from '@kproxy/api';
import { closeServer, listenOn } from './listen.ts';

/** One Service that needs a healthCheckNodePort server. */
export interface HealthCheckService {
  readonly namespace: string;
  readonly name: string;
  /** The Service's `spec.healthCheckNodePort`. */
  readonly port: number;
  /** Unique ready local endpoint IPs (terminating ones excluded), over all ports and families. */
  readonly localEndpoints: number;
}

/**
 * The Services of `states` that have a healthCheckNodePort, with their local ready endpoint counts
 * (kube-proxy's `LocalReadyEndpoints`: unique IPs of ready endpoints on this node). Pure.
 */
export function healthCheckServicesFrom(states: Iterable<ProxyState>): HealthCheckService[] {
  const byService = new Map<string, { namespace: string; name: string; port: number; ips: Set<string> }>();
  for (const state of states) {
    for (const sp of sortedServicePorts(state)) {
      if (sp.healthCheckNodePort <= 0) continue;
      const key = `${sp.name.namespace}/${sp.name.name}`;
      let entry = byService.get(key);
      if (!entry) {
        entry = { namespace: sp.name.namespace, name: sp.name.name, port: sp.healthCheckNodePort, ips: new Set() };
        byService.set(key, entry);
      }
      for (const ep of sp.endpoints) if (ep.isLocal && ep.ready && !ep.terminating) entry.ips.add(ep.ip);
    }
  }
  return [...byService.values()].map((e) => ({
    namespace: e.namespace,
    name: e.name,
    port: e.port,
    localEndpoints: e.ips.size,
  }));
}

/** Options of {@link ServiceHealthServers}. */
export interface ServiceHealthServersOptions {
  /** IPs to listen on (the node-port addresses); empty means every address (`::` or `0.0.0.0`). */
  readonly addresses?: readonly string[];
  /** Whether the proxy itself is healthy; a 200 needs it. Default: always true. */
  readonly proxyHealthy?: () => boolean;
  readonly logger?: Logger;
  /** Called when a server cannot listen (kube-proxy emits the `FailedToStartServiceHealthcheck` event). */
  readonly onListenError?: (service: HealthCheckService, error: Error) => void;
}

interface Running {
  service: HealthCheckService;
  servers: Server[];
}

/**
 * The per-service healthCheckNodePort servers (externalTrafficPolicy Local). Each answers any GET with
 * 200 while its Service has local ready endpoints and the proxy is healthy, else 503, with the JSON body
 * `{"service":{"namespace","name"},"localEndpoints":n,"serviceProxyHealthy":bool}` and the header
 * `X-Load-Balancing-Endpoint-Weight: n`. `sync` opens, updates and closes servers to match the Services.
 */
export class ServiceHealthServers {
  readonly #options: ServiceHealthServersOptions;
  readonly #logger: Logger;
  #addresses: readonly string[];
  /** Running servers by health-check port. */
  readonly #running = new Map<number, Running>();

  constructor(options: ServiceHealthServersOptions = {}) {
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#addresses = [...(options.addresses ?? [])];
  }

  /** The addresses servers listen on (empty: every address). */
  addresses(): readonly string[] {
    return this.#addresses;
  }

  /** The ports that have a listening server now, sorted. */
  ports(): number[] {
    return [...this.#running.keys()].sort((a, b) => a - b);
  }

  /**
   * Makes the running servers match `services`: new ports are opened, vanished ones closed, counts of
   * the others updated in place. A port that cannot be opened is logged and retried on the next sync.
   * With `addresses` (the node-port addresses; empty for every address), servers move to them when they
   * differ from the current ones.
   */
  async sync(services: readonly HealthCheckService[], addresses?: readonly string[]): Promise<void> {
    if (addresses && !sameAddresses(addresses, this.#addresses)) {
      this.#addresses = [...addresses];
      await this.close();
    }
    const wanted = new Map<number, HealthCheckService>();
    for (const s of services) if (s.port > 0 && s.port <= 65535) wanted.set(s.port, s);
    for (const [port, running] of [...this.#running]) {
      const next = wanted.get(port);
      if (!next || next.namespace !== running.service.namespace || next.name !== running.service.name) {
        this.#running.delete(port);
        await Promise.all(running.servers.map(closeServer));
        this.#logger.info({ service: `${running.service.namespace}/${running.service.name}`, port }, 'closed health check server');
      }
    }
    for (const [port, service] of wanted) {
      const running = this.#running.get(port);
      if (running) {
        running.service = service;
        continue;
      }
      await this.#open(service);
    }
  }

  /** Closes every server. */
  async close(): Promise<void> {
    const all = [...this.#running.values()];
    this.#running.clear();
    await Promise.all(all.flatMap((r) => r.servers.map(closeServer)));
  }

  async #open(service: HealthCheckService): Promise<void> {
    const entry: Running = { service, servers: [] };
    const handler = (_req: IncomingMessage, res: ServerResponse): void => {
      const current = entry.service;
      const proxyHealthy = this.#options.proxyHealthy?.() ?? true;
      const ok = current.localEndpoints > 0 && proxyHealthy;
      res
        .writeHead(ok ? 200 : 503, {
          'Content-Type': 'application/json',
          'X-Content-Type-Options': 'nosniff',
          'X-Load-Balancing-Endpoint-Weight': String(current.localEndpoints),
        })
        .end(
          JSON.stringify({
            service: { namespace: current.namespace, name: current.name },
            localEndpoints: current.localEndpoints,
            serviceProxyHealthy: proxyHealthy,
          }),
        );
    };
    const explicit = this.#addresses.length > 0;
    const hosts = explicit ? this.#addresses : ['::'];
    try {
      for (const host of hosts) {
        const server = createServer(handler);
        entry.servers.push(server);
        try {
          await listenOn(server, host, service.port);
        } catch (err) {
          // `::` covers both families; on a host without IPv6 fall back to every IPv4 address.
          if (explicit || (err as NodeJS.ErrnoException).code !== 'EAFNOSUPPORT') throw err;
          await listenOn(server, '0.0.0.0', service.port);
        }
      }
    } catch (err) {
      await Promise.all(entry.servers.map(closeServer));
      // Not `instanceof Error`: errors from node's own realm fail that check under test sandboxes.
      const error = typeof err === 'object' && err !== null && 'message' in err ? (err as Error) : new Error(String(err));
      this.#logger.error(
        { service: `${service.namespace}/${service.name}`, port: service.port, err: error.message },
        'failed to start service health check server',
      );
      this.#options.onListenError?.(service, error);
      return;
    }
    this.#running.set(service.port, entry);
    this.#logger.info({ service: `${service.namespace}/${service.name}`, port: service.port }, 'opened health check server');
  }
}

function sameAddresses(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sa = [...a].sort();
  const sb = [...b].sort();
  return sa.every((x, i) => x === sb[i]);
}

/**
 * The addresses healthCheckNodePort servers listen on for `states`, as kube-proxy does: the node-port
 * addresses when every family resolved them to IPs, else every address (`[]`). Pure.
 */
export function healthCheckAddressesFrom(states: Iterable<ProxyState>): string[] {
  const ips = new Set<string>();
  for (const state of states) {
    const npa = state.node.nodePortAddresses;
    if (npa.kind !== 'ips' || npa.ips.length === 0) return [];
    for (const ip of npa.ips) ips.add(ip);
  }
  return [...ips].sort();
}
