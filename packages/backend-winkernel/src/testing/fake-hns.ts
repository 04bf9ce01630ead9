import { KernelRejectedError, NotFoundError } from '@kproxy/api';
import type { HnsApi } from '../hns-api.ts';
import {
  flagNames,
  HNS_ENDPOINT_FLAGS,
  HNS_LOAD_BALANCER_FLAGS,
  HNS_PORT_MAPPING_FLAGS,
  loadBalancerKey,
  protocolName,
} from '../hns-model.ts';
import type {
  HnsEndpoint,
  HnsEndpointSpec,
  HnsLoadBalancer,
  HnsLoadBalancerSpec,
  HnsNetwork,
  HnsSnapshot,
} from '../hns-model.ts';
import { conjureMac, isIpAddress } from '../ip.ts';

/** The name of an `HnsApi` method. */
export type HnsCallName = keyof HnsApi;

/** One recorded call on the fake. */
export interface FakeHnsCall {
  readonly op: HnsCallName;
  /** True for calls that change HNS (create, update, delete). */
  readonly write: boolean;
  /** The call's main argument, for people: an id, a name, or the object's frontend. */
  readonly subject: string;
  /** The error's message when the call was rejected. */
  readonly error?: string;
}

/** Counters over the recorded calls. */
export interface FakeHnsCounts {
  readonly reads: number;
  readonly writes: number;
  /** Calls per method name (only methods that were called). */
  readonly byOp: Readonly<Partial<Record<HnsCallName, number>>>;
}

const WRITES: ReadonlySet<HnsCallName> = new Set<HnsCallName>([
  'createEndpoint',
  'deleteEndpoint',
  'createLoadBalancer',
  'updateLoadBalancer',
  'deleteLoadBalancer',
]);

/** HNS's message for a second load balancer on the same frontend (HCN_E_PORT_ALREADY_EXISTS). */
export const HNS_PORT_ALREADY_EXISTS = 'The specified port already exists. (0x803b0013)';

/**
 * A semantic in-memory HNS: it assigns GUID-shaped ids, returns copies, and refuses what HNS refuses
 * (a second load balancer on the same frontend, unknown endpoint ids, bad addresses, mixed families,
 * duplicate endpoint IPs on a network, deleting an endpoint a load balancer still uses), with the same
 * error classes as the real API. Every call is recorded so tests can assert that a sync was minimal.
 *
 * Setup helpers (`addNetwork`, `addLocalEndpoint`, `removeNetwork`) play the CNI plugin's part and are not
 * recorded.
 */
export class FakeHns implements HnsApi {
  /** Every call, in order. */
  readonly calls: FakeHnsCall[] = [];
  private readonly networks = new Map<string, HnsNetwork>();
  private readonly endpoints = new Map<string, HnsEndpoint>();
  private readonly loadBalancers = new Map<string, HnsLoadBalancer>();
  private readonly failures = new Map<HnsCallName, Error[]>();
  // Indexes, so that the fake stays fast with tens of thousands of objects.
  private readonly endpointByNetIp = new Map<string, string>();
  private readonly frontends = new Map<string, string>();
  private readonly usedBy = new Map<string, Set<string>>();
  private nextId = 1;

  /** Adds a network as the CNI plugin would. The id is generated unless given. */
  addNetwork(network: Omit<HnsNetwork, 'id' | 'remoteSubnets'> & Partial<Pick<HnsNetwork, 'id' | 'remoteSubnets'>>): HnsNetwork {
    const created: HnsNetwork = {
      id: network.id ?? this.newId(),
      name: network.name,
      type: network.type,
      remoteSubnets: [...(network.remoteSubnets ?? [])],
    };
    this.networks.set(created.id, created);
    return clone(created);
  }

  /** Replaces a network's remote subnets (a node joined or left an overlay). */
  setRemoteSubnets(networkName: string, remoteSubnets: HnsNetwork['remoteSubnets']): void {
    const net = this.networkByName(networkName);
    this.networks.set(net.id, { ...net, remoteSubnets: [...remoteSubnets] });
  }

  /** Removes a network and every endpoint on it (the CNI plugin re-created it). */
  removeNetwork(networkName: string): void {
    const net = this.networkByName(networkName);
    this.networks.delete(net.id);
    for (const [id, ep] of this.endpoints) if (ep.networkId === net.id) this.dropEndpoint(id);
  }

