import type { Clock, IPFamily, Logger, ProxyState, Reason } from '@kproxy/api';
import { StateBuilder } from '@kproxy/state';
import type { DetectLocalMode } from '@kproxy/state';
import { createWatcher, loadKubeConfig } from '@kproxy/watch';
import type { KubeWatcher } from '@kproxy/watch';
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '@kproxy/api';
import type { KubeProxyConfiguration } from '../config/kube-proxy-configuration.ts';
import { modeSettings } from '../config/resolve.ts';
import { localAddresses } from './node-info.ts';

/**
 * How to reach the API server, as kube-proxy's `BuildConfigFromFlags(master, kubeconfig)`: the kubeconfig
 * file with `--master` overriding its server; `--master` alone (no credentials); else the default loading
 * (in-cluster service account, $KUBECONFIG, ~/.kube/config). Throws `ConfigError`.
 */
export function kubeConfigFor(config: KubeProxyConfiguration, master: string): KubeConfig {
  const path = config.clientConnection.kubeconfig;
  if (master && !path) {
    let url: URL;
    try {
      url = new URL(master);
    } catch {
      throw new ConfigError(`--master ${JSON.stringify(master)} is not a URL`);
    }
    const kc = new KubeConfig();
    // client-node refuses plain http unless TLS verification is off; there is no TLS to verify then.
    kc.loadFromOptions({
      clusters: [{ name: 'master', server: url.toString().replace(/\/$/, ''), skipTLSVerify: url.protocol === 'http:' }],
      users: [{ name: 'anonymous' }],
      contexts: [{ name: 'master', cluster: 'master', user: 'anonymous' }],
      currentContext: 'master',
    });
    return kc;
  }
  const kc = loadKubeConfig({ ...(path ? { kubeconfigPath: path } : {}), ...(master ? { masterUrl: master } : {}) });
  if (master.startsWith('http:')) {
    const clusters = kc.clusters.map((c) => (c.server === master ? { ...c, skipTLSVerify: true } : c));
    const next = new KubeConfig();
    next.loadFromOptions({ clusters, users: kc.users, contexts: kc.contexts, currentContext: kc.currentContext });
    return next;
  }
  return kc;
}

/** The watch layer for the daemon, configured like kube-proxy's informers. */
export function watcherFor(
  config: KubeProxyConfiguration,
  kubeConfig: KubeConfig,
  node: string,
  logger: Logger,
  clock: Clock,
): KubeWatcher {
  return createWatcher({
    kubeConfig,
    nodeName: node,
    qps: config.clientConnection.qps,
    burst: config.clientConnection.burst,
    resyncPeriodMs: config.configSyncPeriod,
    logger,
    clock,
  });
}

/** One state builder for `family`, with the proxy's options. */
export function stateBuilderFor(config: KubeProxyConfiguration, family: IPFamily, node: string): StateBuilder {
  const { masqueradeAll, masqueradeBit } = modeSettings(config);
  const bind = config.bindAddress;
  const specific = bind !== '0.0.0.0' && bind !== '::' ? [bind] : [];
  return new StateBuilder({
    family,
    node: {
      hostname: node,
      ...(specific.length > 0 ? { nodeIPs: specific } : {}),
      detectLocalMode: config.detectLocalMode as DetectLocalMode,
      clusterCIDRs: config.clusterCIDR === '' ? [] : config.clusterCIDR.split(',').map((s) => s.trim()),
      bridgeInterface: config.detectLocal.bridgeInterface,
      interfaceNamePrefix: config.detectLocal.interfaceNamePrefix,
      nodePortAddresses: config.nodePortAddresses,
      localAddresses: localAddresses(),
      masqueradeAll,
      masqueradeBit,
      features: config.featureGates,
    },
  });
}

/**
 * One-shot: lists the cluster once (for `explain` and `diff`), builds the state of each family, and stops
 * watching. Rejects with `ConfigError` when the API server does not answer within `timeoutMs`.
 */
export async function loadStates(options: {
  readonly config: KubeProxyConfiguration;
  readonly kubeConfig: KubeConfig;
  readonly node: string;
  readonly families: readonly IPFamily[];
  readonly logger: Logger;
  readonly clock: Clock;
  readonly timeoutMs?: number;
}): Promise<{
  states: Map<IPFamily, ProxyState>;
  reasons: Reason[];
  /** Reasons recorded for the Service (`namespace/name`) of a family while building it. */
  reasonsFor: (family: IPFamily, serviceKey: string) => readonly Reason[];
}> {
  const watcher = watcherFor(options.config, options.kubeConfig, options.node, options.logger, options.clock);
  const timeoutMs = options.timeoutMs ?? 15_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      watcher.start(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new ConfigError(`the API server did not answer within ${timeoutMs / 1000}s`)), timeoutMs);
      }),
    ]);
    const batch = watcher.checkout();
    const states = new Map<IPFamily, ProxyState>();
    const builders = new Map<IPFamily, StateBuilder>();
    const reasons: Reason[] = [];
    for (const family of options.families) {
      const builder = stateBuilderFor(options.config, family, options.node);
      const update = builder.update(batch.snapshot, batch.changedServices, true);
      builders.set(family, builder);
      states.set(family, update.state);
      reasons.push(...update.reasons);
    }
    return { states, reasons, reasonsFor: (family, key) => builders.get(family)?.reasonsFor(key) ?? [] };
  } finally {
    if (timer) clearTimeout(timer);
    await watcher.stop();
  }
}
