/**
 * The subset of the Windows Host Compute Network (HCN, schema v2) objects that kube-proxy's `kernelspace`
 * mode programs, as plain immutable data. Field names follow HCN's JSON (`FrontendVIPs`, `PortMappings`,
 * `HostComputeEndpoints`) in camelCase.
 */
import type { IPFamily, Protocol } from '@kproxy/api';

/** HCN network types kube-proxy meets (`L2Bridge` and `Overlay` are the two it supports). */
export type HnsNetworkType = 'L2Bridge' | 'Overlay' | 'NAT' | 'Transparent' | 'L2Tunnel' | 'ICS';

/** A `RemoteSubnetRoute` policy of an overlay network: pods in `destinationPrefix` live behind `providerAddress`. */
export interface HnsRemoteSubnet {
  readonly destinationPrefix: string;
  /** The node IP (provider address) of the node that hosts the subnet. */
  readonly providerAddress: string;
  readonly isolationId: number;
  readonly drMacAddress?: string;
}

/** An HCN network (created by the CNI plugin, never by the proxy). */
export interface HnsNetwork {
  readonly id: string;
  readonly name: string;
  readonly type: HnsNetworkType;
  /** Remote subnet routes (overlay networks only; empty otherwise). */
  readonly remoteSubnets: readonly HnsRemoteSubnet[];
}

/** HCN `EndpointFlags`: `RemoteEndpoint` marks an endpoint for a pod on another node. */
export const HNS_ENDPOINT_FLAGS = { None: 0, RemoteEndpoint: 1 } as const;

/**
 * An HCN endpoint. Local endpoints (pods on this node, the overlay source-VIP endpoint) are created by the
 * CNI plugin or the proxy; remote endpoints (pods elsewhere, with a provider address on overlay) are
 * created by the proxy so that load balancers can reference them.
 */
export interface HnsEndpoint {
  readonly id: string;
  readonly name: string;
  readonly networkId: string;
  /** The first IP configuration's address (kube-proxy only looks at the first one per family). */
  readonly ipAddress: string;
  /** `aa-bb-cc-dd-ee-ff`, HNS style. */
  readonly macAddress: string;
  /** Bitmask of `HNS_ENDPOINT_FLAGS`. */
  readonly flags: number;
  /** The `ProviderAddress` endpoint policy (overlay remote endpoints): the node IP hosting the pod. */
  readonly providerAddress?: string;
}

/** IANA protocol numbers, as HCN port mappings carry them. */
export const HNS_PROTOCOL_NUMBERS: Readonly<Record<Protocol, number>> = { TCP: 6, UDP: 17, SCTP: 132 };

/** Protocol name for an HCN protocol number; undefined for any other number. */
export function protocolName(n: number): Protocol | undefined {
  if (n === 6) return 'TCP';
  if (n === 17) return 'UDP';
  if (n === 132) return 'SCTP';
  return undefined;
}

/**
 * HCN `LoadBalancerPortMappingFlags`. kube-proxy sets `LocalRoutedVIP` and `VipExternalIP` on node-port
 * policies, `VipExternalIP` on external-IP and ingress-IP policies, `UseMux` and `PreserveDIP` for the
 * `preserve-destination` annotation. `ILB` exists in HCN and in kube-proxy's flag struct but current
 * kube-proxy never sets it.
 */
export const HNS_PORT_MAPPING_FLAGS = {
  None: 0,
  ILB: 1,
  LocalRoutedVIP: 2,
  UseMux: 4,
  PreserveDIP: 8,
  VipExternalIP: 16,
} as const;

/** HCN `LoadBalancerFlags`: `DSR` (direct server return) and `IPv6`. */
export const HNS_LOAD_BALANCER_FLAGS = { None: 0, DSR: 1, IPv6: 2 } as const;

