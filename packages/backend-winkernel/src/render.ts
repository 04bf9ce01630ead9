import { servicePortEqual, servicePortKey, sortedServicePorts } from '@kproxy/api';
import type { IPFamily, ProxyState, Reason, ServicePort } from '@kproxy/api';
import {
  frontendKey,
  HNS_ENDPOINT_FLAGS,
  HNS_LOAD_BALANCER_FLAGS,
  HNS_PORT_MAPPING_FLAGS,
  HNS_PROTOCOL_NUMBERS,
} from './hns-model.ts';
import type { HnsDistributionType, HnsEndpoint, HnsLoadBalancerSpec, HnsNetwork } from './hns-model.ts';
import { cidrContains, conjureMac, isIpAddress } from './ip.ts';
import type { RenderOptions } from './options.ts';
import { selectWinkernelEndpoints } from './select-endpoints.ts';

/** Which entry point of a service port a load balancer implements (kube-proxy's policy kinds). */
export type LoadBalancerKind = 'ClusterIP' | 'NodePort' | 'ExternalIP' | 'IngressIP' | 'HealthCheck';

/** Order of kinds inside one service port, for stable output and conflict resolution. */
export const LOAD_BALANCER_KINDS: readonly LoadBalancerKind[] = [
  'ClusterIP',
  'NodePort',
  'ExternalIP',
  'IngressIP',
  'HealthCheck',
];

/** A load balancer the proxy wants, with its backends named by IP (HNS ids exist only once created). */
export interface DesiredLoadBalancer {
  /** The frontend identity HNS enforces: `vip:port/PROTO`, `*:port/PROTO` for node ports. */
  readonly key: string;
  readonly kind: LoadBalancerKind;
  /** `servicePortKey` of the owning service port. */
  readonly servicePort: string;
  /** Everything but the endpoint ids. */
  readonly spec: Omit<HnsLoadBalancerSpec, 'hostComputeEndpoints'>;
  /** IPs of the HNS endpoints to balance over, sorted. */
  readonly endpointIps: readonly string[];
}

/** Why the proxy wants an endpoint in HNS. */
export type DesiredEndpointPurpose = 'remote-pod' | 'service-vip' | 'source-vip';

/** An HNS endpoint the proxy creates (if missing) and keeps. */
export interface DesiredEndpoint {
  readonly ipAddress: string;
  readonly macAddress: string;
  readonly providerAddress?: string;
  /** True for remote endpoints (the `RemoteEndpoint` flag). */
  readonly remote: boolean;
  readonly purpose: DesiredEndpointPurpose;
}

/** The whole HNS configuration the proxy wants for one family. */
export interface DesiredHns {
  readonly family: IPFamily;
  readonly networkName: string;
  /** Endpoints the proxy owns, sorted by IP. */
  readonly endpoints: readonly DesiredEndpoint[];
  /** Load balancers, sorted by key. */
  readonly loadBalancers: readonly DesiredLoadBalancer[];
  readonly reasons: readonly Reason[];
}

/** What rendering needs to know about HNS: the network and the endpoints already on it. */
export interface HnsFacts {
  readonly network: HnsNetwork;
  /** Endpoints on the network by IP (local pod endpoints made by the CNI plugin, remote ones, ...). */
  readonly endpointsByIp: ReadonlyMap<string, HnsEndpoint>;
  /** The root (gateway) endpoint, when `forwardHealthCheckVip` is on and it exists. */
  readonly gatewayEndpoint?: HnsEndpoint;
}

/** Prefix of the names the proxy gives to the endpoints it creates. */
export const ENDPOINT_NAME_PREFIX = 'kproxy-';

interface Backend {
  readonly ip: string;
  readonly local: boolean;
}

/**
 * Renders a proxy state into the HNS objects kube-proxy's winkernel would keep for it: one load balancer
 * per ClusterIP, node port, external IP, ingress IP (and forwarded health check), with winkernel's flags,
 * endpoint filter and traffic policies, plus the remote endpoints those load balancers need. Deterministic
 * and pure. Where two service ports claim the same frontend (HNS allows one), the lower service-port key
 * wins and the other gets a `FrontendConflict` reason.
 */
