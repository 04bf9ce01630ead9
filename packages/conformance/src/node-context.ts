import type { IPFamily, LocalDetector, NodeContext, NodePortAddresses } from '@kproxy/api';
import { DEFAULT_MASQUERADE_BIT } from '@kproxy/api';
import { cidrContains, parseCIDR } from './cidr.ts';
import type { ScenarioNode } from './scenario.ts';

/** What `nodePortAddresses` means when a scenario leaves it unset: kube-proxy's default differs by mode. */
export type NodePortDefault = 'all' | 'primary';

/**
 * The proxy's node facts for one family of a scenario's node, resolved as the daemon resolves its flags:
 * `nodePortAddresses` CIDRs and `primary` become the node IPs they select (the scenario's node IPs are its
 * only local addresses); the detect-local mode becomes a `LocalDetector`. Pure.
 */
export function nodeContextFor(node: ScenarioNode, family: IPFamily, nodePortDefault: NodePortDefault = 'all'): NodeContext {
  const a = node.addresses[family];
  if (!a) throw new Error(`node ${node.name} has no ${family} address`);
  return {
    name: node.name,
    family,
    zone: node.zone,
    nodeIPs: a.nodeIPs,
    nodePortAddresses: nodePortAddressesFor(node.nodePortAddresses, a.nodeIPs, family, nodePortDefault),
    localDetector: localDetectorFor(node, family),
    masqueradeAll: node.masqueradeAll,
    masqueradeBit: DEFAULT_MASQUERADE_BIT,
    features: node.features,
  };
}

function nodePortAddressesFor(
  spec: readonly string[] | undefined,
  nodeIPs: readonly string[],
  family: IPFamily,
  dflt: NodePortDefault,
): NodePortAddresses {
  const entries = spec ?? (dflt === 'primary' ? ['primary'] : undefined);
  if (!entries) return { kind: 'all' };
  const ips = new Set<string>();
  let anyOfFamily = false;
  for (const entry of entries) {
    if (entry === 'primary') {
      ips.add(nodeIPs[0]);
      anyOfFamily = true;
      continue;
    }
    const cidr = parseCIDR(entry);
    if (!cidr || cidr.family !== family) continue;
    anyOfFamily = true;
    for (const ip of nodeIPs) if (cidrContains(cidr, ip)) ips.add(ip);
  }
  // kube-proxy: a list with no entry of this family means "every address" for that family.
  if (!anyOfFamily) return { kind: 'all' };
  return { kind: 'ips', ips: nodeIPs.filter((ip) => ips.has(ip)) };
}

function localDetectorFor(node: ScenarioNode, family: IPFamily): LocalDetector {
  const a = node.addresses[family];
  switch (node.detectLocal) {
    case 'ClusterCIDR':
      return a?.clusterCIDR ? { mode: 'ClusterCIDR', cidrs: [a.clusterCIDR] } : { mode: 'None' };
    case 'NodeCIDR':
      return a?.podCIDR ? { mode: 'NodeCIDR', cidrs: [a.podCIDR] } : { mode: 'None' };
    case 'BridgeInterface':
      return { mode: 'BridgeInterface', interfaceName: node.bridgeInterface as string };
    case 'InterfaceNamePrefix':
      return { mode: 'InterfaceNamePrefix', interfacePrefix: node.interfacePrefix as string };
    default:
      return { mode: 'None' };
  }
}
