import { createHash } from 'node:crypto';
import type { Endpoint, IPFamily, ServicePortName } from '@kproxy/api';

/**
 * Names of the kernel objects the nftables backend owns. Fixed names are constants here; per-service-port
 * names follow kube-proxy's nftables mode: `<prefix>-<HASH8>-<readable name>` where HASH8 is the first
 * 8 characters of base32(sha256(readable name)).
 */

/** Default table name, the same as kube-proxy's nftables mode so runbooks and tooling apply. */
export const DEFAULT_TABLE = 'kube-proxy';

/** Fixed chains. */
export const CHAIN = {
  natPrerouting: 'nat-prerouting',
  natOutput: 'nat-output',
  natPostrouting: 'nat-postrouting',
  filterPreroutingPreDnat: 'filter-prerouting-pre-dnat',
  filterOutputPreDnat: 'filter-output-pre-dnat',
  filterInput: 'filter-input',
  filterForward: 'filter-forward',
  filterOutput: 'filter-output',
  services: 'services',
  firewallCheck: 'firewall-check',
  endpointsCheck: 'endpoints-check',
  markForMasquerade: 'mark-for-masquerade',
  masquerading: 'masquerading',
  /** Node-port dispatch when data maps are on (the node-port destination match is done once, then this). */
  nodePorts: 'nodeports',
} as const;

/** Fixed sets and maps. */
export const SET = {
  clusterIPs: 'cluster-ips',
  nodePortIPs: 'nodeport-ips',
  serviceIPs: 'service-ips',
  serviceNodePorts: 'service-nodeports',
  firewallIPs: 'firewall-ips',
  noEndpointServices: 'no-endpoint-services',
  noEndpointNodePorts: 'no-endpoint-nodeports',
  hairpin: 'hairpin-endpoints',
  serviceEndpoints: 'service-endpoints',
  nodePortEndpoints: 'nodeport-endpoints',
} as const;

/**
 * Per endpoint count n (1 to the data-map limit): service keys whose DNAT picks among n endpoints through
 * the `service-endpoints` / `nodeport-endpoints` data maps. ClusterIPs (`service-ips-n`), external and LB IPs
 * (`external-ips-n`, masqueraded) and node ports (`service-nodeports-n`, masqueraded).
 */
export const countedSet = {
  clusterIPs: (n: number): string => `service-ips-${n}`,
  externalIPs: (n: number): string => `external-ips-${n}`,
  nodePorts: (n: number): string => `service-nodeports-${n}`,
} as const;

/** The endpoint slot maps: their elements hang off counted-set elements (`ElementSpec.slots`). */
export const SLOT_MAPS: ReadonlySet<string> = new Set([SET.serviceEndpoints, SET.nodePortEndpoints]);

const COUNTED = /^(service-ips|external-ips|service-nodeports)-(\d+)$/;

/**
 * A counted set's endpoint count (`service-ips-3` -> 3), the slot map its keys' endpoints are in, and the set
 * whose key space it shares (a service key is dispatched by `service-ips` or by one of the counted sets, never
 * by two, so they are one claim group); undefined for any other set.
 */
export function countedSetOf(set: string): { readonly n: number; readonly slotMap: string; readonly group: string } | undefined {
  const m = COUNTED.exec(set);
  if (!m) return undefined;
  const nodePorts = m[1] === 'service-nodeports';
  return { n: Number(m[2]), slotMap: nodePorts ? SET.nodePortEndpoints : SET.serviceEndpoints, group: nodePorts ? SET.serviceNodePorts : SET.serviceIPs };
}

/**
 * The set whose key space an element of `set` shares (see `countedSetOf`): two ports claiming one key resolve
 * the same way whichever layout each port uses.
 */
export function claimGroup(set: string): string {
  return countedSetOf(set)?.group ?? set;
}

/** Longest hashed base name, as in kube-proxy: leaves room for the longest prefix (`affinity-`). */
const MAX_BASE = 240;

/**
 * A fast 64-bit (two 32-bit FNV-1a lanes) fingerprint in base32, for change detection of chain contents
 * (not for names: names use sha256 like kube-proxy).
 */
export function fingerprint(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  }
  return (a >>> 0).toString(36).padStart(7, '0') + (b >>> 0).toString(36).padStart(7, '0');
}

/** Characters kept verbatim in readable names; anything else becomes `_` (the hash keeps names unique). */
const SAFE = /[^A-Za-z0-9_./-]/g;

/** base32 (RFC 4648 alphabet, like Go's base32.StdEncoding) of the first bytes of sha256(text), 8 characters. */
export function hash8(text: string): string {
  const digest = createHash('sha256').update(text, 'utf8').digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 8) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= 8) break;
  }
  return out;
}

/**
 * kube-proxy's hashAndTruncate: `HASH8-name`, cut to 237 characters plus `...` when longer than 240. The hash
 * is over the full name. Characters outside `[A-Za-z0-9_./-]` are replaced by `_` in the readable part only,
 * so hostile names (quotes, newlines, unicode) never reach a kernel object name.
 */
export function hashAndTruncate(name: string): string {
  const full = `${hash8(name)}-${name.replace(SAFE, '_')}`;
  return full.length > MAX_BASE ? `${full.slice(0, MAX_BASE - 3)}...` : full;
}

/** The readable name of a service port, as kube-proxy spells it: `ns/svc/tcp/port`. */
export function servicePortReadableName(name: ServicePortName): string {
  return `${name.namespace}/${name.name}/${name.protocol.toLowerCase()}/${name.port}`;
}

/** The hashed base of every chain of one service port (`ULMVA6XW-ns1/svc1/tcp/p80`). */
export function servicePortChainBase(name: ServicePortName): string {
  return hashAndTruncate(servicePortReadableName(name));
}

/** The hashed base of an endpoint's objects: `<service port>__<ip with : as .>/<port>`. */
export function endpointChainBase(name: ServicePortName, endpoint: Pick<Endpoint, 'ip' | 'port'>): string {
  return hashAndTruncate(
    `${servicePortReadableName(name)}__${endpoint.ip.replaceAll(':', '.')}/${endpoint.port}`,
  );
}

/** Names of the per-service-port chains. */
export interface ServicePortChains {
  /** DNAT to the cluster endpoint set. */
  readonly service: string;
  /** DNAT to the local endpoint set. */
  readonly local: string;
  /** Entry for node ports, external IPs and LB IPs (masquerade / short-circuit / policy). */
  readonly external: string;
  /** loadBalancerSourceRanges filter. */
  readonly firewall: string;
}

/** The chain names of one service port. */
export function servicePortChains(name: ServicePortName): ServicePortChains {
  const base = servicePortChainBase(name);
  return {
    service: `service-${base}`,
    local: `local-${base}`,
    external: `external-${base}`,
    firewall: `firewall-${base}`,
  };
}

/** Name of the ClientIP affinity set of one endpoint of a service port. */
export function affinitySetName(name: ServicePortName, endpoint: Pick<Endpoint, 'ip' | 'port'>): string {
  return `affinity-${endpointChainBase(name, endpoint)}`;
}

/** The nftables table family for an IP family. */
export function tableFamily(family: IPFamily): 'ip' | 'ip6' {
  return family === 'IPv4' ? 'ip' : 'ip6';
}
