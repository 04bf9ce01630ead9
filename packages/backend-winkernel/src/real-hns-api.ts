import { UnsupportedPlatformError } from '@kproxy/api';
import type { HnsApi } from './hns-api.ts';
import type {
  HnsEndpoint,
  HnsEndpointSpec,
  HnsLoadBalancer,
  HnsLoadBalancerSpec,
  HnsNetwork,
} from './hns-model.ts';

/**
 * The HNS client for real nodes. kproxy runs on Linux only, and Windows' HCN API is reached through
 * `computenetwork.dll`, which Node cannot call here: every method rejects with `UnsupportedPlatformError`
 * (`platform` is `windows`), so a daemon started in `kernelspace` mode fails with one clear line unless it
 * only dry-runs (`dryRunWinkernel`).
 */
export class RealHnsApi implements HnsApi {
  /** The platform HNS needs. */
  readonly platform = 'windows';

  private refuse(operation: string): Promise<never> {
    return Promise.reject(
      new UnsupportedPlatformError(
        this.platform,
        `HNS ${operation}: the Windows Host Networking Service is only available on windows, ` +
          `but this process runs on ${process.platform}; use --dry-run to print the HNS objects instead`,
      ),
    );
  }

  listNetworks(): Promise<HnsNetwork[]> {
    return this.refuse('listNetworks');
  }
  getNetworkByName(_name: string): Promise<HnsNetwork> {
    return this.refuse('getNetworkByName');
  }
  listEndpoints(_networkId?: string): Promise<HnsEndpoint[]> {
    return this.refuse('listEndpoints');
  }
  getEndpoint(_id: string): Promise<HnsEndpoint> {
    return this.refuse('getEndpoint');
  }
  getEndpointByName(_name: string): Promise<HnsEndpoint> {
    return this.refuse('getEndpointByName');
  }
  createEndpoint(_spec: HnsEndpointSpec): Promise<HnsEndpoint> {
    return this.refuse('createEndpoint');
  }
  deleteEndpoint(_id: string): Promise<void> {
    return this.refuse('deleteEndpoint');
  }
  listLoadBalancers(): Promise<HnsLoadBalancer[]> {
    return this.refuse('listLoadBalancers');
  }
  getLoadBalancer(_id: string): Promise<HnsLoadBalancer> {
    return this.refuse('getLoadBalancer');
  }
  createLoadBalancer(_spec: HnsLoadBalancerSpec): Promise<HnsLoadBalancer> {
    return this.refuse('createLoadBalancer');
  }
  updateLoadBalancer(_id: string, _spec: HnsLoadBalancerSpec): Promise<HnsLoadBalancer> {
    return this.refuse('updateLoadBalancer');
  }
  deleteLoadBalancer(_id: string): Promise<void> {
    return this.refuse('deleteLoadBalancer');
  }
}
