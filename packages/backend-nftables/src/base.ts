import type { Expression, Statement } from '@kproxy/nftables-json';
import type { RenderContext } from './context.ts';
import { isFamilyIP } from './context.ts';
import {
  concat,
  ctStateNew,
  dnatMap,
  ctStatusDnat,
  daddr,
  fibLocal,
  iifname,
  jump,
  l4proto,
  mark,
  match,
  numgen,
  prefix,
  saddr,
  thDport,
  vmap,
} from './exprs.ts';
import { CHAIN, countedSet, SET } from './names.ts';
import type { ChainSpec, ElementSpec, SetSpec } from './ruleset.ts';

/** The fixed part of the ruleset: base chains, dispatch chains, maps and the node-level elements. */
export interface BaseObjects {
  readonly chains: readonly ChainSpec[];
  readonly sets: readonly SetSpec[];
  readonly elements: readonly ElementSpec[];
}

/** The match of "this packet comes from a local pod" per the local-traffic detector, negated or not. */
export function podTrafficMatches(ctx: RenderContext, negate: boolean): Statement[][] {
  const op = negate ? '!=' : '==';
  const det = ctx.node.localDetector;
  switch (det.mode) {
    case 'ClusterCIDR':
    case 'NodeCIDR': {
      if (ctx.podCIDRs.length === 0) return [];
      if (negate) {
        // One rule: "not from any pod CIDR". A single CIDR avoids an anonymous set (each costs kernel time).
        const right: Expression =
          ctx.podCIDRs.length === 1 ? prefix(ctx.podCIDRs[0] as string) : { set: ctx.podCIDRs.map(prefix) };
        return [[match(saddr(ctx.addr), right, op)]];
      }
      // Positive form: one rule per CIDR (rules are cheap, anonymous sets are not).
      return ctx.podCIDRs.map((c) => [match(saddr(ctx.addr), prefix(c), op)]);
    }
    case 'BridgeInterface':
      return [[match(iifname, det.interfaceName, op)]];
    case 'InterfaceNamePrefix':
      return [[match(iifname, `${det.interfacePrefix}*`, op)]];
    case 'None':
      return [];
  }
}

/** Node-port destination match: every local address, or the `nodeport-ips` set; undefined when none. */
function nodePortDestination(ctx: RenderContext): Statement[] | undefined {
  const npa = ctx.node.nodePortAddresses;
  if (npa.kind === 'all') {
    // Never on loopback: nftables mode does not support localhost node ports.
    return [fibLocal('daddr'), match(daddr(ctx.addr), prefix(ctx.family === 'ip' ? '127.0.0.0/8' : '::1/128'), '!=')];
  }
  const ips = npa.ips.filter((ip) => isFamilyIP(ip, ctx.family));
  return ips.length === 0 ? undefined : [match(daddr(ctx.addr), `@${SET.nodePortIPs}`)];
}

