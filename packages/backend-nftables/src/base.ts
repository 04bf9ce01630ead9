import type { Expression, Statement } from '@kproxy/nftables-json';
import type { RenderContext } from './context.ts';
import { isFamilyIP } from './context.ts';
import {
  concat,
  ctStateNew,
  ctStatusDnat,
  daddr,
  fibLocal,
  iifname,
  jump,
  l4proto,
  mark,
  match,
  prefix,
  saddr,
  thDport,
  vmap,
} from './exprs.ts';
import { CHAIN, SET } from './names.ts';
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
    { name: SET.noEndpointServices, type: addrPortType, map: 'verdict', comment: 'service IPs with no usable endpoints' },
    { name: SET.noEndpointNodePorts, type: ['inet_proto', 'inet_service'], map: 'verdict', comment: 'node ports with no usable endpoints' },
    { name: SET.hairpin, type: [ctx.addrType, ctx.addrType], comment: 'endpoint . endpoint pairs to masquerade (hairpin)' },
  ];

  const masqCluster: Statement[][] = ctx.node.masqueradeAll
    ? [[match(daddr(a), `@${SET.clusterIPs}`), jump(CHAIN.markForMasquerade)]]
    : podTrafficMatches(ctx, true).map((m) => [match(daddr(a), `@${SET.clusterIPs}`), ...m, jump(CHAIN.markForMasquerade)]);

  const services: Statement[][] = [...masqCluster, [vmap(svcKey, SET.serviceIPs)]];
  if (nodePortDst) services.push([...nodePortDst, vmap(npKey, SET.serviceNodePorts)]);

  const endpointsCheck: Statement[][] = [[vmap(svcKey, SET.noEndpointServices)]];
  if (nodePortDst) endpointsCheck.push([...nodePortDst, vmap(npKey, SET.noEndpointNodePorts)]);
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
    { name: CHAIN.markForMasquerade, rules: [[{ mangle: { key: mark, value: { '|': [mark, ctx.mark] } } }]] },
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
    { name: CHAIN.rejectChain, rules: [[{ reject: null }]] },
  ];

  const elements: ElementSpec[] = [];
  const npa = ctx.node.nodePortAddresses;
  if (npa.kind === 'ips') {
    for (const ip of new Set(npa.ips.filter((x) => isFamilyIP(x, ctx.family)))) elements.push({ set: SET.nodePortIPs, key: ip });
  }
  return { chains, sets, elements };
}
