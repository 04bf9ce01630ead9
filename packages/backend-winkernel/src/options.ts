import type { IPFamily } from '@kproxy/api';
import type { HnsApi } from './hns-api.ts';

/**
 * Options of the winkernel backend, after kube-proxy's `KubeProxyWinkernelConfiguration` (`networkName`,
 * `sourceVip`, `enableDSR`, `rootHnsEndpointName`, `forwardHealthCheckVip`) plus what kube-proxy learns
 * from HNS feature queries or service annotations.
 */
export interface WinkernelOptions {
  /** The HNS client: `new RealHnsApi()` on a node, a `FakeHns` (from `./testing`) in tests. */
  readonly hns: HnsApi;
  /** The family this backend programs. Default `IPv4`. */
  readonly family?: IPFamily;
  /** The HNS network the pods live on (kube-proxy's `--network-name` / `KUBE_NETWORK`). Required. */
  readonly networkName: string;
  /** Overlay networks only (and required there): the source VIP load balancers SNAT to. */
  readonly sourceVip?: string;
  /** Overlay networks only (and required there): the MAC of the node's interface, `aa-bb-cc-dd-ee-ff`. */
  readonly hostMac?: string;
  /** `--enable-dsr`: set the DSR flag on ClusterIP load balancers. Default false. */
  readonly enableDSR?: boolean;
  /**
   * Whether this Windows build supports DSR. kube-proxy turns externalTrafficPolicy Local into DSR load
   * balancers only when it does (otherwise eTP Local behaves like Cluster). Default true.
   */
  readonly dsrSupported?: boolean;
  /** `--forward-healthcheck-vip`: forward `<ingress IP>:<health port>` to the root endpoint. Default false. */
  readonly forwardHealthCheckVip?: boolean;
  /** `--root-hnsendpoint-name`: the host's gateway endpoint for forwarded health checks. Default `cbr0`. */
  readonly rootHnsEndpointName?: string;
  /** The proxy's healthz port, used for forwarded health checks without a healthCheckNodePort. Default 10256. */
  readonly healthzPort?: number;
  /**
   * Whether HNS can modify a load balancer in place (HCN feature `ModifyLoadbalancer`). When false, a
   * changed load balancer is deleted and re-created. Default true.
   */
  readonly modifyLoadBalancerSupported?: boolean;
  /**
   * Services (`namespace/name`) carrying the `preserve-destination: "true"` annotation (the proxy model
   * does not carry annotations, so the daemon passes them here). Their node-port and ingress-IP load
   * balancers use local endpoints only, with `UseMux|PreserveDIP` and DSR.
   */
  readonly preserveDestinationServices?: readonly string[];
}

/** Options with every default applied (and without the HNS client): what rendering reads. */
export interface RenderOptions {
  readonly family: IPFamily;
  readonly networkName: string;
  readonly sourceVip: string;
  readonly hostMac: string;
  readonly enableDSR: boolean;
  readonly dsrSupported: boolean;
  readonly forwardHealthCheckVip: boolean;
  readonly rootHnsEndpointName: string;
  readonly healthzPort: number;
  readonly modifyLoadBalancerSupported: boolean;
  readonly preserveDestinationServices: ReadonlySet<string>;
}

/** Applies the defaults. Pure. */
export function resolveOptions(options: Omit<WinkernelOptions, 'hns'>): RenderOptions {
  return {
    family: options.family ?? 'IPv4',
    networkName: options.networkName,
    sourceVip: options.sourceVip ?? '',
    hostMac: options.hostMac ?? '',
    enableDSR: options.enableDSR ?? false,
    dsrSupported: options.dsrSupported ?? true,
    forwardHealthCheckVip: options.forwardHealthCheckVip ?? false,
    rootHnsEndpointName: options.rootHnsEndpointName ?? 'cbr0',
    healthzPort: options.healthzPort ?? 10256,
    modifyLoadBalancerSupported: options.modifyLoadBalancerSupported ?? true,
    preserveDestinationServices: new Set(options.preserveDestinationServices ?? []),
  };
}
