import type { IPFamily } from '@kproxy/api';
import { cidrContains, familyOfAddress, familyOfCidr, hostBits, normaliseAddress, nthHost } from './addresses.ts';
import type { AddressPlan, LinkPlan, NamespacePlan, RoutePlan, TopologyPlan, TopologySpec } from './spec.ts';

const DEFAULT_EXTERNAL: Record<IPFamily, string> = { IPv4: '198.51.100.200', IPv6: '2001:db8:ffff::200' };
const DEFAULT_REMOTE: Record<IPFamily, string> = { IPv4: '10.255.255.254', IPv6: 'fd00:ffff::fffe' };
const DEFAULT_NODE_LINK: Record<IPFamily, string> = { IPv4: '10.255.255.253', IPv6: 'fd00:ffff::fffd' };
// Gateway for pods when the node has no pod CIDR of that family (link-scoped, never routed elsewhere).
const FALLBACK_GATEWAY: Record<IPFamily, string> = { IPv4: '169.254.1.1', IPv6: 'fe80::1' };

/** Node-side names: the external link, the node-to-node link, and the prefix of pod veths. */
export const NODE_EXTERNAL_IF = 'ext0';
export const NODE_PEER_IF = 'peer0';
export const POD_VETH_PREFIX = 'veth';
/** The interface name inside every leaf namespace (pods, clients, the remote node's uplink). */
export const LEAF_IF = 'eth0';

function byFamily(addresses: readonly string[], what: string): Map<IPFamily, string> {
  const out = new Map<IPFamily, string>();
  for (const raw of addresses) {
    const ip = normaliseAddress(raw);
    const family = familyOfAddress(ip);
    if (out.has(family)) throw new TypeError(`${what} has two ${family} addresses (${out.get(family)}, ${ip})`);
    out.set(family, ip);
  }
  return out;
}

function hostCidr(ip: string): string {
  return `${ip}/${hostBits(familyOfAddress(ip))}`;
}

/**
 * Turns a topology description into the exact list of namespaces, veth links, addresses and routes to
 * create. Pure: validates the description (families, collisions) and throws a TypeError naming the problem.
 *
 * Layout: the node namespace routes between a per-pod veth for every local endpoint and client (pods get a
 * /32 or /128 and a default route via a gateway address on the node's side, like Calico, so all pod
 * traffic crosses the node's netfilter hooks), an external link to the external client (the node's
 * default route points there; the client does not forward, so unknown destinations are silently lost),
 * and a node-to-node link to a remote node namespace that hosts the remote endpoints the same way.
 */