  /** Adds a local (pod) endpoint on `networkName` as the CNI plugin does when a pod starts. */
  addLocalEndpoint(networkName: string, ip: string, name?: string): HnsEndpoint {
    const net = this.networkByName(networkName);
    const spec: HnsEndpointSpec = {
      name: name ?? `pod-${ip}`,
      networkId: net.id,
      ipAddress: ip,
      macAddress: conjureMac('00-15', ip),
      flags: HNS_ENDPOINT_FLAGS.None,
    };
    return clone(this.insertEndpoint(spec));
  }

  /** The endpoint with `ip` on network `networkName`, if any (not recorded; a setup helper). */
  findEndpoint(networkName: string, ip: string): HnsEndpoint | undefined {
    const net = [...this.networks.values()].find((n) => n.name === networkName);
    const id = net ? this.endpointByNetIp.get(`${net.id}|${ip}`) : undefined;
    const ep = id === undefined ? undefined : this.endpoints.get(id);
    return ep ? { ...ep } : undefined;
  }

  /** Removes an endpoint without recording a call (the pod was deleted). */
  removeEndpointDirectly(id: string): void {
    this.dropEndpoint(id);
  }

  /** Makes the next call of `op` reject with `error` (once per call to this method). */
  failNext(op: HnsCallName, error: Error): void {
    const queue = this.failures.get(op) ?? [];
    queue.push(error);
    this.failures.set(op, queue);
  }

  /** Counters over the recorded calls. */
  counts(): FakeHnsCounts {
    const byOp: Partial<Record<HnsCallName, number>> = {};
    let writes = 0;
    for (const c of this.calls) {
      byOp[c.op] = (byOp[c.op] ?? 0) + 1;
      if (c.write) writes++;
    }
    return { reads: this.calls.length - writes, writes, byOp };
  }

  /** The recorded calls that changed (or tried to change) HNS. */
  writes(): FakeHnsCall[] {
    return this.calls.filter((c) => c.write);
  }

  /** Forgets the recorded calls. */
  resetCalls(): void {
    this.calls.length = 0;
  }

  /** A copy of everything HNS holds, sorted by id. */
  snapshot(): HnsSnapshot {
    const byId = <T extends { id: string }>(m: Map<string, T>) =>
      [...m.values()].sort((a, b) => a.id.localeCompare(b.id)).map(clone);
    return { networks: byId(this.networks), endpoints: byId(this.endpoints), loadBalancers: byId(this.loadBalancers) };
  }

  /** The load balancers and endpoints as stable text (ids left out), for assertions and people. */
  dump(): string {
    const eps = new Map([...this.endpoints.values()].map((e) => [e.id, e]));
    const lines: string[] = [];
    for (const ep of [...this.endpoints.values()].sort((a, b) => a.ipAddress.localeCompare(b.ipAddress))) {
      const kind = ep.flags & HNS_ENDPOINT_FLAGS.RemoteEndpoint ? 'remote' : 'local';
      const pa = ep.providerAddress ? ` pa=${ep.providerAddress}` : '';
      lines.push(`endpoint ${kind} ${ep.ipAddress} mac=${ep.macAddress}${pa}`);
    }
    const lbs = [...this.loadBalancers.values()].map((lb) => {
      const pm = lb.portMappings[0];
      const ips = lb.hostComputeEndpoints.map((id) => eps.get(id)?.ipAddress ?? `?${id}`).sort();
      return (
        `loadbalancer ${loadBalancerKey(lb)} internal=${pm?.internalPort} dist=${pm?.distributionType}` +
        ` portFlags=${flagNames(pm?.flags ?? 0, HNS_PORT_MAPPING_FLAGS)}` +
        ` flags=${flagNames(lb.flags, HNS_LOAD_BALANCER_FLAGS)} sourceVip=${lb.sourceVip || '-'}` +
        ` endpoints=${ips.join(',') || '-'}`
      );
    });
    lines.push(...lbs.sort());
    return lines.join('\n');
  }

  // --- HnsApi ---

  listNetworks(): Promise<HnsNetwork[]> {
    return this.call('listNetworks', '', () => [...this.networks.values()].map(clone));
  }

  getNetworkByName(name: string): Promise<HnsNetwork> {
    return this.call('getNetworkByName', name, () => clone(this.networkByName(name)));
  }

  listEndpoints(networkId?: string): Promise<HnsEndpoint[]> {
    return this.call('listEndpoints', networkId ?? '', () =>
      [...this.endpoints.values()].filter((e) => networkId === undefined || e.networkId === networkId).map((e) => ({ ...e })),
    );
  }

  getEndpoint(id: string): Promise<HnsEndpoint> {
    return this.call('getEndpoint', id, () => clone(this.endpointById(id)));
  }

