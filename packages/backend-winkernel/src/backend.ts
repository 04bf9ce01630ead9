import { ConfigError, diffStates, familyOf, NotFoundError } from '@kproxy/api';
import type {
  Backend,
  BackendFactory,
  Components,
  Logger,
  Packet,
  ProxyState,
  SyncOptions,
  SyncPlan,
  SyncResult,
  Trace,
} from '@kproxy/api';
import type { HnsApi } from './hns-api.ts';
import { frontendKey, HNS_ENDPOINT_FLAGS, HNS_PROTOCOL_NUMBERS, loadBalancerFamily, loadBalancerKey } from './hns-model.ts';
import type { HnsEndpoint, HnsLoadBalancer, HnsNetwork } from './hns-model.ts';
import { isIpAddress } from './ip.ts';
import { resolveOptions } from './options.ts';
import type { RenderOptions, WinkernelOptions } from './options.ts';
import { applyHnsOperations, formatOperation, planHns } from './reconcile.ts';
import type { HnsOperation } from './reconcile.ts';
import { HnsRenderCache } from './render.ts';
import type { DesiredHns, DesiredLoadBalancer, HnsFacts } from './render.ts';
import { traceHns } from './trace.ts';

/**
 * The Windows `kernelspace` backend: `winkernelBackend(options)(components)`. Each sync renders the state
 * into HNS objects (`renderHns`) and reconciles HNS through `options.hns` with the fewest calls
 * (`planHns`): one changed endpoint set is one `updateLoadBalancer`. The first sync, a sync after a failure
 * and `{ full: true }` re-read every load balancer from HNS; other syncs trust what the backend applied.
 * A sync whose state equals the previous one makes no HNS call at all.
 *
 * HNS has no transactions: a failed sync leaves the calls it made in place and the next sync is full.
 */
export function winkernelBackend(options: WinkernelOptions): BackendFactory {
  return (components) => new WinkernelBackend(options, components);
}

interface Observed {
  readonly network: HnsNetwork;
  readonly facts: HnsFacts;
  readonly loadBalancers: Map<string, HnsLoadBalancer>;
  readonly endpointsByIp: Map<string, HnsEndpoint>;
  readonly full: boolean;
}

class WinkernelBackend implements Backend {
  readonly name = 'kernelspace';
  readonly family;
  private readonly hns: HnsApi;
  private readonly options: RenderOptions;
  private readonly logger: Logger;
  private applied: { networkId: string; loadBalancers: Map<string, HnsLoadBalancer> } | undefined;
  private lastState: ProxyState | undefined;
  private lastDesired: DesiredHns | undefined;
  private needFull = true;
  private renderer = new HnsRenderCache();
  /** Load-balancer id → the desired object applied or verified there by the last successful sync. */
  private verified = new Map<string, DesiredLoadBalancer>();

  constructor(options: WinkernelOptions, components: Components) {
    if (!options.networkName) throw new ConfigError('winkernel: networkName (--network-name) is required');
    this.hns = options.hns;
    this.options = resolveOptions(options);
    this.family = this.options.family;
    this.logger = components.logger.child({ backend: 'kernelspace', family: this.family });
  }

  async sync(state: ProxyState, syncOptions?: SyncOptions): Promise<SyncResult> {
    this.checkFamily(state);
    const full = syncOptions?.full === true || this.needFull || !this.applied;
    if (!full && this.lastState) {
      const changes = syncOptions?.changes ?? diffStates(this.lastState, state);
      if (!changes.full && changes.changes.size === 0) {
        this.lastState = state;
        return { full: false, operations: 0, bytes: 0 };
      }
    }
    this.needFull = true;
    const observed = await this.observe(full);
    const desired = this.renderer.render(state, this.options, observed.facts);
    for (const r of desired.reasons) this.logger.debug({ code: r.code, subject: r.subject }, r.message);
    const ops = planHns(
      desired,
      { networkId: observed.network.id, ...observed },
      this.options.modifyLoadBalancerSupported,
      observed.full ? undefined : this.verified,
    );
    const text = planText(ops);
    const applied = { networkId: observed.network.id, loadBalancers: observed.loadBalancers, endpointsByIp: observed.endpointsByIp };
    try {
      await applyHnsOperations(this.hns, ops, applied);
    } finally {
      // Whatever got through is in HNS now; keep the bookkeeping in step (the next sync re-reads anyway).
      this.applied = { networkId: observed.network.id, loadBalancers: applied.loadBalancers };
    }
    this.lastState = state;
    this.lastDesired = desired;
    this.verified = verifiedAfter(desired, applied.loadBalancers);
    this.needFull = false;
    if (ops.length > 0) this.logger.info({ operations: ops.length, full: observed.full }, 'HNS synced');
    return { full: observed.full, operations: ops.length, bytes: text.length };
  }

  async plan(state: ProxyState): Promise<SyncPlan> {
    this.checkFamily(state);
    // Mirror sync: an unchanged state after a good sync sends nothing.
    if (!this.needFull && this.applied && this.lastState) {
      const changes = diffStates(this.lastState, state);
      if (!changes.full && changes.changes.size === 0) return { full: false, operations: 0, text: '' };
    }
    const observed = await this.observe(this.needFull || !this.applied);
    const desired = this.renderer.render(state, this.options, observed.facts);
    const ops = planHns(
      desired,
      { networkId: observed.network.id, ...observed },
      this.options.modifyLoadBalancerSupported,
      observed.full ? undefined : this.verified,
    );
    return { full: observed.full, operations: ops.length, text: planText(ops) };
  }