export function renderHns(state: ProxyState, options: RenderOptions, facts: HnsFacts): DesiredHns {
  return new HnsRenderCache().render(state, options, facts);
}

/** What one service port renders to, and the HNS facts it looked at. */
interface PortRender {
  readonly sp: ServicePort;
  readonly loadBalancers: readonly DesiredLoadBalancer[];
  readonly endpoints: readonly DesiredEndpoint[];
  readonly reasons: readonly Reason[];
  /** `ip, signature, ip, signature, ...` of every endpoint lookup made, to tell when its facts changed. */
  readonly lookups: readonly string[];
}

/**
 * `renderHns` with a memory: a service port whose data and looked-up HNS facts are unchanged since the
 * previous call reuses its previous rendering, so the work of a sync follows the size of the change (plus
 * a cheap pass that assembles the result). The output is always what `renderHns` gives for the same input.
 */
export class HnsRenderCache {
  private ports = new Map<string, PortRender>();
  private epoch = '';

  /** Renders `state` (see `renderHns`), reusing unchanged service ports' renderings. */
  render(state: ProxyState, options: RenderOptions, facts: HnsFacts): DesiredHns {
    const nodeIP = state.node.nodeIPs[0] ?? '';
    // Anything every port depends on: when it changes, nothing cached is valid.
    const epoch = JSON.stringify([options, [...options.preserveDestinationServices], facts.network, facts.gatewayEndpoint?.ipAddress, nodeIP]);
    if (epoch !== this.epoch) {
      this.ports = new Map();
      this.epoch = epoch;
    }
    const reasons: Reason[] = [];
    const endpoints = new Map<string, DesiredEndpoint>();
    const claimed = new Map<string, DesiredLoadBalancer>();
    if (facts.network.type === 'Overlay') {
      // kube-proxy creates the source-VIP endpoint when it is missing, and never deletes it.
      endpoints.set(options.sourceVip, {
        ipAddress: options.sourceVip,
        macAddress: options.hostMac,
        providerAddress: nodeIP,
        remote: false,
        purpose: 'source-vip',
      });
    }
    const next = new Map<string, PortRender>();
    for (const sp of sortedServicePorts(state)) {
      if (sp.family !== options.family) continue;
      const key = servicePortKey(sp.name);
      let port = this.ports.get(key);
      if (!port || !reusable(port, sp, facts)) port = renderPort(sp, key, options, facts, nodeIP);
      next.set(key, port);
      reasons.push(...port.reasons);
      for (const ep of port.endpoints) endpoints.set(ep.ipAddress, ep);
      for (const lb of port.loadBalancers) {
        const holder = claimed.get(lb.key);
        if (holder) {
          reasons.push({
            code: 'FrontendConflict',
            message: `${lb.kind} frontend ${lb.key} of ${key} is already used by ${holder.servicePort}; HNS allows one load balancer per frontend`,
            subject: lb.key,
          });
          continue;
        }
        claimed.set(lb.key, lb);
      }
    }
    this.ports = next;

    // Remote endpoints are kept only while some load balancer uses them (service VIPs and the source VIP
    // are kept regardless).
    const used = new Set<string>();
    for (const lb of claimed.values()) for (const ip of lb.endpointIps) used.add(ip);
    for (const [ip, ep] of endpoints) if (ep.purpose === 'remote-pod' && !used.has(ip)) endpoints.delete(ip);

    return {
      family: options.family,
      networkName: options.networkName,
      endpoints: [...endpoints.values()].sort((a, b) => compareText(a.ipAddress, b.ipAddress)),
      loadBalancers: [...claimed.values()].sort((a, b) => compareText(a.key, b.key)),
      reasons,
    };
  }
}

