import type { BackendFactory, IPFamily } from '@kproxy/api';
import { nftablesBackend } from '@kproxy/backend-nftables';
import { nftables } from '@kproxy/nftables-json';
import type { Executor } from '@kproxy/api';
import type { Support } from '../mode/select-mode.ts';
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

/** nftables mode needs nft >= 1.0.1 built with JSON support, as kube-proxy checks at start-up. */
async function nftablesPreflight(executor: Executor): Promise<Support> {
  try {
    const v = await nftables({ executor, timeoutMs: 10_000 }).version();
    const [major, minor, patch] = v.parts;
    if (major < 1 || (major === 1 && minor === 0 && patch < 1)) return { ok: false, reason: `nft ${v.version} is too old (need 1.0.1 or newer)` };
    if (!v.json) return { ok: false, reason: `nft ${v.version} was built without JSON support (nft -j)` };
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}

/** Start-up checks per mode: can this machine run it at all? */
export const PREFLIGHT: ReadonlyMap<ProxyMode, (executor: Executor) => Promise<Support>> = new Map([['nftables', nftablesPreflight]]);
