import { ConfigError } from '@kproxy/api';
import type { NodeContext, ProxyState } from '@kproxy/api';
import { NFT_KEYWORDS } from '@kproxy/nftables-json';
import ipaddr from 'ipaddr.js';
import type { AddrProto } from './exprs.ts';
import { DEFAULT_TABLE, tableFamily } from './names.ts';

/** Options of the nftables renderer and backend. */
export interface NftablesRenderOptions {
  /** Table name in each family. Default `kube-proxy`. */
  readonly table?: string;
  /**
   * Service CIDRs of this family. When given, packets to an unallocated IP inside them are dropped (as in
   * kube-proxy's nftables mode); without them, such packets are left alone.
   */
  readonly serviceCIDRs?: readonly string[];
  /**
   * Dispatch service ports with few endpoints through data maps instead of per-port chains (default true;
   * see the README, "Ruleset layout"). Needs the text wire: nft 1.0.6 cannot declare the maps in JSON.
   */
  readonly dataMaps?: boolean;
}

/** Most endpoints a port may have and still be dispatched through the data maps (one static rule per count). */
export const DATA_MAP_MAX_ENDPOINTS = 16;

/** Everything the renderer derives once per state from the node context and options. */
export interface RenderContext {
  readonly table: string;
  readonly family: 'ip' | 'ip6';
  readonly addr: AddrProto;
  /** Set type of one address (`ipv4_addr`). */
  readonly addrType: string;
  readonly node: NodeContext;
  readonly mark: number;
  readonly serviceCIDRs: readonly string[];
  /** Pod CIDRs of the local-traffic detector (ClusterCIDR / NodeCIDR modes), filtered to the family. */
  readonly podCIDRs: readonly string[];
  /** Most endpoints of a port dispatched through the data maps; 0: every port has its chains. */
  readonly dataMapLimit: number;
}

/** True when `ip` is a valid address of the family (no CIDR). */
export function isFamilyIP(ip: string, family: 'ip' | 'ip6'): boolean {
  if (family === 'ip') {
    // Hot path (every endpoint of every service): a regex and range check instead of a full parse.
    const m = IPV4.exec(ip);
    return m !== null && m.slice(1).every((o) => Number(o) <= 255 && (o.length === 1 || o[0] !== '0'));
  }
  return ip.includes(':') && ipaddr.IPv6.isValid(ip);
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** True when `cidr` is a valid CIDR of the family. */
export function isFamilyCIDR(cidr: string, family: 'ip' | 'ip6'): boolean {
  const slash = cidr.indexOf('/');
  if (slash < 0) return false;
  const len = cidr.slice(slash + 1);
  if (!/^\d{1,3}$/.test(len)) return false;
  return isFamilyIP(cidr.slice(0, slash), family) && Number(len) <= (family === 'ip' ? 32 : 128);
}

/** True when `ip` lies inside `cidr` (both of one family, already validated). */
export function cidrContains(cidr: string, ip: string): boolean {
  try {
    const [range, len] = ipaddr.parseCIDR(cidr);
    const addr = ipaddr.parse(ip);
    return addr.kind() === range.kind() && addr.match(range, len);
  } catch {
    return false;
  }
}

/** Network address of a CIDR (nft refuses prefixes with host bits set). */
export function networkOf(cidr: string): string {
  const [range, len] = ipaddr.parseCIDR(cidr);
  const bytes = range.toByteArray();
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, len - i * 8));
    bytes[i] = (bytes[i] as number) & ((0xff << (8 - keep)) & 0xff);
  }
  return `${ipaddr.fromByteArray(bytes).toString()}/${len}`;
}

/** Builds the render context; throws ConfigError for node facts or options nft could not express safely. */
export function renderContext(state: ProxyState, options: NftablesRenderOptions = {}): RenderContext {
  const family = tableFamily(state.family);
  const table = options.table ?? DEFAULT_TABLE;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(table)) throw new ConfigError(`invalid nftables table name ${JSON.stringify(table)}`);
  const node = state.node;
  const bit = node.masqueradeBit;
  if (!Number.isInteger(bit) || bit < 0 || bit > 31) throw new ConfigError(`invalid masquerade bit ${String(bit)}`);
  const cidrs = (list: readonly string[], what: string): string[] =>
    list.map((c) => c.trim()).filter((c) => {
      if (isFamilyCIDR(c, family)) return true;
      if (!c.includes(family === 'ip' ? ':' : '.')) throw new ConfigError(`invalid ${what} ${JSON.stringify(c)}`);
      return false; // other family: not ours
    }).map(networkOf);
  const det = node.localDetector;
  if (det.mode === 'BridgeInterface' && !/^[A-Za-z0-9_.:-]{1,15}$/.test(det.interfaceName)) {
    throw new ConfigError(`invalid bridge interface name ${JSON.stringify(det.interfaceName)}`);
  }
  if (det.mode === 'InterfaceNamePrefix' && !/^[A-Za-z0-9_.:-]{1,14}$/.test(det.interfacePrefix)) {
    throw new ConfigError(`invalid interface name prefix ${JSON.stringify(det.interfacePrefix)}`);
  }
  return {
    table,
    family,
    addr: family,
    addrType: family === 'ip' ? 'ipv4_addr' : 'ipv6_addr',
    node,
    mark: (1 << bit) >>> 0,
    serviceCIDRs: cidrs(options.serviceCIDRs ?? [], 'service CIDR'),
    podCIDRs: det.mode === 'ClusterCIDR' || det.mode === 'NodeCIDR' ? cidrs(det.cidrs, 'pod CIDR') : [],
    // A table named like an nft keyword goes to nft as JSON, which cannot declare the data maps.
    dataMapLimit: options.dataMaps === false || NFT_KEYWORDS.has(table) ? 0 : DATA_MAP_MAX_ENDPOINTS,
  };
}
