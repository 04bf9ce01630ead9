/**
 * The proxy model: what endpoint selection produces and every backend consumes. All of it is plain,
 * immutable data (no classes, no Maps inside service ports) so it can be compared, serialised into golden
 * fixtures and diffed cheaply.
 */

/** An IP family, named as Kubernetes names it. */
export type IPFamily = 'IPv4' | 'IPv6';

/** A transport protocol a Service port may use. */
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** The protocols, in the order used wherever a stable order matters. */
export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

/**
 * Identity of a service port: namespace, Service name, port name (`''` for an unnamed port) and protocol.
 * The same port number over two protocols is two service ports.
 */
export interface ServicePortName {
  readonly namespace: string;
  readonly name: string;
  readonly port: string;
  readonly protocol: Protocol;
}

/**
 * One backend endpoint of a service port, after slice merging and de-duplication.
 * Conditions carry the Kubernetes defaults already applied (ready/serving unset = true, terminating unset =
 * false).
 */
export interface Endpoint {
  /** Normalised IP text (no leading zeros, lowercase, compressed IPv6). */
  readonly ip: string;
  /** Target port from the matching EndpointSlice port. */
  readonly port: number;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  /** `nodeName` of the endpoint, when the slice names one. */
  readonly nodeName?: string;
  readonly zone?: string;
  /** True when `nodeName` equals the proxy's node name. */
  readonly isLocal: boolean;
  /** `hints.forZones` names; undefined when the endpoint carries no zone hints. */
  readonly zoneHints?: readonly string[];
  /** `hints.forNodes` names; undefined when the endpoint carries no node hints. */
  readonly nodeHints?: readonly string[];
}

/**
 * A machine-readable reason emitted by endpoint selection or state building. Reasons feed `explain` and
 * logs; they never change behaviour by themselves.
 */
export interface Reason {
  /** Stable code, e.g. `NoReadyEndpointsUsingTerminating`, `TopologyIgnoredMissingHints`, `InvalidSourceRange`. */
  readonly code: string;
  /** One sentence for people. */
  readonly message: string;
  /** The endpoint (`ip:port`) or value the reason is about, when there is one. */
  readonly subject?: string;
}

/** The endpoints a service port may use on this node, and why. */
export interface EndpointSelection {
  /** Endpoints for traffic under Cluster policy (topology applied; serving+terminating fallback). */
  readonly clusterEndpoints: readonly Endpoint[];
  /** Endpoints on this node for traffic under Local policy (ready local, else serving+terminating local). */
  readonly localEndpoints: readonly Endpoint[];
  /**
   * Union of the endpoint sets some traffic to this port can actually reach from this node (which of the
   * two sets are used depends on the policies). Backends program exactly these; conntrack cleanup compares
   * successive values of it.
   */
  readonly allReachableEndpoints: readonly Endpoint[];
  /**
   * True when some endpoint of the port is usable (ready, or serving and terminating) anywhere in the
   * cluster, as kube-proxy's `CategorizeEndpoints` reports it. False: traffic to the port is REJECTed. True
   * while the set a Local policy uses is empty: that traffic is DROPped.
   */
  readonly hasAnyEndpoints: boolean;
  readonly reasons: readonly Reason[];
}

/** Session affinity of a service port. */
export type SessionAffinity =
  | { readonly type: 'None' }
  | { readonly type: 'ClientIP'; /** 1..86400, default 10800. */ readonly timeoutSeconds: number };

/**
 * One service port as a single-family proxier sees it: entry points, policies and selected endpoints.
 * All IPs are of `family` and normalised.
 */
export interface ServicePort {
  readonly name: ServicePortName;
  readonly family: IPFamily;
  /** The cluster IP of this family. */
  readonly clusterIP: string;
  readonly port: number;
  readonly protocol: Protocol;
  /** 0 when the port has no node port. */
  readonly nodePort: number;
  readonly externalIPs: readonly string[];
  /** LB ingress IPs of this family (hostname-only and `ipMode: Proxy` entries already dropped). */
  readonly loadBalancerIPs: readonly string[];
  /** Valid CIDRs of this family; empty means no restriction (a zero CIDR is turned into empty). */
  readonly loadBalancerSourceRanges: readonly string[];
  /** 0 when there is none (only LoadBalancer with externalTrafficPolicy Local has one). */
  readonly healthCheckNodePort: number;
  /** internalTrafficPolicy is Local. */
  readonly internalPolicyLocal: boolean;
  /** externalTrafficPolicy is Local and the Service is externally reachable (node port, external or LB IPs). */
  readonly externalPolicyLocal: boolean;
  readonly sessionAffinity: SessionAffinity;
  /** Every endpoint of this family for this port after merging, sorted by ip then port. */
  readonly endpoints: readonly Endpoint[];
  readonly selection: EndpointSelection;
  /** `endpoints.kubernetes.io/last-change-trigger-time` of the newest contributing slice, in ms since epoch. */
  readonly lastChangeTriggerTime?: number;
}

/** How the proxy recognises traffic from local pods (kube-proxy's `--detect-local-mode`). */
export type LocalDetector =
  | { readonly mode: 'None' }
  | { readonly mode: 'ClusterCIDR'; readonly cidrs: readonly string[] }
  | { readonly mode: 'NodeCIDR'; readonly cidrs: readonly string[] }
  | { readonly mode: 'BridgeInterface'; readonly interfaceName: string }
  | { readonly mode: 'InterfaceNamePrefix'; readonly interfacePrefix: string };

/** Which local addresses accept node-port traffic. */
export type NodePortAddresses =
  /** Every local address of the family (`fib daddr type local`). */
  | { readonly kind: 'all' }
  /** Exactly these local IPs (already resolved from CIDRs or `primary` by the daemon). */
  | { readonly kind: 'ips'; readonly ips: readonly string[] };

/** Facts about this node and the proxy's options that rendering needs, for one family. */
export interface NodeContext {
  readonly name: string;
  readonly family: IPFamily;
  /** `topology.kubernetes.io/zone` of the node, when set. */
  readonly zone?: string;
  /** The node's IPs of this family, primary first. */
  readonly nodeIPs: readonly string[];
  readonly nodePortAddresses: NodePortAddresses;
  readonly localDetector: LocalDetector;
  /** Masquerade all traffic to cluster IPs (`--masquerade-all`). Default false. */
  readonly masqueradeAll: boolean;
  /** Bit of the packet mark used to flag packets for masquerading. Default 14 (mark 0x4000). */
  readonly masqueradeBit: number;
  /** Feature switches that change selection or rendering (e.g. `PreferSameTrafficDistribution`). */
  readonly features: Readonly<Record<string, boolean>>;
}

/** Everything one single-family backend needs to render its ruleset. */
export interface ProxyState {
  readonly family: IPFamily;
  readonly node: NodeContext;
  /** Service ports by `servicePortKey`. Iterate with `sortedServicePorts` for a stable order. */
  readonly servicePorts: ReadonlyMap<string, ServicePort>;
}

/** The default masquerade bit (kube-proxy's 0x4000 mark). */
export const DEFAULT_MASQUERADE_BIT = 14;
/** The default and maximum ClientIP affinity timeouts, in seconds. */
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10800;
export const MAX_AFFINITY_TIMEOUT_SECONDS = 86400;