export function planTopology(spec: TopologySpec): TopologyPlan {
  const prefix = spec.prefix ?? 'kph';
  if (!/^[a-z0-9-]{1,12}$/.test(prefix)) throw new TypeError(`invalid topology prefix ${JSON.stringify(prefix)}`);
  // The first address of each family is the node's primary (next hop for its peers); further ones are
  // secondary addresses on the external link.
  const allNodeAddrs = [...new Set(spec.node.addresses.map(normaliseAddress))];
  const nodeAddr = byFamily(
    allNodeAddrs.filter((ip, i) => allNodeAddrs.findIndex((x) => familyOfAddress(x) === familyOfAddress(ip)) === i),
    `node ${spec.node.name}`,
  );
  const secondary = allNodeAddrs.filter((ip) => ![...nodeAddr.values()].includes(ip));
  if (nodeAddr.size === 0) throw new TypeError(`node ${spec.node.name} has no address`);
  const families = [...nodeAddr.keys()].sort();
  const podCidr = new Map<IPFamily, string>();
  for (const cidr of spec.node.podCIDRs ?? []) {
    const family = familyOfCidr(cidr);
    if (podCidr.has(family)) throw new TypeError(`node ${spec.node.name} has two ${family} pod CIDRs`);
    podCidr.set(family, cidr);
  }
  const gateway = new Map<IPFamily, string>();
  for (const family of families) {
    const cidr = podCidr.get(family);
    gateway.set(family, cidr ? nthHost(cidr, 1) : FALLBACK_GATEWAY[family]);
  }

  const endpoints = (spec.endpoints ?? []).map((e) => ({ ip: normaliseAddress(e.ip), local: e.local }));
  const taken = new Set<string>([...allNodeAddrs, ...gateway.values()]);
  const endpointIps = new Set<string>();
  for (const e of endpoints) {
    const family = familyOfAddress(e.ip);
    if (!nodeAddr.has(family)) throw new TypeError(`endpoint ${e.ip} is ${family} but node ${spec.node.name} has no ${family} address`);
    if (endpointIps.has(e.ip)) throw new TypeError(`endpoint ${e.ip} is listed twice`);
    if ([...gateway.values()].includes(e.ip)) throw new TypeError(`endpoint ${e.ip} collides with the pod gateway address`);
    endpointIps.add(e.ip);
  }

  const namespaces: NamespacePlan[] = [];
  const links: LinkPlan[] = [];
  const addresses: AddressPlan[] = [];
  const routes: RoutePlan[] = [];
  const hosts: Record<string, string> = {};
  const route = (ns: string, dst: string, dev: string, gw?: string): void => {
    const family = dst === 'default' ? familyOfAddress(gw ?? '') : familyOfCidr(dst);
    routes.push({ ns, family, dst, dev, ...(gw ? { gateway: gw } : {}) });
  };

  namespaces.push({ key: 'node', role: 'node', prefix: `${prefix}-node`, addresses: allNodeAddrs, forwarding: true });
  for (const ip of allNodeAddrs) hosts[ip] = 'node';

  const podPrefix = spec.podInterfacePrefix ?? POD_VETH_PREFIX;
  const externalIf = spec.externalInterface ?? NODE_EXTERNAL_IF;
  if (!/^[A-Za-z0-9_-]{1,11}$/.test(podPrefix)) throw new TypeError(`invalid pod interface prefix ${JSON.stringify(podPrefix)}`);
  if (!/^[A-Za-z0-9_-]{1,13}$/.test(externalIf) || externalIf.startsWith(podPrefix) || externalIf === NODE_PEER_IF) {
    throw new TypeError(`invalid external interface name ${JSON.stringify(externalIf)}`);
  }
  let vethIndex = 0;
  // A leaf namespace behind a router (`node` or `remote`): its own veth, /32s, default via the router.
  const attachLeaf = (router: string, routerGateway: Map<IPFamily, string>, leaf: NamespacePlan): void => {
    const routerIf = `${router === 'node' ? podPrefix : POD_VETH_PREFIX}${vethIndex++}`;
    namespaces.push(leaf);
    links.push({ a: router, aIf: routerIf, b: leaf.key, bIf: LEAF_IF });
    const families = new Set(leaf.addresses.map(familyOfAddress));
    for (const family of [...families].sort()) {
      const gw = routerGateway.get(family);
      if (!gw) throw new TypeError(`${leaf.key} has a ${family} address but its router has none`);
      addresses.push({ ns: router, ifname: routerIf, cidr: hostCidr(gw) });
      route(leaf.key, hostCidr(gw), LEAF_IF);
      route(leaf.key, 'default', LEAF_IF, gw);
    }
    for (const ip of leaf.addresses) {
      addresses.push({ ns: leaf.key, ifname: LEAF_IF, cidr: hostCidr(ip) });
      route(router, hostCidr(ip), routerIf);
      hosts[ip] = leaf.key;
    }
  };
  // A client or router on a point-to-point link of the node (external link, node-to-node link).
  const attachPeer = (nodeIf: string, peer: NamespacePlan, peerAddr: Map<IPFamily, string>, ownAddr = nodeAddr): void => {
    namespaces.push(peer);
    links.push({ a: 'node', aIf: nodeIf, b: peer.key, bIf: LEAF_IF });
    for (const ip of ownAddr.values()) addresses.push({ ns: 'node', ifname: nodeIf, cidr: hostCidr(ip) });
    for (const [family, ip] of peerAddr) {
      const own = ownAddr.get(family);
      if (!own) throw new TypeError(`${peer.key} has a ${family} address but node ${spec.node.name} has none`);
      addresses.push({ ns: peer.key, ifname: LEAF_IF, cidr: hostCidr(ip) });
      route('node', hostCidr(ip), nodeIf);
      route(peer.key, hostCidr(own), LEAF_IF);
      route(peer.key, 'default', LEAF_IF, own);
      hosts[ip] = peer.key;
    }
  };

  const checkFree = (ip: string, what: string): string => {
    if (taken.has(ip) || endpointIps.has(ip)) throw new TypeError(`${what} address ${ip} is already in use`);
    taken.add(ip);
    return ip;
  };

  // External client first, so that the node's default route can point at it.
  const external = spec.externalClient
    ? byFamily(spec.externalClient, 'external client')
    : new Map(families.map((f) => [f, DEFAULT_EXTERNAL[f]] as const));
  for (const ip of external.values()) checkFree(ip, 'external client');
  // Secondary node addresses live on the external link too (after the primary, which stays preferred).
  const externalPlan = (): void => {
    for (const ip of secondary) addresses.push({ ns: 'node', ifname: externalIf, cidr: hostCidr(ip) });
  };
  attachPeer(externalIf, { key: 'external-client', role: 'external-client', prefix: `${prefix}-ext`, addresses: [...external.values()], forwarding: false }, external);
  externalPlan();
  for (const ip of external.values()) route('node', 'default', externalIf, ip);

  let index = 0;
  for (const e of endpoints.filter((x) => x.local)) {
    if (allNodeAddrs.includes(e.ip)) continue; // a host-network endpoint: served by the node itself
    taken.add(e.ip);
    attachLeaf('node', gateway, { key: `ep:${e.ip}`, role: 'endpoint', prefix: `${prefix}-ep${index++}`, addresses: [e.ip], forwarding: false });
  }

  const podClient = spec.podClient
    ? byFamily(spec.podClient, 'pod client')
    : defaultPodClient(podCidr, (ip) => taken.has(ip) || endpointIps.has(ip));
  if (podClient.size > 0) {
    for (const ip of podClient.values()) checkFree(ip, 'pod client');
    attachLeaf('node', gateway, { key: 'pod-client', role: 'pod-client', prefix: `${prefix}-pod`, addresses: [...podClient.values()], forwarding: false });
  }

  const remoteEndpoints = endpoints.filter((x) => !x.local);
  if (remoteEndpoints.length > 0) {
    const remote = spec.remoteNode
      ? byFamily(spec.remoteNode, 'remote node')
      : new Map(families.map((f) => [f, DEFAULT_REMOTE[f]] as const));
    for (const ip of remote.values()) {
      if (!endpointIps.has(ip)) checkFree(ip, 'remote node');
    }
    const link = spec.nodeLink
      ? byFamily(spec.nodeLink, 'node link')
      : new Map(families.map((f) => [f, DEFAULT_NODE_LINK[f]] as const));
    for (const ip of link.values()) {
      checkFree(ip, 'node link');
      hosts[ip] = 'node';
    }
    attachPeer(NODE_PEER_IF, { key: 'remote-node', role: 'remote-node', prefix: `${prefix}-rnode`, addresses: [...remote.values()], forwarding: true }, remote, link);
    for (const e of remoteEndpoints) {
      if ([...remote.values()].includes(e.ip)) continue; // host-network endpoint of the remote node
      const via = remote.get(familyOfAddress(e.ip));
      if (!via) throw new TypeError(`remote endpoint ${e.ip} needs a ${familyOfAddress(e.ip)} address on the remote node`);
      taken.add(e.ip);
      attachLeaf('remote-node', remote, { key: `ep:${e.ip}`, role: 'endpoint', prefix: `${prefix}-ep${index++}`, addresses: [e.ip], forwarding: false });
      route('node', hostCidr(e.ip), NODE_PEER_IF, via);
    }
  }

  for (const [clientIndex, client] of (spec.extraClients ?? []).entries()) {
    const addrs = byFamily(client.addresses, `client ${client.name}`);
    for (const ip of addrs.values()) checkFree(ip, `client ${client.name}`);
    const plan: NamespacePlan = {
      key: `client:${client.name}`,
      role: client.role === 'pod' ? 'pod-client' : 'external-client',
      prefix: `${prefix}-cl${clientIndex}`,
      addresses: [...addrs.values()],
      forwarding: false,
    };
    if (client.role === 'pod') attachLeaf('node', gateway, plan);
    else attachPeer(`ext${clientIndex + 1}`, plan, addrs);
  }

  return { namespaces, links, addresses, routes, families, hosts };
}

function defaultPodClient(podCidr: Map<IPFamily, string>, used: (ip: string) => boolean): Map<IPFamily, string> {
  const out = new Map<IPFamily, string>();
  for (const [family, cidr] of podCidr) {
    // A high host of the pod CIDR, skipping addresses already given to endpoints (bounded: 16 tries).
    for (let i = 2; i < 18; i++) {
      const ip = nthHost(cidr, -i);
      if (!used(ip) && cidrContains(cidr, ip)) {
        out.set(family, ip);
        break;
      }
    }
  }
  return out;
}
