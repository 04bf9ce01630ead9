import type { IPFamily, KubeNode, LocalDetector, NodeContext, NodePortAddresses, Reason } from '@kproxy/api';
import { DEFAULT_MASQUERADE_BIT, LABEL_TOPOLOGY_ZONE } from '@kproxy/api';
import { parseIP } from '@kproxy/endpoints';
import type { ParsedIP } from '@kproxy/endpoints';
import { cidrContains, isZeroCIDR, parseCIDR } from './cidr.ts';
import type { ParsedCIDR } from './cidr.ts';
import { STATE_REASONS as R } from './reason-codes.ts';

/** kube-proxy's `--detect-local-mode` values. */
export type DetectLocalMode = 'None' | 'ClusterCIDR' | 'NodeCIDR' | 'BridgeInterface' | 'InterfaceNamePrefix';

/** Proxy options and host facts `nodeContextFrom` combines with the Node object. */
export interface NodeContextOptions {
  /** The node name the proxy runs as (`--hostname-override` or the host name). */
  readonly hostname: string;
  /**
   * The node's IPs (`--bind-address` / detected). For a family they do not cover (or when absent), the Node's
   * addresses are used: InternalIP first, then ExternalIP.
   */
  readonly nodeIPs?: readonly string[];
  /** `--detect-local-mode`; `''` means None. */
  readonly detectLocalMode: DetectLocalMode | '';
  /** `--cluster-cidr` entries, both families (ClusterCIDR mode). */
  readonly clusterCIDRs: readonly string[];
  /** Pod CIDRs of this node (NodeCIDR mode); when absent, taken from the Node's `spec.podCIDRs`. */
  readonly podCIDRs?: readonly string[];
  /** `--pod-bridge-interface` (BridgeInterface mode). */
  readonly bridgeInterface?: string;
  /** `--pod-interface-name-prefix` (InterfaceNamePrefix mode). */
  readonly interfaceNamePrefix?: string;
  /**
   * `--nodeport-addresses`: CIDRs and/or `primary` (the node's primary IP of the family). Empty: every
   * local address. Entries of the other family are ignored; if none is left, or one is a zero CIDR, every
   * local address is used.
   */
  readonly nodePortAddresses: readonly string[];
  /**
   * The host's own interface addresses (gathered by the daemon), used to resolve `nodePortAddresses` CIDRs
   * into IPs. When absent, the node IPs are matched instead.
   */
  readonly localAddresses?: readonly string[];
  readonly masqueradeAll: boolean;
  /** Default 14 (mark 0x4000). */
  readonly masqueradeBit?: number;
  readonly features: Readonly<Record<string, boolean>>;
  /** Receives a reason for every invalid option entry that was skipped. */
  readonly onReason?: (reason: Reason) => void;
}

/**
 * Builds the NodeContext of one family from the proxy's own Node (may be unknown yet) and the options:
 * name (`hostname`), zone (`topology.kubernetes.io/zone` label), node IPs of the family (options first,
 * else the Node's InternalIPs then ExternalIPs), the node-port addresses (see `NodeContextOptions`), the
 * local-traffic detector for the family (ClusterCIDR / NodeCIDR without a CIDR of the family is None, as
 * kube-proxy does), masquerade settings and feature switches. Invalid entries are reported through
 * `onReason` and skipped. Pure; never throws.
 */
export function nodeContextFrom(node: KubeNode | undefined, family: IPFamily, options: NodeContextOptions): NodeContext {
  const report = options.onReason ?? (() => undefined);
  const zone = node?.metadata?.labels?.[LABEL_TOPOLOGY_ZONE];
  const nodeIPs = resolveNodeIPs(node, family, options, report);
  const context: { -readonly [K in keyof NodeContext]: NodeContext[K] } = {
    name: options.hostname,
    family,
    nodeIPs: nodeIPs.map((ip) => ip.ip),
    nodePortAddresses: resolveNodePortAddresses(family, nodeIPs, options, report),
    localDetector: resolveLocalDetector(node, family, options, report),
    masqueradeAll: options.masqueradeAll,
    masqueradeBit: options.masqueradeBit ?? DEFAULT_MASQUERADE_BIT,
    features: { ...options.features },
  };
  if (typeof zone === 'string' && zone !== '') context.zone = zone;
  return context;
}

function resolveNodeIPs(
  node: KubeNode | undefined,
  family: IPFamily,
  options: NodeContextOptions,
  report: (r: Reason) => void,
): ParsedIP[] {
  // Explicit node IPs win for their family; a family they do not cover comes from the Node object (as
  // kube-proxy uses a specific bind address for its family and the Node's addresses otherwise).
  const explicit = familyIPs(options.nodeIPs ?? [], family, report);
  if (explicit.length > 0) return explicit;
  const addresses = Array.isArray(node?.status?.addresses) ? (node?.status?.addresses ?? []) : [];
  const texts = [
    ...addresses.filter((a) => a?.type === 'InternalIP').map((a) => a.address),
    ...addresses.filter((a) => a?.type === 'ExternalIP').map((a) => a.address),
  ];
  return familyIPs(texts, family, report);
}

