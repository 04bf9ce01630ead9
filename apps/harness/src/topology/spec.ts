import type { IPFamily } from '@kproxy/api';

/** The node under test, as the topology needs it. */
export interface TopologyNodeSpec {
  /** Kubernetes node name (used in logs only). */
  readonly name: string;
  /** The node's own addresses; the first of each family is its primary. They sit on its external link. */
  readonly addresses: readonly string[];
  /** The node's pod CIDRs, at most one per family; local pods and the pod client get addresses here. */
  readonly podCIDRs?: readonly string[];
}

/** One endpoint address: a namespace of its own, on this node (behind the node) or on a remote node. */
export interface TopologyEndpointSpec {
  readonly ip: string;
  /** True when the endpoint lives on the node under test (EndpointSlice `nodeName` equals it). */
  readonly local: boolean;
}

/** An extra client namespace, for flows whose source is a given address (`from: <ip>`). */
export interface TopologyClientSpec {
  /** A short label for messages (`client-1`). */
  readonly name: string;
  /** `pod`: on the node's pod network like a local pod; `external`: on the node's external link. */
  readonly role: 'pod' | 'external';
  readonly addresses: readonly string[];
}

/**
 * What to build: the node (a router namespace), one namespace per endpoint address, a pod client on the
 * node's pod network and an external client on its external link. Everything is wired only to each other.
 */
export interface TopologySpec {
  /** Namespace-name prefix (lowercase letters, digits, '-'; at most 12 characters). Default `kph`. */
  readonly prefix?: string;
  readonly node: TopologyNodeSpec;
  readonly endpoints?: readonly TopologyEndpointSpec[];
  /** Addresses of the pod client (one per family). Default: a high host of each pod CIDR. */
  readonly podClient?: readonly string[];
  /** Addresses of the external client (one per family). Default: 198.51.100.200 and 2001:db8:ffff::200. */
  readonly externalClient?: readonly string[];
  /** Addresses of the remote node on the node-to-node link. Default: 10.255.255.254 and fd00:ffff::fffe. */
  readonly remoteNode?: readonly string[];
  /**
   * The node's own addresses on the node-to-node link (its primary there, so traffic masqueraded towards a
   * remote endpoint shows a node address that differs from the node IP). Default: 10.255.255.253 and
   * fd00:ffff::fffd.
   */
  readonly nodeLink?: readonly string[];
  /** Name prefix of the node-side veths of pods (`--detect-local-mode InterfaceNamePrefix`). Default `veth`. */
  readonly podInterfacePrefix?: string;
  /** Name of the node's external link. Default `ext0`. */
  readonly externalInterface?: string;
  readonly extraClients?: readonly TopologyClientSpec[];
}

/** Roles a namespace plays in a topology. */
export type NamespaceRole = 'node' | 'remote-node' | 'endpoint' | 'pod-client' | 'external-client';

/** One namespace to create. `key` names it inside the plan (`node`, `ep:10.244.0.5`, `pod-client`). */
export interface NamespacePlan {
  readonly key: string;
  readonly role: NamespaceRole;
  /** Short prefix for the namespace's real name. */
  readonly prefix: string;
  /** The addresses that identify this namespace (sources of its traffic, servers it hosts). */
  readonly addresses: readonly string[];
  /** Routers forward packets (ip_forward and IPv6 forwarding on). */
  readonly forwarding: boolean;
}

/** A veth pair between two namespaces of the plan. */
export interface LinkPlan {
  readonly a: string;
  readonly aIf: string;
  readonly b: string;
  readonly bIf: string;
}

/** An address on an interface. */
export interface AddressPlan {
  readonly ns: string;
  readonly ifname: string;
  readonly cidr: string;
}

/** A route: `dst` through `dev`, optionally via `gateway`. */
export interface RoutePlan {
  readonly ns: string;
  readonly family: IPFamily;
  readonly dst: string;
  readonly dev: string;
  readonly gateway?: string;
}

/** Everything the builder does, as data, in order: namespaces, links, addresses, routes. */
export interface TopologyPlan {
  readonly namespaces: readonly NamespacePlan[];
  readonly links: readonly LinkPlan[];
  readonly addresses: readonly AddressPlan[];
  readonly routes: readonly RoutePlan[];
  /** The families the node has (one address each). */
  readonly families: readonly IPFamily[];
  /** Which namespace key answers for each endpoint and client address (normalised text). */
  readonly hosts: Readonly<Record<string, string>>;
}
