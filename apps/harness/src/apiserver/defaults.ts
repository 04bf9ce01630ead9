/**
 * The defaulting the real API server applies to the objects the harness serves, so objects created from
 * short manifests look like those a cluster would return: Service type, session affinity, port protocol
 * and targetPort, allocated cluster IP and node ports, IP families and traffic policies; EndpointSlice port
 * name and protocol. Written defensively: a malformed object is stored as it is (tests inject such objects
 * on purpose), never rejected here.
 */

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Hands out cluster IPs and node ports sequentially, skipping those in use. */
export class Allocator {
  #nextIP = 10;
  #nextPort = 30000;
  readonly #usedIPs = new Set<string>();
  readonly #usedPorts = new Set<number>();
  readonly #prefix: string;

  /** `prefix` is the first two octets of a /16 IPv4 service range, e.g. `10.96`. */
  constructor(prefix = '10.96') {
    this.#prefix = prefix;
  }

  /** Marks an IP or node port as taken (objects loaded with explicit values). */
  reserve(ip?: unknown, ports: unknown[] = []): void {
    if (typeof ip === 'string') this.#usedIPs.add(ip);
    for (const p of ports) if (typeof p === 'number') this.#usedPorts.add(p);
  }

  ip(): string {
    for (let i = 0; i < 65_000; i++) {
      const n = this.#nextIP++;
      if (this.#nextIP >= 65_534) this.#nextIP = 10;
      const ip = `${this.#prefix}.${(n >> 8) & 255}.${n & 255}`;
      if (!this.#usedIPs.has(ip)) {
        this.#usedIPs.add(ip);
        return ip;
      }
    }
    throw new Error('service IP range exhausted');
  }

  nodePort(): number {
    for (let i = 0; i < 2768; i++) {
      const p = this.#nextPort++;
      if (this.#nextPort > 32767) this.#nextPort = 30000;
      if (!this.#usedPorts.has(p)) {
        this.#usedPorts.add(p);
        return p;
      }
    }
    throw new Error('node port range exhausted');
  }
}

/**
 * Fills Service defaults in place. `previous` is the stored object on update: allocated values (cluster
 * IPs, node ports, health-check node port) carry over when the new object leaves them out, as upstream's
 * `patchAllocatedValues` does.
 */
export function defaultService(obj: Obj, allocator: Allocator, previous?: Obj): void {
  if (!isObj(obj.spec)) obj.spec = {};
  const spec = obj.spec as Obj;
  const prevSpec = previous && isObj(previous.spec) ? previous.spec : undefined;
  if (spec.type === undefined) spec.type = 'ClusterIP';
  if (spec.sessionAffinity === undefined) spec.sessionAffinity = 'None';
  const external = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  if (spec.type === 'ExternalName') return;
  if (Array.isArray(spec.ports)) {
    for (const [i, port] of spec.ports.entries()) {
      if (!isObj(port)) continue;
      if (port.protocol === undefined) port.protocol = 'TCP';
      if (port.targetPort === undefined && port.port !== undefined) port.targetPort = port.port;
      if (external && port.nodePort === undefined) {
        const prevPorts = prevSpec && Array.isArray(prevSpec.ports) ? (prevSpec.ports as unknown[]) : [];
        const old = prevPorts.find((p) => isObj(p) && p.port === port.port && p.protocol === port.protocol) ?? prevPorts[i];
        port.nodePort = isObj(old) && typeof old.nodePort === 'number' ? old.nodePort : allocator.nodePort();
      }
    }
  }
  if ((spec.clusterIP === undefined || spec.clusterIP === '') && spec.clusterIPs === undefined) {
    if (prevSpec && prevSpec.clusterIP !== undefined) {
      spec.clusterIP = prevSpec.clusterIP;
      spec.clusterIPs = prevSpec.clusterIPs;
    } else {
      spec.clusterIP = allocator.ip();
    }
  }
  if (spec.clusterIP === undefined && Array.isArray(spec.clusterIPs)) spec.clusterIP = spec.clusterIPs[0];
  if (spec.clusterIPs === undefined && typeof spec.clusterIP === 'string') spec.clusterIPs = [spec.clusterIP];
  if (spec.ipFamilies === undefined && Array.isArray(spec.clusterIPs) && spec.clusterIP !== 'None') {
    spec.ipFamilies = (spec.clusterIPs as unknown[]).map((ip) =>
      typeof ip === 'string' && ip.includes(':') ? 'IPv6' : 'IPv4',
    );
  }
  if (spec.ipFamilyPolicy === undefined) {
    spec.ipFamilyPolicy = Array.isArray(spec.ipFamilies) && spec.ipFamilies.length > 1 ? 'RequireDualStack' : 'SingleStack';
  }
  if (spec.internalTrafficPolicy === undefined) spec.internalTrafficPolicy = 'Cluster';
  if (external && spec.externalTrafficPolicy === undefined) spec.externalTrafficPolicy = 'Cluster';
  if (
    spec.type === 'LoadBalancer' &&
    spec.externalTrafficPolicy === 'Local' &&
    spec.healthCheckNodePort === undefined
  ) {
    spec.healthCheckNodePort =
      prevSpec && typeof prevSpec.healthCheckNodePort === 'number' ? prevSpec.healthCheckNodePort : allocator.nodePort();
  }
}

/** Fills EndpointSlice port defaults in place (`name: ""`, `protocol: TCP`). */
export function defaultEndpointSlice(obj: Obj): void {
  if (!Array.isArray(obj.ports)) return;
  for (const port of obj.ports) {
    if (!isObj(port)) continue;
    if (port.name === undefined) port.name = '';
    if (port.protocol === undefined) port.protocol = 'TCP';
  }
}
