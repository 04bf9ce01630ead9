import type { BackendFactory, IPFamily } from '@kproxy/api';
import { nftablesBackend } from '@kproxy/backend-nftables';
import type { ProxyMode } from '../config/kube-proxy-configuration.ts';

/** What the daemon tells a backend factory besides the family. */
export interface BackendWiringOptions {
  /** This node's own addresses of the family (`explain` uses them for "is the destination local"). */
  readonly localAddresses?: readonly string[];
}

/**
 * The explicit map from mode to backend factory: the modes of this build. A mode not listed here is
 * refused by mode selection ("its backend has not landed yet"). `kernelspace` is listed separately
 * because on Linux it only dry-runs (see `KERNELSPACE_DRY_RUN`).
 */
export const BACKENDS: ReadonlyMap<ProxyMode, (family: IPFamily, options?: BackendWiringOptions) => BackendFactory> = new Map([
  [
    'nftables',
    (family: IPFamily, options: BackendWiringOptions = {}) =>
      nftablesBackend({ family, ...(options.localAddresses ? { localAddresses: options.localAddresses } : {}) }),
  ],
]);

/** Modes mode selection may choose: those with a backend, plus kernelspace (dry-run on Linux). */
export const AVAILABLE_MODES: ReadonlySet<ProxyMode> = new Set<ProxyMode>([...BACKENDS.keys(), 'kernelspace']);
