import type { IPFamily, KubeEndpointSlice, KubeNode, KubeService, Protocol } from '@kproxy/api';

/**
 * The scenario format: the resolved, validated form of a scenario YAML file (see the package README for the
 * YAML syntax). `parseScenario` produces it; runners (the fake runner here, the real-kernel runner in
 * apps/harness) consume it. Every default is already applied, so a runner never guesses.
 */

/** kube-proxy's `--detect-local-mode` values. */
export type DetectLocalMode = 'ClusterCIDR' | 'NodeCIDR' | 'BridgeInterface' | 'InterfaceNamePrefix' | 'None';

/** The three named traffic sources a flow may come from; any other source is written as an IP. */
export type NamedSource = 'pod' | 'node' | 'external';

/** The addresses of one IP family on the node under test and of its clients. */
export interface FamilyAddresses {
  /** The node's IPs of this family, primary first (also the `InternalIP` addresses of the Node object). */
  readonly nodeIPs: readonly string[];
  /** This node's pod CIDR of this family (from `node.podCIDRs`). */
  readonly podCIDR?: string;
  /** The cluster CIDR of this family (from `node.clusterCIDRs`). */
  readonly clusterCIDR?: string;
  /** Address of the `pod` client: a pod on this node (default: the 250th address of the pod CIDR). */
  readonly podClient?: string;
  /** Address of the `external` client: a host outside the cluster, reached through the external interface. */
  readonly externalClient: string;
}

/** The node under test and the proxy's options, as a scenario declares them. */
export interface ScenarioNode {
  readonly name: string;
  readonly zone?: string;
  /** The families the node has addresses for; one single-family backend runs per family. */
  readonly families: readonly IPFamily[];
  readonly addresses: Readonly<Partial<Record<IPFamily, FamilyAddresses>>>;
  readonly detectLocal: DetectLocalMode;
  /** For `BridgeInterface`: the bridge the pods sit behind. */
  readonly bridgeInterface?: string;
  /** For `InterfaceNamePrefix`: the prefix of the pods' interfaces. */
  readonly interfacePrefix?: string;
  /** Interface name on the node through which `pod` clients (and any pod-CIDR source) arrive. */
  readonly podInterface: string;
  /** Interface name on the node through which `external` clients (and any other source) arrive. */
  readonly externalInterface: string;
  /**
   * `--nodeport-addresses`: CIDRs and/or `primary`. Undefined means every local address of the family.
   */
  readonly nodePortAddresses?: readonly string[];
  /**
   * The cluster's service CIDRs, any family (`--service-cluster-ip-range` / ServiceCIDR objects). Empty
   * when the scenario does not give them; kube-proxy's nftables mode drops packets to unallocated IPs in them.
   */
  readonly serviceCIDRs: readonly string[];
  readonly masqueradeAll: boolean;
  /** Feature switches (`--feature-gates` style). */
  readonly features: Readonly<Record<string, boolean>>;
}

/** A Kubernetes object the scenario manages. */
export type ScenarioObject =
  | { readonly kind: 'Service'; readonly object: KubeService }
  | { readonly kind: 'EndpointSlice'; readonly object: KubeEndpointSlice }
  | { readonly kind: 'Node'; readonly object: KubeNode };

/** Identity of an object for `delete`: kind, namespace (`default` when omitted; ignored for Node), name. */
export interface ObjectRef {
  readonly kind: ScenarioObject['kind'];
  readonly namespace: string;
  readonly name: string;
}

/** What a flow is expected to do. */
export type FlowOutcome =
  /** DNAT to exactly this set of endpoints (every one reachable, nothing else), masqueraded or not. */
  | { readonly verdict: 'DNAT'; readonly endpoints: readonly string[]; readonly masq: boolean }
  /** Refused at once (ICMP unreachable / TCP reset): the service port has no usable endpoint. */
  | { readonly verdict: 'REJECT' }
  /** Silently dropped (Local policy with no local endpoint, source ranges). */
  | { readonly verdict: 'DROP' }
  /** Not touched by the proxy at all (not a service address, or an unknown port in iptables). */
  | { readonly verdict: 'PASS' };

/** A per-backend override of a flow's outcome, where kube-proxy's own backends differ. */
export interface BackendDifference {
  readonly outcome: FlowOutcome;
  /** Why this backend differs (required: it goes into docs/parity.md). */
  readonly note: string;
}

/** Who sends a flow: a named source, or an explicit IP. */
export interface FlowSource {
  /** As written: `pod`, `node`, `external`, or an IP. */
  readonly from: string;
  /** Where the packet enters the node (see `resolveSource`). */
  readonly kind: NamedSource;
}

/** One packet flow and its expected outcome. */
export interface Flow {
  /** `from proto dst:port`, for failure messages. */
  readonly label: string;
  readonly source: FlowSource;
  readonly protocol: Protocol;
  /** Normalised destination IP; its family selects the backend. */
  readonly dst: string;
  readonly family: IPFamily;
  readonly port: number;
  readonly outcome: FlowOutcome;
  /** Overrides by backend name (`iptables`, `nftables`, `ipvs`, `kernelspace`). */
  readonly backends: Readonly<Record<string, BackendDifference>>;
}

/** An affinity check: N connections from one client. */
export interface AffinityCheck {
  readonly label: string;
  readonly source: FlowSource;
  readonly protocol: Protocol;
  readonly dst: string;
  readonly family: IPFamily;
  readonly port: number;
  /** Number of new connections to open (2..1000). */
  readonly connections: number;
  /**
   * `true`: every connection lands on one endpoint (ClientIP affinity). `false`: no affinity applies,
   * so connections may spread over the endpoints.
   */
  readonly sticky: boolean;
  /** The endpoints the connections may land on (`ip:port`); empty means "any DNAT endpoint". */
  readonly endpoints: readonly string[];
}

/** One step of a scenario, run in order. */
export type Step =
  /** Create or replace objects (by kind, namespace, name). */
  | { readonly type: 'apply'; readonly index: number; readonly objects: readonly ScenarioObject[] }
  /** Replace objects that must already exist. */
  | { readonly type: 'update'; readonly index: number; readonly objects: readonly ScenarioObject[] }
  /** Remove objects that must exist. */
  | { readonly type: 'delete'; readonly index: number; readonly refs: readonly ObjectRef[] }
  /** Let the proxy catch up with every change so far (one sync in the fake runner). */
  | { readonly type: 'wait-for-sync'; readonly index: number }
  /** Flows to send; an implicit wait-for-sync comes first. */
  | { readonly type: 'expect'; readonly index: number; readonly flows: readonly Flow[] }
  /** Affinity checks; an implicit wait-for-sync comes first. */
  | { readonly type: 'affinity'; readonly index: number; readonly checks: readonly AffinityCheck[] };

/** A whole scenario. */
export interface Scenario {
  /** Unique name (kebab-case), e.g. `clusterip-basics`. */
  readonly name: string;
  readonly description: string;
  /** File it came from, for messages. */
  readonly source: string;
  readonly node: ScenarioNode;
  /** Objects applied before the first step (the Node object is synthesised from `node` when absent). */
  readonly objects: readonly ScenarioObject[];
  readonly steps: readonly Step[];
}