function reusable(port: PortRender, sp: ServicePort, facts: HnsFacts): boolean {
  if (port.sp !== sp && !servicePortEqual(port.sp, sp)) return false;
  const lookups = port.lookups;
  for (let i = 0; i < lookups.length; i += 2) {
    if (signature(facts.endpointsByIp.get(lookups[i] as string)) !== lookups[i + 1]) return false;
  }
  return true;
}

// The id is part of it: a pod re-created with the same IP gets a new HNS endpoint, and the load
// balancers must then name the new id.
function signature(ep: HnsEndpoint | undefined): string {
  return ep ? `${ep.id}|${ep.flags}` : '-';
}

function renderPort(sp0: ServicePort, key: string, options: RenderOptions, facts: HnsFacts, nodeIP: string): PortRender {
  const reasons: Reason[] = [];
  const endpoints = new Map<string, DesiredEndpoint>();
  const lookups: string[] = [];
  const tracked: HnsFacts = {
    ...facts,
    endpointsByIp: {
      get(ip: string) {
        const ep = facts.endpointsByIp.get(ip);
        lookups.push(ip, signature(ep));
        return ep;
      },
      has(ip: string) {
        const ep = facts.endpointsByIp.get(ip);
        lookups.push(ip, signature(ep));
        return ep !== undefined;
      },
    } as ReadonlyMap<string, HnsEndpoint>,
  };
  const sp = sanitize(sp0, key, reasons);
  if (!sp) return { sp: sp0, loadBalancers: [], endpoints: [], reasons, lookups };
  if (facts.network.type === 'Overlay') {
    const vipEndpoint = tracked.endpointsByIp.get(sp.clusterIP);
    if (!vipEndpoint || isRemote(vipEndpoint)) {
      // Overlay: the ClusterIP gets a remote endpoint behind this node, so it is routable in the VXLAN.
      endpoints.set(sp.clusterIP, {
        ipAddress: sp.clusterIP,
        macAddress: options.hostMac,
        providerAddress: nodeIP,
        remote: true,
        purpose: 'service-vip',
      });
    }
  }
  const loadBalancers = renderServicePort(sp, key, options, tracked, nodeIP, endpoints, reasons);
  return { sp: sp0, loadBalancers, endpoints: [...endpoints.values()], reasons, lookups };
}