  getEndpointByName(name: string): Promise<HnsEndpoint> {
    return this.call('getEndpointByName', name, () => {
      const ep = [...this.endpoints.values()].find((e) => e.name === name);
      if (!ep) throw new NotFoundError(`HNS endpoint named ${JSON.stringify(name)} not found`);
      return clone(ep);
    });
  }

  createEndpoint(spec: HnsEndpointSpec): Promise<HnsEndpoint> {
    return this.call('createEndpoint', spec.ipAddress, () => ({ ...this.insertEndpoint(spec) }));
  }

  deleteEndpoint(id: string): Promise<void> {
    return this.call('deleteEndpoint', id, () => {
      this.endpointById(id);
      const user = [...(this.usedBy.get(id) ?? [])][0];
      if (user) {
        throw new KernelRejectedError(
          `HNS refused to delete endpoint ${id}: it is in use by load balancer ${user}`,
          `endpoint ${id} is in use by load balancer ${user}`,
        );
      }
      this.dropEndpoint(id);
    });
  }

  listLoadBalancers(): Promise<HnsLoadBalancer[]> {
    return this.call('listLoadBalancers', '', () => [...this.loadBalancers.values()].map(cloneLb));
  }

  getLoadBalancer(id: string): Promise<HnsLoadBalancer> {
    return this.call('getLoadBalancer', id, () => cloneLb(this.loadBalancerById(id)));
  }

  createLoadBalancer(spec: HnsLoadBalancerSpec): Promise<HnsLoadBalancer> {
    return this.call('createLoadBalancer', loadBalancerKey(spec), () => {
      this.validateLoadBalancer(spec, undefined);
      const lb: HnsLoadBalancer = { ...cloneLb({ ...spec, id: '' }), id: this.newId() };
      this.indexLoadBalancer(lb);
      return cloneLb(lb);
    });
  }

  updateLoadBalancer(id: string, spec: HnsLoadBalancerSpec): Promise<HnsLoadBalancer> {
    return this.call('updateLoadBalancer', `${id} ${loadBalancerKey(spec)}`, () => {
      const old = this.loadBalancerById(id);
      this.validateLoadBalancer(spec, id);
      this.unindexLoadBalancer(old);
      const lb: HnsLoadBalancer = { ...cloneLb({ ...spec, id: '' }), id };
      this.indexLoadBalancer(lb);
      return cloneLb(lb);
    });
  }

  deleteLoadBalancer(id: string): Promise<void> {
    return this.call('deleteLoadBalancer', id, () => {
      this.unindexLoadBalancer(this.loadBalancerById(id));
    });
  }

  // --- internals ---

  private async call<T>(op: HnsCallName, subject: string, fn: () => T): Promise<T> {
    const write = WRITES.has(op);
    const injected = this.failures.get(op)?.shift();
    if (injected) {
      this.calls.push({ op, write, subject, error: injected.message });
      throw injected;
    }
    try {
      const result = fn();
      this.calls.push({ op, write, subject });
      return result;
    } catch (err) {
      this.calls.push({ op, write, subject, error: (err as Error).message });
      throw err;
    }
  }

  private newId(): string {
    const n = this.nextId++;
    return `${n.toString(16).toUpperCase().padStart(8, '0')}-0000-4000-8000-000000000000`;
  }

  private networkByName(name: string): HnsNetwork {
    const net = [...this.networks.values()].find((n) => n.name === name);
    if (!net) throw new NotFoundError(`HNS network ${JSON.stringify(name)} not found`);
    return net;
  }

  private endpointById(id: string): HnsEndpoint {
    const ep = this.endpoints.get(id);
    if (!ep) throw new NotFoundError(`HNS endpoint ${id} not found`);
    return ep;
  }

  private loadBalancerById(id: string): HnsLoadBalancer {
    const lb = this.loadBalancers.get(id);
    if (!lb) throw new NotFoundError(`HNS load balancer ${id} not found`);
    return lb;
  }

  private insertEndpoint(spec: HnsEndpointSpec): HnsEndpoint {
    if (!this.networks.has(spec.networkId)) throw new NotFoundError(`HNS network ${spec.networkId} not found`);
    const reject = (detail: string) => new KernelRejectedError(`HNS refused endpoint ${spec.ipAddress}: ${detail}`, detail);
    if (!isIpAddress(spec.ipAddress)) throw reject(`invalid IP address ${JSON.stringify(spec.ipAddress)}`);
    if (!/^[0-9a-fA-F]{2}(-[0-9a-fA-F]{2}){5}$/.test(spec.macAddress)) {
      throw reject(`invalid MAC address ${JSON.stringify(spec.macAddress)}`);
    }
    if (spec.providerAddress !== undefined && !isIpAddress(spec.providerAddress)) {
      throw reject(`invalid provider address ${JSON.stringify(spec.providerAddress)}`);
    }
    const dup = this.endpointByNetIp.get(`${spec.networkId}|${spec.ipAddress}`);
    if (dup) throw reject(`an endpoint with IP ${spec.ipAddress} already exists on the network (${dup})`);
    const ep: HnsEndpoint = { ...spec, id: this.newId() };
    this.endpoints.set(ep.id, ep);
    this.endpointByNetIp.set(`${ep.networkId}|${ep.ipAddress}`, ep.id);
    return ep;
  }

