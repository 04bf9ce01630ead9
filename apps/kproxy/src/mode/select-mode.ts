import { ConfigError } from '@kproxy/api';
import type { ProxyMode } from '../config/kube-proxy-configuration.ts';

/** Whether the kernel can run a mode, and why not. */
export interface Support {
  readonly ok: boolean;
  readonly reason?: string;
}

/** Inputs of {@link selectMode}; every probe is injected so each rule is testable anywhere. */
export interface ModeSelectionInput {
  readonly requested: ProxyMode;
  /** `process.platform`. */
  readonly platform: string;
  /** Modes whose backend is part of this build (the daemon's explicit mode → factory map). */
  readonly available: ReadonlySet<ProxyMode>;
  /** `--strict-proxy-mode`: refuse instead of falling back. */
  readonly strict: boolean;
  /** `--dry-run`: kernelspace on Linux prints its objects instead of refusing. */
  readonly dryRun: boolean;
  /** Probes kernel IPVS support (only called for ipvs). */
  readonly ipvsSupport: () => Promise<Support>;
}

/** The chosen mode. */
export interface ModeSelection {
  readonly mode: ProxyMode;
  /** True when the mode cannot program this machine and only a dry run will happen. */
  readonly dryRunOnly: boolean;
  readonly warnings: readonly string[];
}

/** Where an unusable ipvs falls back to, in order of preference (as kube-proxy did: iptables first). */
const IPVS_FALLBACKS: readonly ProxyMode[] = ['iptables', 'nftables'];

function notAvailable(mode: ProxyMode, available: ReadonlySet<ProxyMode>): ConfigError {
  return new ConfigError(
    `proxy mode "${mode}" is not available in this kproxy build: its backend has not landed yet (available: ${[...available].sort().join(', ') || 'none'})`,
  );
}

/**
 * Chooses the proxy mode, with one clear error when it cannot:
 * - `kernelspace` needs Windows; on Linux it is refused unless `dryRun` (then only its objects are printed);
 * - a mode whose backend is not in this build is refused;
 * - `ipvs` without kernel IPVS support falls back (iptables, else nftables) with a warning, as older
 *   kube-proxy releases did, or is refused when `strict` (newer kube-proxy always refuses).
 * Throws `ConfigError`.
 */
export async function selectMode(input: ModeSelectionInput): Promise<ModeSelection> {
  const { requested, available } = input;
  if (requested === 'kernelspace' && input.platform !== 'win32') {
    if (input.dryRun) {
      if (!available.has('kernelspace')) throw notAvailable('kernelspace', available);
      return { mode: 'kernelspace', dryRunOnly: true, warnings: [] };
    }
    throw new ConfigError(
      `proxy mode "kernelspace" programs Windows HNS and cannot run on ${input.platform}; use --dry-run to print the HNS objects it would create`,
    );
  }
  if (requested !== 'kernelspace' && input.platform === 'win32') {
    throw new ConfigError(`proxy mode "${requested}" needs Linux; on Windows use kernelspace`);
  }
  if (!available.has(requested)) throw notAvailable(requested, available);
  if (requested === 'ipvs') {
    const support = await input.ipvsSupport();
    if (!support.ok) {
      const why = `can't use the ipvs proxier: ${support.reason ?? 'the kernel has no IPVS support'}`;
      if (input.strict) throw new ConfigError(`${why}; refusing to fall back because --strict-proxy-mode is set`);
      const fallback = IPVS_FALLBACKS.find((m) => available.has(m));
      if (!fallback) throw new ConfigError(`${why}, and no fallback mode is available`);
      return { mode: fallback, dryRunOnly: false, warnings: [`${why}; falling back to ${fallback} mode`] };
    }
  }
  return { mode: requested, dryRunOnly: false, warnings: [] };
}
