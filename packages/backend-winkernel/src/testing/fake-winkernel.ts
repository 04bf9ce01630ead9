import type { Backend, Components, IPFamily, ProxyState, SyncOptions } from '@kproxy/api';
import { winkernelBackend } from '../backend.ts';
import type { HnsNetworkType } from '../hns-model.ts';
import type { WinkernelOptions } from '../options.ts';
import { FakeHns } from './fake-hns.ts';

/** Options of `fakeWinkernel`. */
export interface FakeWinkernelOptions {
  readonly family: IPFamily;
  readonly components: Components;
  /** Default `cbr0`. */
  readonly networkName?: string;
  /** Default `L2Bridge`. An overlay needs `backendOptions.sourceVip` and `hostMac`. */
  readonly networkType?: HnsNetworkType;
  /** Further backend options (the fake HNS and the network name are filled in). */
  readonly backendOptions?: Partial<Omit<WinkernelOptions, 'hns' | 'networkName' | 'family'>>;
}

/**
 * A winkernel backend over a fresh `FakeHns`, for suites that replay behaviour (conformance): before every
 * `sync` and `plan` it plays the CNI plugin and creates an HNS endpoint for each local endpoint of the
 * state that has none yet, as Windows does when a pod starts.
 */
export function fakeWinkernel(options: FakeWinkernelOptions): { readonly backend: Backend; readonly hns: FakeHns } {
  const networkName = options.networkName ?? 'cbr0';
  const hns = new FakeHns();
  hns.addNetwork({ name: networkName, type: options.networkType ?? 'L2Bridge' });
  const inner = winkernelBackend({ ...options.backendOptions, hns, networkName, family: options.family })(
    options.components,
  );
  const playCni = (state: ProxyState) => {
    for (const sp of state.servicePorts.values()) {
      for (const ep of sp.endpoints) {
        if (ep.isLocal && !hns.findEndpoint(networkName, ep.ip)) hns.addLocalEndpoint(networkName, ep.ip);
      }
    }
  };
  const backend: Backend = {
    name: inner.name,
    family: inner.family,
    sync(state: ProxyState, syncOptions?: SyncOptions) {
      playCni(state);
      return inner.sync(state, syncOptions);
    },
    plan(state: ProxyState) {
      playCni(state);
      return inner.plan(state);
    },
    cleanup: () => inner.cleanup(),
    explain: (packet) => inner.explain(packet),
  };
  return { backend, hns };
}