  private dropEndpoint(id: string): void {
    const ep = this.endpoints.get(id);
    if (!ep) return;
    this.endpoints.delete(id);
    this.endpointByNetIp.delete(`${ep.networkId}|${ep.ipAddress}`);
  }

  private indexLoadBalancer(lb: HnsLoadBalancer): void {
    this.loadBalancers.set(lb.id, lb);
    for (const f of frontendSignatures(lb)) this.frontends.set(f, lb.id);
    for (const ep of lb.hostComputeEndpoints) {
      const users = this.usedBy.get(ep) ?? new Set<string>();
      users.add(lb.id);
      this.usedBy.set(ep, users);
    }
  }

  private unindexLoadBalancer(lb: HnsLoadBalancer): void {
    this.loadBalancers.delete(lb.id);
    for (const f of frontendSignatures(lb)) if (this.frontends.get(f) === lb.id) this.frontends.delete(f);
    for (const ep of lb.hostComputeEndpoints) this.usedBy.get(ep)?.delete(lb.id);
  }

  private validateLoadBalancer(spec: HnsLoadBalancerSpec, selfId: string | undefined): void {
    const reject = (detail: string) =>
      new KernelRejectedError(`HNS refused load balancer ${loadBalancerKey(spec)}: ${detail}`, detail);
    if (spec.portMappings.length === 0) throw reject('a load balancer needs at least one port mapping');
    for (const pm of spec.portMappings) {
      if (protocolName(pm.protocol) === undefined) throw reject(`unsupported protocol ${pm.protocol}`);
      for (const port of [pm.internalPort, pm.externalPort]) {
        if (!Number.isInteger(port) || port < 1 || port > 65535) throw reject(`invalid port ${port}`);
      }
    }
    const families = new Set<string>();
    for (const vip of spec.frontendVips) {
      if (!isIpAddress(vip)) throw reject(`invalid frontend VIP ${JSON.stringify(vip)}`);
      families.add(vip.includes(':') ? '6' : '4');
    }
    if (spec.sourceVip !== '' && !isIpAddress(spec.sourceVip)) {
      throw reject(`invalid source VIP ${JSON.stringify(spec.sourceVip)}`);
    }
    if (spec.hostComputeEndpoints.length === 0) throw reject('a load balancer needs at least one endpoint');
    if (new Set(spec.hostComputeEndpoints).size !== spec.hostComputeEndpoints.length) {
      throw reject('duplicate endpoint id');
    }
    for (const id of spec.hostComputeEndpoints) {
      const ep = this.endpoints.get(id);
      if (!ep) throw reject(`endpoint ${id} not found`);
      families.add(ep.ipAddress.includes(':') ? '6' : '4');
    }
    if (families.size > 1) throw reject('frontend VIPs and endpoints mix IPv4 and IPv6');
    for (const f of frontendSignatures(spec)) {
      const holder = this.frontends.get(f);
      if (holder !== undefined && holder !== selfId) throw reject(HNS_PORT_ALREADY_EXISTS);
    }
  }
}

/**
 * The frontends a load balancer occupies: one per VIP (or "all addresses" of its family, for node-port
 * policies: HNS tells the families apart by the IPv6 flag) and port mapping. Two load balancers clash
 * when they share one.
 */
function frontendSignatures(lb: HnsLoadBalancerSpec): string[] {
  const vips = lb.frontendVips.length > 0 ? lb.frontendVips : [`*${lb.flags & HNS_LOAD_BALANCER_FLAGS.IPv6 ? '6' : '4'}`];
  const out: string[] = [];
  for (const vip of vips) for (const pm of lb.portMappings) out.push(`${vip}|${pm.protocol}|${pm.externalPort}`);
  return out;
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function cloneLb(lb: HnsLoadBalancer): HnsLoadBalancer {
  return {
    ...lb,
    frontendVips: [...lb.frontendVips],
    portMappings: lb.portMappings.map((pm) => ({ ...pm })),
    hostComputeEndpoints: [...lb.hostComputeEndpoints],
  };
}