function renderServicePort(
  sp: ServicePort,
  key: string,
  options: RenderOptions,
  facts: HnsFacts,
  nodeIP: string,
  endpoints: Map<string, DesiredEndpoint>,
  reasons: Reason[],
): DesiredLoadBalancer[] {
  const overlay = facts.network.type === 'Overlay';
  const localTrafficDSR = sp.externalPolicyLocal && options.dsrSupported;
  const preserveDIP =
    options.dsrSupported && options.preserveDestinationServices.has(`${sp.name.namespace}/${sp.name.name}`);
  const selection = selectWinkernelEndpoints(sp, localTrafficDSR);
  for (const r of selection.reasons) reasons.push({ ...r, message: `${key}: ${r.message}` });

  const backends: Backend[] = [];
  let containsNodeOrPublicIP = false;
  for (const ep of selection.used) {
    const existing = facts.endpointsByIp.get(ep.ip);
    if (ep.isLocal && !existing) {
      // The CNI plugin creates local endpoints; until it has, kube-proxy skips the endpoint.
      reasons.push({
        code: 'LocalEndpointNotFound',
        message: `${key}: local endpoint ${ep.ip} has no HNS endpoint on network ${facts.network.name}`,
        subject: `${ep.ip}:${ep.port}`,
      });
      continue;
    }
    let providerAddress: string | undefined;
    if (!ep.isLocal && overlay) {
      const pa = findProviderAddress(facts.network, ep.ip);
      containsNodeOrPublicIP ||= pa === undefined || pa === ep.ip;
      providerAddress = pa ?? nodeIP;
    }
    if (existing && !isRemote(existing)) {
      backends.push({ ip: ep.ip, local: true });
      continue;
    }
    if (!ep.isLocal || existing) {
      endpoints.set(ep.ip, {
        ipAddress: ep.ip,
        macAddress: conjureMac('02-11', ep.ip),
        ...(providerAddress !== undefined ? { providerAddress } : {}),
        remote: true,
        purpose: 'remote-pod',
      });
    }
    backends.push({ ip: ep.ip, local: false });
  }
  const first = selection.used[0];
  if (first && selection.used.some((ep) => ep.port !== first.port)) {
    reasons.push({
      code: 'MixedTargetPorts',
      message: `${key}: HNS balances to one internal port; endpoints use several, ${first.port} is used`,
    });
  }
  if (backends.length === 0 || !first) {
    reasons.push({ code: 'NoEndpoints', message: `${key}: no usable endpoint, no HNS load balancer is programmed` });
    return [];
  }

  const sourceVip = overlay ? (containsNodeOrPublicIP ? nodeIP : options.sourceVip) : '';
  const distributionType: HnsDistributionType = sp.sessionAffinity.type === 'ClientIP' ? 'SourceIP' : 'None';
  const ipv6 = sp.family === 'IPv6' ? HNS_LOAD_BALANCER_FLAGS.IPv6 : 0;
  const protocol = HNS_PROTOCOL_NUMBERS[sp.protocol];
  const internalPort = first.port;
  const all = backends.map((b) => b.ip);
  const local = backends.filter((b) => b.local).map((b) => b.ip);
  const out: DesiredLoadBalancer[] = [];
  const add = (
    kind: LoadBalancerKind,
    vip: string | undefined,
    ips: readonly string[],
    externalPort: number,
    portFlags: number,
    flags: number,
    internal = internalPort,
    dist = distributionType,
  ) => {
    if (ips.length === 0) {
      reasons.push({
        code: 'NoLocalEndpoints',
        message: `${key}: no local endpoint for the ${kind} policy${vip ? ` on ${vip}` : ''}, none is programmed`,
      });
      return;
    }
    out.push({
      key: frontendKey(vip, protocol, externalPort),
      kind,
      servicePort: key,
      spec: {
        sourceVip,
        frontendVips: vip ? [vip] : [],
        portMappings: [{ protocol, internalPort: internal, externalPort, distributionType: dist, flags: portFlags }],
        flags,
      },
      endpointIps: [...new Set(ips)].sort(compareText),
    });
  };

  add(
    'ClusterIP',
    sp.clusterIP,
    sp.internalPolicyLocal ? local : all,
    sp.port,
    HNS_PORT_MAPPING_FLAGS.None,
    (options.enableDSR ? HNS_LOAD_BALANCER_FLAGS.DSR : 0) | ipv6,
  );
  const withheld = (what: string) =>
    reasons.push({
      code: 'ExternalPolicyWithheld',
      message: `${key}: ${what} not programmed while every endpoint terminates (winkernel)`,
    });
  if (sp.nodePort > 0) {
    if (selection.endpointsAvailableForLB) {
      add(
        'NodePort',
        undefined,
        preserveDIP || localTrafficDSR ? local : all,
        sp.nodePort,
        HNS_PORT_MAPPING_FLAGS.VipExternalIP | HNS_PORT_MAPPING_FLAGS.LocalRoutedVIP,
        (localTrafficDSR ? HNS_LOAD_BALANCER_FLAGS.DSR : 0) | ipv6,
      );
    } else withheld(`node port ${sp.nodePort}`);
  }
  for (const ip of sp.externalIPs) {
    if (!selection.endpointsAvailableForLB) {
      withheld(`external IP ${ip}`);
      continue;
    }
    add(
      'ExternalIP',
      ip,
      localTrafficDSR ? local : all,
      sp.port,
      HNS_PORT_MAPPING_FLAGS.VipExternalIP,
      (localTrafficDSR ? HNS_LOAD_BALANCER_FLAGS.DSR : 0) | ipv6,
    );
  }
  const muxFlags = preserveDIP ? HNS_PORT_MAPPING_FLAGS.UseMux | HNS_PORT_MAPPING_FLAGS.PreserveDIP : 0;
  for (const ip of sp.loadBalancerIPs) {
    add(
      'IngressIP',
      ip,
      preserveDIP || localTrafficDSR ? local : all,
      sp.port,
      HNS_PORT_MAPPING_FLAGS.VipExternalIP | muxFlags,
      (preserveDIP || localTrafficDSR ? HNS_LOAD_BALANCER_FLAGS.DSR : 0) | ipv6,
    );
    const gw = facts.gatewayEndpoint;
    if (options.forwardHealthCheckVip && gw && selection.endpointsAvailableForLB) {
      if (gw.ipAddress.includes(':') !== ip.includes(':')) {
        reasons.push({
          code: 'HealthCheckFamilyMismatch',
          message: `${key}: gateway endpoint ${gw.ipAddress} is not of the family of ${ip}; no health-check forward`,
        });
        continue;
      }
      const port = sp.healthCheckNodePort || options.healthzPort;
      // kube-proxy sets neither DSR, IPv6 nor affinity on the health-check policy.
      add('HealthCheck', ip, [gw.ipAddress], port, muxFlags, 0, port, 'None');
    }
  }
  return out;
}

