import { ConfigError } from '@kproxy/api';
import { FEATURE_PREFER_SAME_TRAFFIC_DISTRIBUTION } from '@kproxy/endpoints';
import { FLAGS } from '../cli/flag-table.ts';
import { decodeConfigFile } from './config-file.ts';
import { defaultConfiguration } from './kube-proxy-configuration.ts';
import type { KubeProxyConfiguration, ProxyMode } from './kube-proxy-configuration.ts';
import { validateConfiguration } from './validate.ts';

/** Everything the program needs from its flags and config file. */
export interface ResolvedOptions {
  /** The completed, validated configuration. */
  readonly config: KubeProxyConfiguration;
  readonly configFile?: string;
  /** `--master`: API server URL overriding the kubeconfig's. */
  readonly master: string;
  readonly cleanup: boolean;
  readonly version: boolean;
  readonly writeConfigTo?: string;
  /** Refuse instead of falling back when the requested mode cannot work here. */
  readonly strictProxyMode: boolean;
  readonly dryRun: boolean;
  /** `--init-only`: validate and exit (kproxy has no privileged initialisation). */
  readonly initOnly: boolean;
  /** True when `mode` came from neither a flag nor the file (kproxy picked its default). */
  readonly modeDefaulted: boolean;
  /** Things to log at start-up (ignored and deprecated flags, ...). */
  readonly warnings: readonly string[];
}

/**
 * Feature gates that change kproxy's behaviour (they reach endpoint selection through
 * `NodeContext.features`); others are accepted with a warning.
 */
export const KNOWN_FEATURE_GATES: readonly string[] = [FEATURE_PREFER_SAME_TRAFFIC_DISTRIBUTION];

/** The mode kproxy uses when none is configured. kube-proxy's is iptables, whose backend has not landed. */
export const DEFAULT_MODE: ProxyMode = 'nftables';

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let obj = target;
  for (const p of parts.slice(0, -1)) obj = obj[p] as Record<string, unknown>;
  obj[parts[parts.length - 1] as string] = value;
}

function withPort(address: string, port: number): string {
  if (port === 0) return '';
  const host = address.replace(/:\d+$/, '');
  return `${host}:${port}`;
}

/**
 * Combines explicitly given flags with the config file exactly as kube-proxy does:
 * - without `--config`, flags override kube-proxy's defaults;
 * - with `--config`, the file replaces every config-backed flag (kube-proxy: "This parameter is ignored if
 *   a config file is specified by --config"); only the logging flags (`-v`, `--logging-format`) and
 *   `--hostname-override` still win over the file. Ignored flags are reported as warnings.
 * Then kube-proxy's platform defaults apply (mode; `nodePortAddresses: [primary]` for nftables;
 * `detectLocalMode: ClusterCIDR`), and the result is validated. Throws `ConfigError`.
 * `readFile` reads the config file (injected so this stays testable).
 */
export function resolveOptions(flags: ReadonlyMap<string, unknown>, readFile: (path: string) => string): ResolvedOptions {
  const warnings: string[] = [];
  const specs = new Map(FLAGS.map((f) => [f.name, f]));
  const options: Record<string, unknown> = {};
  for (const [name, value] of flags) {
    const spec = specs.get(name);
    if (!spec) throw new ConfigError(`unknown flag: --${name}`);
    if (spec.deprecated) warnings.push(`flag --${name} is deprecated: ${spec.deprecated}`);
    if (name === 'vmodule') warnings.push('flag --vmodule is accepted but has no effect: kproxy applies -v to every component');
    if ('option' in spec.target) options[spec.target.option] = value;
  }
  const configFile = typeof options.config === 'string' && options.config !== '' ? options.config : undefined;
  let config: KubeProxyConfiguration;
  if (configFile) {
    let text: string;
    try {
      text = readFile(configFile);
    } catch (err) {
      throw new ConfigError(`cannot read config file ${configFile}: ${(err as Error).message}`, { cause: err });
    }
    config = decodeConfigFile(text, configFile);
    for (const [name, value] of flags) {
      const spec = specs.get(name);
      if (!spec || !('config' in spec.target)) continue;
      if (spec.overridesFile) setPath(config as unknown as Record<string, unknown>, spec.target.config, value);
      else warnings.push(`flag --${name} is ignored because --config is given (the config file wins, as in kube-proxy)`);
    }
    if (flags.has('healthz-port') || flags.has('metrics-port')) {
      warnings.push('flags --healthz-port/--metrics-port are ignored because --config is given');
    }
  } else {
    config = defaultConfiguration();
    for (const [name, value] of flags) {
      const spec = specs.get(name);
      if (!spec || !('config' in spec.target)) continue;
      setPath(config as unknown as Record<string, unknown>, spec.target.config, value);
      // kube-proxy's --masquerade-all applies to whichever mode runs.
      if (name === 'masquerade-all') config.nftables.masqueradeAll = value as boolean;
      if (name === 'iptables-masquerade-bit') config.nftables.masqueradeBit = value as number;
    }
    if (typeof options.healthzPort === 'number') config.healthzBindAddress = withPort(config.healthzBindAddress, options.healthzPort);
    if (typeof options.metricsPort === 'number') config.metricsBindAddress = withPort(config.metricsBindAddress, options.metricsPort);
  }
  if (typeof options.hostnameOverride === 'string') {
    const name = options.hostnameOverride.trim();
    if (name === '') throw new ConfigError('empty hostname-override is invalid');
    config.hostnameOverride = name.toLowerCase();
  }
  const modeDefaulted = config.mode === '';
  if (modeDefaulted) config.mode = DEFAULT_MODE;
  if (config.mode === 'nftables' && config.nodePortAddresses.length === 0) config.nodePortAddresses = ['primary'];
  if (config.detectLocalMode === '') config.detectLocalMode = 'ClusterCIDR';
  validateConfiguration(config);
  for (const gate of Object.keys(config.featureGates)) {
    if (!KNOWN_FEATURE_GATES.includes(gate)) warnings.push(`feature gate ${gate} is accepted but kproxy has no behaviour behind it`);
  }
  return {
    config,
    ...(configFile ? { configFile } : {}),
    master: typeof options.master === 'string' ? options.master : '',
    cleanup: options.cleanup === true,
    version: options.version === true,
    ...(typeof options.writeConfigTo === 'string' && options.writeConfigTo !== '' ? { writeConfigTo: options.writeConfigTo } : {}),
    strictProxyMode: options.strictProxyMode === true,
    dryRun: options.dryRun === true,
    initOnly: options.initOnly === true,
    modeDefaulted,
    warnings,
  };
}

/** The sync periods and masquerade settings of the configured mode, in ms. Pure. */
export function modeSettings(config: KubeProxyConfiguration): {
  syncPeriodMs: number;
  minSyncPeriodMs: number;
  masqueradeAll: boolean;
  masqueradeBit: number;
} {
  const section = config.mode === 'ipvs' ? config.ipvs : config.mode === 'nftables' ? config.nftables : config.iptables;
  const masq = config.mode === 'nftables' ? config.nftables : config.iptables;
  return {
    syncPeriodMs: section.syncPeriod,
    minSyncPeriodMs: section.minSyncPeriod,
    // A file written for iptables mode (iptables.masqueradeAll) keeps its meaning under nftables.
    masqueradeAll: masq.masqueradeAll || config.iptables.masqueradeAll,
    masqueradeBit: masq.masqueradeBit,
  };
}
