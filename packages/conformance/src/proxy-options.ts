import type { IPFamily } from '@kproxy/api';
import type { NodeContextOptions } from '@kproxy/state';
import type { ScenarioNode } from './scenario.ts';

/** What `nodePortAddresses` means when a scenario leaves it unset: kube-proxy's default differs by mode. */
export type NodePortDefault = 'all' | 'primary';

/**
 * The proxy options a scenario's node stands for, as @kproxy/state's `nodeContextFrom` takes them (the same
 * values the daemon would get from its flags: `--hostname-override`, `--detect-local-mode`,
 * `--cluster-cidr`, `--nodeport-addresses`, `--masquerade-all`, `--feature-gates`). The node's IPs are its
 * only local addresses. Pure.
 */
export function proxyOptionsFor(node: ScenarioNode, nodePortDefault: NodePortDefault = 'all'): Omit<NodeContextOptions, 'onReason'> {
  const families: IPFamily[] = [...node.families];
  const each = (pick: (f: IPFamily) => string | undefined) =>
    families.map(pick).filter((v): v is string => v !== undefined);
  const nodeIPs = families.flatMap((f) => node.addresses[f]?.nodeIPs ?? []);
  return {
    hostname: node.name,
    nodeIPs,
    detectLocalMode: node.detectLocal,
    clusterCIDRs: each((f) => node.addresses[f]?.clusterCIDR),
    podCIDRs: each((f) => node.addresses[f]?.podCIDR),
    ...(node.bridgeInterface ? { bridgeInterface: node.bridgeInterface } : {}),
    ...(node.interfacePrefix ? { interfaceNamePrefix: node.interfacePrefix } : {}),
    nodePortAddresses: node.nodePortAddresses ?? (nodePortDefault === 'primary' ? ['primary'] : []),
    localAddresses: nodeIPs,
    masqueradeAll: node.masqueradeAll,
    features: node.features,
  };
}