/**
 * Drops what HNS would refuse and records why: a bad cluster IP or port skips the service port; bad
 * external or ingress IPs and bad endpoints are left out one by one. Everything else keeps working.
 */
function sanitize(sp: ServicePort, key: string, reasons: Reason[]): ServicePort | undefined {
  const ofFamily = (ip: string) => isIpAddress(ip) && (ip.includes(':') ? 'IPv6' : 'IPv4') === sp.family;
  const validPort = (p: number) => Number.isInteger(p) && p >= 1 && p <= 65535;
  const invalid = (subject: string, what: string) =>
    reasons.push({ code: 'InvalidServicePort', message: `${key}: ${what}, skipped`, subject });
  if (!ofFamily(sp.clusterIP)) {
    invalid(sp.clusterIP, `cluster IP ${JSON.stringify(sp.clusterIP)} is not an ${sp.family} address`);
    return undefined;
  }
  if (!validPort(sp.port) || (sp.nodePort !== 0 && !validPort(sp.nodePort))) {
    invalid(String(sp.port), `port ${sp.port} or node port ${sp.nodePort} is out of range`);
    return undefined;
  }
  const keepIps = (ips: readonly string[], what: string) =>
    ips.filter((ip) => ofFamily(ip) || (invalid(ip, `${what} ${JSON.stringify(ip)} is not an ${sp.family} address`), false));
  const externalIPs = keepIps(sp.externalIPs, 'external IP');
  const loadBalancerIPs = keepIps(sp.loadBalancerIPs, 'ingress IP');
  const endpoints = sp.endpoints.filter(
    (ep) => (ofFamily(ep.ip) && validPort(ep.port)) || (invalid(ep.ip, `endpoint ${JSON.stringify(`${ep.ip}:${ep.port}`)} is invalid`), false),
  );
  if (
    externalIPs.length === sp.externalIPs.length &&
    loadBalancerIPs.length === sp.loadBalancerIPs.length &&
    endpoints.length === sp.endpoints.length
  ) {
    return sp;
  }
  return { ...sp, externalIPs, loadBalancerIPs, endpoints };
}

function isRemote(ep: HnsEndpoint | undefined): boolean {
  return ep !== undefined && (ep.flags & HNS_ENDPOINT_FLAGS.RemoteEndpoint) !== 0;
}

/** The provider address of the remote subnet holding `ip` (the last match, as kube-proxy does). */
function findProviderAddress(network: HnsNetwork, ip: string): string | undefined {
  let pa: string | undefined;
  for (const rs of network.remoteSubnets) {
    if (cidrContains(rs.destinationPrefix, ip) || ip === rs.providerAddress) pa = rs.providerAddress;
  }
  return pa;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