function familyIPs(texts: readonly string[], family: IPFamily, report: (r: Reason) => void): ParsedIP[] {
  const seen = new Set<string>();
  const out: ParsedIP[] = [];
  for (const text of Array.isArray(texts) ? texts : []) {
    const ip = typeof text === 'string' ? parseIP(text.trim()) : undefined;
    if (!ip) {
      report({ code: R.InvalidNodeOption, message: `invalid node IP ${JSON.stringify(text)}; skipped`, subject: String(text) });
      continue;
    }
    if (ip.family !== family || seen.has(ip.ip)) continue;
    seen.add(ip.ip);
    out.push(ip);
  }
  return out;
}

function resolveNodePortAddresses(
  family: IPFamily,
  nodeIPs: readonly ParsedIP[],
  options: NodeContextOptions,
  report: (r: Reason) => void,
): NodePortAddresses {
  const cidrs: ParsedCIDR[] = [];
  const ips = new Set<string>();
  let any = false;
  for (const raw of options.nodePortAddresses) {
    const entry = typeof raw === 'string' ? raw.trim() : '';
    if (entry === 'primary') {
      // The node's primary IP of this family, as kube-proxy turns `primary` into the node IPs' host CIDRs.
      const primary = nodeIPs[0];
      if (primary) {
        any = true;
        ips.add(primary.ip);
      }
      continue;
    }
    const cidr = parseCIDR(entry);
    if (!cidr) {
      report({
        code: R.InvalidNodeOption,
        message: `invalid nodePortAddresses entry ${JSON.stringify(raw)}; skipped`,
        subject: String(raw),
      });
      continue;
    }
    if (cidr.family !== family) continue;
    any = true;
    if (isZeroCIDR(cidr)) return { kind: 'all' };
    cidrs.push(cidr);
  }
  if (!any) return { kind: 'all' };
  if (cidrs.length > 0) {
    const candidates = options.localAddresses
      ? options.localAddresses.map((a) => parseIP(typeof a === 'string' ? a.trim() : '')).filter((a) => a !== undefined)
      : nodeIPs;
    for (const ip of candidates) {
      if (ip.family === family && cidrs.some((c) => cidrContains(c, ip.bytes))) ips.add(ip.ip);
    }
  }
  return { kind: 'ips', ips: [...ips].sort() };
}

function resolveLocalDetector(
  node: KubeNode | undefined,
  family: IPFamily,
  options: NodeContextOptions,
  report: (r: Reason) => void,
): LocalDetector {
  switch (options.detectLocalMode) {
    case 'ClusterCIDR': {
      const cidrs = familyCIDRs(options.clusterCIDRs, family, report, 'cluster CIDR');
      return cidrs.length > 0 ? { mode: 'ClusterCIDR', cidrs } : { mode: 'None' };
    }
    case 'NodeCIDR': {
      const source =
        options.podCIDRs && options.podCIDRs.length > 0
          ? options.podCIDRs
          : (node?.spec?.podCIDRs ?? (node?.spec?.podCIDR ? [node.spec.podCIDR] : []));
      const cidrs = familyCIDRs(source, family, report, 'pod CIDR');
      return cidrs.length > 0 ? { mode: 'NodeCIDR', cidrs } : { mode: 'None' };
    }
    case 'BridgeInterface':
      if (options.bridgeInterface) return { mode: 'BridgeInterface', interfaceName: options.bridgeInterface };
      report({ code: R.InvalidNodeOption, message: 'detectLocalMode BridgeInterface without a bridge interface name; using None' });
      return { mode: 'None' };
    case 'InterfaceNamePrefix':
      if (options.interfaceNamePrefix) return { mode: 'InterfaceNamePrefix', interfacePrefix: options.interfaceNamePrefix };
      report({ code: R.InvalidNodeOption, message: 'detectLocalMode InterfaceNamePrefix without an interface prefix; using None' });
      return { mode: 'None' };
    default:
      return { mode: 'None' };
  }
}

function familyCIDRs(
  texts: readonly string[],
  family: IPFamily,
  report: (r: Reason) => void,
  what: string,
): string[] {
  const out = new Set<string>();
  for (const raw of Array.isArray(texts) ? texts : []) {
    const cidr = parseCIDR(typeof raw === 'string' ? raw.trim() : '');
    if (!cidr) {
      report({ code: R.InvalidNodeOption, message: `invalid ${what} ${JSON.stringify(raw)}; skipped`, subject: String(raw) });
      continue;
    }
    if (cidr.family === family) out.add(cidr.cidr);
  }
  return [...out];
}