  async cleanup(): Promise<void> {
    this.needFull = true;
    this.applied = undefined;
    this.lastState = undefined;
    this.lastDesired = undefined;
    this.renderer = new HnsRenderCache();
    this.verified = new Map();
    for (const lb of await this.hns.listLoadBalancers()) {
      if (loadBalancerFamily(lb) === this.family) await ignoreNotFound(this.hns.deleteLoadBalancer(lb.id));
    }
    let network: HnsNetwork;
    try {
      network = await this.hns.getNetworkByName(this.options.networkName);
    } catch (err) {
      if ((err as Error).name === 'NotFoundError') return;
      throw err;
    }
    for (const ep of await this.hns.listEndpoints(network.id)) {
      if (ep.flags & HNS_ENDPOINT_FLAGS.RemoteEndpoint && familyOf(ep.ipAddress) === this.family) {
        await ignoreNotFound(this.hns.deleteEndpoint(ep.id));
      }
    }
  }

  async explain(packet: Packet): Promise<Trace> {
    const [loadBalancers, endpoints] = await Promise.all([this.hns.listLoadBalancers(), this.hns.listEndpoints()]);
    const owners = new Map((this.lastDesired?.loadBalancers ?? []).map((lb) => [lb.key, lb.servicePort]));
    const serviceVips = new Set<string>();
    const nodePorts = new Set<string>();
    for (const sp of this.lastState?.servicePorts.values() ?? []) {
      serviceVips.add(sp.clusterIP);
      for (const ip of [...sp.externalIPs, ...sp.loadBalancerIPs]) serviceVips.add(ip);
      if (sp.nodePort > 0) nodePorts.add(frontendKey(undefined, HNS_PROTOCOL_NUMBERS[sp.protocol], sp.nodePort));
    }
    return traceHns({ loadBalancers, endpoints }, packet, {
      nodeIPs: this.lastState?.node.nodeIPs ?? [],
      owners,
      serviceVips,
      nodePorts,
    });
  }

  private checkFamily(state: ProxyState): void {
    if (state.family !== this.family) {
      throw new ConfigError(`winkernel backend for ${this.family} was given an ${state.family} state`);
    }
  }

  /** Reads what rendering and planning need; load balancers only when `full` (else the applied cache). */
  private async observe(full: boolean): Promise<Observed> {
    const network = await this.hns.getNetworkByName(this.options.networkName);
    if (network.type === 'Overlay') this.checkOverlayOptions();
    // A network re-created by the CNI plugin invalidates everything the backend remembers.
    const reread = full || this.applied?.networkId !== network.id;
    const endpoints = await this.hns.listEndpoints(network.id);
    const endpointsByIp = new Map<string, HnsEndpoint>();
    for (const ep of endpoints) if (!endpointsByIp.has(ep.ipAddress)) endpointsByIp.set(ep.ipAddress, ep);
    let gatewayEndpoint: HnsEndpoint | undefined;
    if (this.options.forwardHealthCheckVip) {
      try {
        gatewayEndpoint = await this.hns.getEndpointByName(this.options.rootHnsEndpointName);
        if (!endpointsByIp.has(gatewayEndpoint.ipAddress)) endpointsByIp.set(gatewayEndpoint.ipAddress, gatewayEndpoint);
      } catch (err) {
        if ((err as Error).name !== 'NotFoundError') throw err;
        this.logger.warn({ name: this.options.rootHnsEndpointName }, 'root HNS endpoint not found: health checks are not forwarded');
      }
    }
    let loadBalancers: Map<string, HnsLoadBalancer>;
    if (reread || !this.applied) {
      const all = await this.hns.listLoadBalancers();
      loadBalancers = new Map(all.filter((lb) => loadBalancerFamily(lb) === this.family).map((lb) => [lb.id, lb]));
    } else {
      loadBalancers = new Map(this.applied.loadBalancers);
    }
    const facts: HnsFacts = { network, endpointsByIp, ...(gatewayEndpoint ? { gatewayEndpoint } : {}) };
    return { network, facts, loadBalancers, endpointsByIp: new Map(endpointsByIp), full: reread };
  }

  private checkOverlayOptions(): void {
    if (!isIpAddress(this.options.sourceVip)) {
      throw new ConfigError(`winkernel: the overlay network ${this.options.networkName} needs a valid sourceVip (--source-vip)`);
    }
    if (!/^[0-9a-fA-F]{2}(-[0-9a-fA-F]{2}){5}$/.test(this.options.hostMac)) {
      throw new ConfigError('winkernel: the overlay network needs hostMac (the node interface MAC, aa-bb-cc-dd-ee-ff)');
    }
  }
}

/** After a successful apply, every desired load balancer sits at the id of its frontend. */
function verifiedAfter(desired: DesiredHns, loadBalancers: ReadonlyMap<string, HnsLoadBalancer>): Map<string, DesiredLoadBalancer> {
  const idByKey = new Map<string, string>();
  for (const lb of loadBalancers.values()) if (!idByKey.has(loadBalancerKey(lb))) idByKey.set(loadBalancerKey(lb), lb.id);
  const out = new Map<string, DesiredLoadBalancer>();
  for (const want of desired.loadBalancers) {
    const id = idByKey.get(want.key);
    if (id !== undefined) out.set(id, want);
  }
  return out;
}

function planText(ops: readonly HnsOperation[]): string {
  return ops.map((op) => `${formatOperation(op)}\n`).join('');
}

async function ignoreNotFound(p: Promise<void>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof NotFoundError) && (err as Error).name !== 'NotFoundError') throw err;
  }
}