/**
 * HCN `LoadBalancerDistribution`: `None` spreads connections over the endpoints (5-tuple hash); `SourceIP`
 * pins a client IP to one endpoint (kube-proxy's ClientIP affinity; there is no timeout in HNS).
 */
export type HnsDistributionType = 'None' | 'SourceIPProtocol' | 'SourceIP';

/** One port mapping of a load balancer (kube-proxy always writes exactly one). */
export interface HnsPortMapping {
  /** IANA protocol number: 6, 17 or 132. */
  readonly protocol: number;
  /** The endpoints' (target) port. */
  readonly internalPort: number;
  /** The service port or node port the frontend listens on. */
  readonly externalPort: number;
  readonly distributionType: HnsDistributionType;
  /** Bitmask of `HNS_PORT_MAPPING_FLAGS`. */
  readonly flags: number;
}

/** An HCN load balancer: frontend VIPs and a port mapping, balanced over endpoint ids. */
export interface HnsLoadBalancer {
  readonly id: string;
  /** Source address HNS uses when it SNATs (overlay: the configured source VIP or the node IP; else empty). */
  readonly sourceVip: string;
  /** Empty for a node-port policy: it applies to every address of the host. */
  readonly frontendVips: readonly string[];
  readonly portMappings: readonly HnsPortMapping[];
  /** Ids of the `HnsEndpoint`s traffic is balanced over. */
  readonly hostComputeEndpoints: readonly string[];
  /** Bitmask of `HNS_LOAD_BALANCER_FLAGS`. */
  readonly flags: number;
}

/** What `createEndpoint` takes: an endpoint without its id. */
export type HnsEndpointSpec = Omit<HnsEndpoint, 'id'>;

/** What `createLoadBalancer` and `updateLoadBalancer` take: a load balancer without its id. */
export type HnsLoadBalancerSpec = Omit<HnsLoadBalancer, 'id'>;

/** Everything one HNS holds that the proxy looks at: the input of the tracer and of dumps. */
export interface HnsSnapshot {
  readonly networks: readonly HnsNetwork[];
  readonly endpoints: readonly HnsEndpoint[];
  readonly loadBalancers: readonly HnsLoadBalancer[];
}

/**
 * The family a load balancer serves: that of its first frontend VIP, else (node-port policies) IPv6 when
 * the `IPv6` flag is set. Pure.
 */
export function loadBalancerFamily(lb: Pick<HnsLoadBalancer, 'frontendVips' | 'flags'>): IPFamily {
  const vip = lb.frontendVips[0];
  if (vip !== undefined) return vip.includes(':') ? 'IPv6' : 'IPv4';
  return lb.flags & HNS_LOAD_BALANCER_FLAGS.IPv6 ? 'IPv6' : 'IPv4';
}

/**
 * The identity HNS enforces for load balancers: at most one policy per frontend (VIP, or `*` for all host
 * addresses), protocol and external port. Pure.
 */
export function frontendKey(vip: string | undefined, protocol: number, externalPort: number): string {
  const proto = protocolName(protocol) ?? String(protocol);
  const v = vip === undefined || vip === '' ? '*' : vip.includes(':') ? `[${vip}]` : vip;
  return `${v}:${externalPort}/${proto}`;
}

/** The `frontendKey` of an existing load balancer (first VIP, first port mapping). Pure. */
export function loadBalancerKey(lb: Pick<HnsLoadBalancer, 'frontendVips' | 'portMappings'>): string {
  const pm = lb.portMappings[0];
  return frontendKey(lb.frontendVips[0], pm?.protocol ?? 0, pm?.externalPort ?? 0);
}

/** Names of the bits set in `flags` according to `table`, or `None`. Pure. */
export function flagNames(flags: number, table: Readonly<Record<string, number>>): string {
  const names = Object.entries(table)
    .filter(([, bit]) => bit !== 0 && (flags & bit) === bit)
    .map(([name]) => name);
  return names.length ? names.join('|') : 'None';
}
