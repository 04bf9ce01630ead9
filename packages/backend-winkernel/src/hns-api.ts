import type {
  HnsEndpoint,
  HnsEndpointSpec,
  HnsLoadBalancer,
  HnsLoadBalancerSpec,
  HnsNetwork,
} from './hns-model.ts';

/**
 * The Host Networking Service as the winkernel backend uses it: list/get/create/update/delete of HCN
 * networks (read-only: the CNI plugin owns them), endpoints and load balancers.
 *
 * Every method resolves with copies (callers cannot change HNS by mutating results) and rejects with:
 * `NotFoundError` when a named or identified object does not exist; `KernelRejectedError` when HNS
 * refuses an object (duplicate frontend, unknown endpoint id, bad address; `detail` carries HNS's
 * message); `UnsupportedPlatformError` when there is no HNS at all (`RealHnsApi` off Windows).
 * There are no transactions in HNS: each call takes effect on its own.
 */
export interface HnsApi {
  /** Every network. */
  listNetworks(): Promise<HnsNetwork[]>;
  /** The network named `name`; `NotFoundError` when there is none. */
  getNetworkByName(name: string): Promise<HnsNetwork>;
  /** Every endpoint, or those of one network. */
  listEndpoints(networkId?: string): Promise<HnsEndpoint[]>;
  /** One endpoint by id; `NotFoundError` when absent. */
  getEndpoint(id: string): Promise<HnsEndpoint>;
  /** One endpoint by name (e.g. the root/gateway endpoint); `NotFoundError` when absent. */
  getEndpointByName(name: string): Promise<HnsEndpoint>;
  /**
   * Creates an endpoint on `spec.networkId`. With the `RemoteEndpoint` flag it is a remote endpoint
   * (HCN `CreateRemoteEndpoint`), whose `providerAddress` becomes a `ProviderAddress` policy.
   */
  createEndpoint(spec: HnsEndpointSpec): Promise<HnsEndpoint>;
  /** Deletes an endpoint; `NotFoundError` when absent. */
  deleteEndpoint(id: string): Promise<void>;
  /** Every load balancer (HNS has no per-network load balancers). */
  listLoadBalancers(): Promise<HnsLoadBalancer[]>;
  /** One load balancer by id; `NotFoundError` when absent. */
  getLoadBalancer(id: string): Promise<HnsLoadBalancer>;
  /**
   * Creates a load balancer. HNS rejects a second load balancer for the same frontend (VIP or all host
   * addresses, protocol, external port) and references to endpoints that do not exist.
   */
  createLoadBalancer(spec: HnsLoadBalancerSpec): Promise<HnsLoadBalancer>;
  /** Replaces a load balancer's settings in place (HCN `ModifyLoadBalancer`), keeping its id. */
  updateLoadBalancer(id: string, spec: HnsLoadBalancerSpec): Promise<HnsLoadBalancer>;
  /** Deletes a load balancer; `NotFoundError` when absent. */
  deleteLoadBalancer(id: string): Promise<void>;
}