/** The fixed objects of the table. */
export function baseObjects(ctx: RenderContext): BaseObjects {
  const a = ctx.addr;
  const svcKey = concat(daddr(a), l4proto, thDport);
  const npKey = concat(l4proto, thDport);
  const nodePortDst = nodePortDestination(ctx);
  const addrPortType = [ctx.addrType, 'inet_proto', 'inet_service'];
  const sets: SetSpec[] = [
    { name: SET.clusterIPs, type: ctx.addrType, comment: 'Active ClusterIPs' },
    { name: SET.nodePortIPs, type: ctx.addrType, comment: 'IPs that accept NodePort traffic' },
    { name: SET.serviceIPs, type: addrPortType, map: 'verdict', comment: 'ClusterIP, ExternalIP and LoadBalancer IP traffic' },
    { name: SET.serviceNodePorts, type: ['inet_proto', 'inet_service'], map: 'verdict', comment: 'NodePort traffic' },
    { name: SET.firewallIPs, type: addrPortType, map: 'verdict', comment: 'destinations subject to LoadBalancerSourceRanges' },
    { name: SET.noEndpointServices, type: addrPortType, comment: 'service IPs with no usable endpoints' },
    { name: SET.noEndpointNodePorts, type: ['inet_proto', 'inet_service'], comment: 'node ports with no usable endpoints' },
    { name: SET.hairpin, type: [ctx.addrType, ctx.addrType], comment: 'endpoint . endpoint pairs to masquerade (hairpin)' },
  ];

  // Data-map dispatch (ports with 1 to dataMapLimit endpoints): for each count n, one static rule per kind of
  // entry point matches the keys in a plain set and DNATs through a data map keyed on the key plus a
  // `numgen random mod n` slot. A port added, changed or removed is then set and map elements only: no
  // chain, no rule, so no kernel table validation at commit.
  const markIt: Statement = { mangle: { key: mark, value: { '|': [mark, ctx.mark] } } };
  const clusterRules: Statement[][] = [];
  const externalRules: Statement[][] = [];
  const nodePortDataMapRules: Statement[][] = [];
  if (ctx.dataMapLimit > 0) {
    const slot = numgen(1);
    // The declarations say `tcp dport` where the rules say `th dport` (the same type, inet_service): nft 1.0.6
    // reads `... th dport` map data back from a map's typeof as "conflicting protocols specified: ip vs. th",
    // so any later transaction adding a rule that uses the map would fail.
    const portType: Expression = { payload: { protocol: 'tcp', field: 'dport' } };
    sets.push(
      {
        name: SET.serviceEndpoints,
        type: [...addrPortType, 'integer'],
        map: [ctx.addrType, 'inet_service'],
        typeof: { key: concat(daddr(a), l4proto, portType, slot), data: concat(daddr(a), portType) },
        comment: 'service IP . protocol . port . slot : endpoint . port',
      },
      {
        name: SET.nodePortEndpoints,
        type: ['inet_proto', 'inet_service', 'integer'],
        map: [ctx.addrType, 'inet_service'],
        typeof: { key: concat(l4proto, portType, slot), data: concat(daddr(a), portType) },
        comment: 'protocol . node port . slot : endpoint . port',
      },
    );
    // nft 1.0.6 gives the first rule of a batch that uses a map declared with `... tcp dport` data a hidden
    // `meta l4proto tcp` dependency. So the first rule using each map, in any batch that writes the chain,
    // is a TCP-only copy of the one-endpoint rule: the dependency changes nothing there, and the rules after
    // it (UDP and SCTP included) are written as meant.
    const tcpOnly = match(l4proto, 'tcp');
    clusterRules.push([tcpOnly, match(svcKey, `@${countedSet.clusterIPs(1)}`), dnatMap(a, concat(daddr(a), l4proto, thDport, numgen(1)), SET.serviceEndpoints)]);
    nodePortDataMapRules.push([
      tcpOnly,
      match(npKey, `@${countedSet.nodePorts(1)}`),
      markIt,
      dnatMap(a, concat(l4proto, thDport, numgen(1)), SET.nodePortEndpoints),
    ]);
    for (let n = 1; n <= ctx.dataMapLimit; n++) {
      sets.push({ name: countedSet.clusterIPs(n), type: addrPortType, comment: `ClusterIPs with ${n} endpoint(s)` });
      sets.push({ name: countedSet.externalIPs(n), type: addrPortType, comment: `external and LB IPs with ${n} endpoint(s)` });
      sets.push({ name: countedSet.nodePorts(n), type: ['inet_proto', 'inet_service'], comment: `node ports with ${n} endpoint(s)` });
      const svcDnat = dnatMap(a, concat(daddr(a), l4proto, thDport, numgen(n)), SET.serviceEndpoints);
      clusterRules.push([match(svcKey, `@${countedSet.clusterIPs(n)}`), svcDnat]);
      externalRules.push([match(svcKey, `@${countedSet.externalIPs(n)}`), markIt, svcDnat]);
      nodePortDataMapRules.push([
        match(npKey, `@${countedSet.nodePorts(n)}`),
        markIt,
        dnatMap(a, concat(l4proto, thDport, numgen(n)), SET.nodePortEndpoints),
      ]);
    }
  }

  const masqCluster: Statement[][] = ctx.node.masqueradeAll
    ? [[match(daddr(a), `@${SET.clusterIPs}`), jump(CHAIN.markForMasquerade)]]
    : podTrafficMatches(ctx, true).map((m) => [match(daddr(a), `@${SET.clusterIPs}`), ...m, jump(CHAIN.markForMasquerade)]);

  const services: Statement[][] = [...masqCluster, [vmap(svcKey, SET.serviceIPs)], ...clusterRules, ...externalRules];
  if (nodePortDst) {
    if (nodePortDataMapRules.length === 0) services.push([...nodePortDst, vmap(npKey, SET.serviceNodePorts)]);
    else services.push([...nodePortDst, jump(CHAIN.nodePorts)]);
  }

  // No usable endpoint: REJECT (in the filter hooks: nat chains cannot reject). Plain sets, so that a port
  // losing its last endpoint is an element, not a verdict that makes the kernel validate the table.
  const endpointsCheck: Statement[][] = [[match(svcKey, `@${SET.noEndpointServices}`), { reject: null }]];
  if (nodePortDst) endpointsCheck.push([...nodePortDst, match(npKey, `@${SET.noEndpointNodePorts}`), { reject: null }]);
  // Like kube-proxy's nftables mode: an unknown port or protocol on an allocated ClusterIP is rejected.
  endpointsCheck.push([match(daddr(a), `@${SET.clusterIPs}`), { reject: null }]);
  for (const cidr of ctx.serviceCIDRs) endpointsCheck.push([match(daddr(a), prefix(cidr)), { drop: null }]);

  const checkJump = (target: string): Statement[][] => [[ctStateNew, jump(target)]];
  const chains: ChainSpec[] = [
    { name: CHAIN.filterPreroutingPreDnat, base: { type: 'filter', hook: 'prerouting', prio: -110, policy: 'accept' }, rules: checkJump(CHAIN.firewallCheck) },
    { name: CHAIN.filterOutputPreDnat, base: { type: 'filter', hook: 'output', prio: -110, policy: 'accept' }, rules: checkJump(CHAIN.firewallCheck) },
    { name: CHAIN.filterInput, base: { type: 'filter', hook: 'input', prio: 0, policy: 'accept' }, rules: checkJump(CHAIN.endpointsCheck) },
    { name: CHAIN.filterForward, base: { type: 'filter', hook: 'forward', prio: 0, policy: 'accept' }, rules: checkJump(CHAIN.endpointsCheck) },
    { name: CHAIN.filterOutput, base: { type: 'filter', hook: 'output', prio: 0, policy: 'accept' }, rules: checkJump(CHAIN.endpointsCheck) },
    { name: CHAIN.natPrerouting, base: { type: 'nat', hook: 'prerouting', prio: -100, policy: 'accept' }, rules: [[jump(CHAIN.services)]] },
    { name: CHAIN.natOutput, base: { type: 'nat', hook: 'output', prio: -100, policy: 'accept' }, rules: [[jump(CHAIN.services)]] },
    { name: CHAIN.natPostrouting, base: { type: 'nat', hook: 'postrouting', prio: 100, policy: 'accept' }, rules: [[jump(CHAIN.masquerading)]] },
    { name: CHAIN.services, rules: services },
    { name: CHAIN.firewallCheck, rules: [[vmap(svcKey, SET.firewallIPs)]] },
    { name: CHAIN.endpointsCheck, rules: endpointsCheck },
    { name: CHAIN.markForMasquerade, rules: [[markIt]] },
    {
      name: CHAIN.masquerading,
      rules: [
        // Hairpin: a DNATed packet whose source is its own (new) destination, i.e. an endpoint reaching itself.
        [ctStatusDnat, match(concat(saddr(a), daddr(a)), `@${SET.hairpin}`), { masquerade: { flags: ['fully-random'] } }],
        [match({ '&': [mark, ctx.mark] }, 0), { return: null }],
        [{ mangle: { key: mark, value: { '^': [mark, ctx.mark] } } }],
        [{ masquerade: { flags: ['fully-random'] } }],
      ],
    },
  ];
  if (nodePortDst && nodePortDataMapRules.length > 0) {
    chains.push({ name: CHAIN.nodePorts, rules: [[vmap(npKey, SET.serviceNodePorts)], ...nodePortDataMapRules] });
  }

  const elements: ElementSpec[] = [];
  const npa = ctx.node.nodePortAddresses;
  if (npa.kind === 'ips') {
    for (const ip of new Set(npa.ips.filter((x) => isFamilyIP(x, ctx.family)))) elements.push({ set: SET.nodePortIPs, key: ip });
  }
  return { chains, sets, elements };
}
