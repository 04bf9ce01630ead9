import type { BackendFactory, IPFamily } from '@kproxy/api';
import { nftablesBackend } from '@kproxy/backend-nftables';
import type { ProxyMode } from '../config/kube-proxy-configuration.ts';

/**
 * The explicit map from mode to backend factory: the modes of this build. A mode not listed here is
 * refused by mode selection ("its backend has not landed yet"). `kernelspace` is listed separately
 * because on Linux it only dry-runs (see `KERNELSPACE_DRY_RUN`).
 */
export const BACKENDS: ReadonlyMap<ProxyMode, (family: IPFamily) => BackendFactory> = new Map([
  ['nftables', (family: IPFamily) => nftablesBackend({ family })],
]);

/** Modes mode selection may choose: those with a backend, plus kernelspace (dry-run on Linux). */
export const AVAILABLE_MODES: ReadonlySet<ProxyMode> = new Set<ProxyMode>([...BACKENDS.keys(), 'kernelspace']);
