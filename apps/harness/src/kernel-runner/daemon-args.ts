import type { ScenarioNode } from '@kproxy/conformance';

/** How the harness runs the daemon (see /work/coord/daemon.md). */
export interface DaemonArgsOptions {
  readonly kubeconfig: string;
  /** `--proxy-mode`. */
  readonly backend: string;
  readonly healthzBindAddress: string;
  readonly metricsBindAddress: string;
  /** Sync periods as kube-proxy durations (`100ms`, `5s`). */
  readonly minSyncPeriod: string;
  readonly syncPeriod: string;
  readonly verbosity: number;
}

/** The kube-proxy command line for a scenario's node. Pure. */
export function daemonArgs(node: ScenarioNode, o: DaemonArgsOptions): string[] {
  // kube-proxy has no `None` mode: ClusterCIDR without any cluster CIDR is its no-op local detector.
  const none = node.detectLocal === 'None';
  const clusterCIDRs = none ? [] : node.families.flatMap((f) => (node.addresses[f]?.clusterCIDR ? [node.addresses[f]!.clusterCIDR!] : []));
  const periodFlag = o.backend === 'ipvs' ? 'ipvs' : o.backend === 'iptables' ? 'iptables' : 'nftables';
  const args = [
    '--kubeconfig', o.kubeconfig,
    '--hostname-override', node.name,
    '--proxy-mode', o.backend,
    '--detect-local-mode', none ? 'ClusterCIDR' : node.detectLocal,
    '--healthz-bind-address', o.healthzBindAddress,
    '--metrics-bind-address', o.metricsBindAddress,
    `--${periodFlag}-min-sync-period`, o.minSyncPeriod,
    `--${periodFlag}-sync-period`, o.syncPeriod,
    `-v=${o.verbosity}`,
  ];
  if (clusterCIDRs.length > 0) args.push('--cluster-cidr', clusterCIDRs.join(','));
  if (node.detectLocal === 'InterfaceNamePrefix' && node.interfacePrefix) args.push('--pod-interface-name-prefix', node.interfacePrefix);
  if (node.detectLocal === 'BridgeInterface' && node.bridgeInterface) args.push('--pod-bridge-interface', node.bridgeInterface);
  if (node.nodePortAddresses && node.nodePortAddresses.length > 0) args.push('--nodeport-addresses', node.nodePortAddresses.join(','));
  if (node.masqueradeAll) args.push('--masquerade-all');
  const gates = Object.entries(node.features).map(([k, v]) => `${k}=${v}`);
  if (gates.length > 0) args.push('--feature-gates', gates.join(','));
  return args;
}
