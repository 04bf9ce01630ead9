import type { Endpoint, ServicePort } from '@kproxy/api';
import type { Expression, Statement } from '@kproxy/nftables-json';
import { podTrafficMatches } from './base.ts';
import type { RenderContext } from './context.ts';
import { cidrContains, isFamilyCIDR, isFamilyIP, networkOf } from './context.ts';
import {
  concat,
  dnat,
  dropVerdict,
  fibLocal,
  goto,
  gotoVerdict,
  jump,
  l4proto,
  match,
  numgenIs,
  prefix,
  saddr,
} from './exprs.ts';
import { affinitySetName, CHAIN, countedSet, fingerprint, SET, servicePortChains } from './names.ts';
import { rulesId, setSpecId } from './ruleset.ts';
import type { ChainSpec, ElementSpec, PortObjects, SetSpec } from './ruleset.ts';

/** Shared statement objects (serialised the same; fewer allocations on large renders). */
const PROTO_MATCH: Readonly<Record<string, Statement>> = {
  TCP: match(l4proto, 'tcp'),
  UDP: match(l4proto, 'udp'),
  SCTP: match(l4proto, 'sctp'),
};
const NUMGEN_FIRST: Statement[] = [];
function numgenFirst(mod: number): Statement {
  return (NUMGEN_FIRST[mod] ??= numgenIs(mod, 0));
}

/** True when kube-proxy would call the endpoint usable: ready, or serving and terminating. */
function usable(e: Endpoint): boolean {
  return e.ready || (e.serving && e.terminating);
}

/** Objects of a service port, plus what was skipped as invalid. */
export interface RenderedPort extends PortObjects {
  /** Values that were dropped because nft could not express them (invalid IPs, ports, CIDRs). */
  readonly problems: readonly string[];
}

/**
 * Renders one service port. Pure and deterministic: the same port and context always give the same
 * objects, which is what lets partial syncs diff two renders of one port.
 */
export function renderServicePort(sp: ServicePort, ctx: RenderContext): RenderedPort {
  const problems: string[] = [];
  const fam = ctx.family;
  const okIP = (ip: string, what: string): boolean => {
    if (isFamilyIP(ip, fam)) return true;
    problems.push(`${what} ${JSON.stringify(ip)}`);
    return false;
  };
  const okPort = (p: number): boolean => Number.isInteger(p) && p > 0 && p < 65536;
  const chainsOf = servicePortChains(sp.name);
  const proto = sp.protocol.toLowerCase();
  const chains: ChainSpec[] = [];
  const sets: SetSpec[] = [];
  const elements: ElementSpec[] = [];
  const hairpin = new Set<string>();
  const clusterIPs: string[] = [];

  if (!okPort(sp.port)) {
    problems.push(`port ${String(sp.port)}`);
    return { chains, sets, elements, clusterIPs, hairpinIPs: [], problems };
  }
  const clusterIP = okIP(sp.clusterIP, 'cluster IP') ? sp.clusterIP : undefined;
  const externalIPs = [...new Set(sp.externalIPs.filter((ip) => okIP(ip, 'external IP')))];
  const lbIPs = [...new Set(sp.loadBalancerIPs.filter((ip) => okIP(ip, 'load-balancer IP')))];
  const nodePort = sp.nodePort > 0 && okPort(sp.nodePort) ? sp.nodePort : 0;
  const externallyAccessible = nodePort > 0 || externalIPs.length > 0 || lbIPs.length > 0;
  const externalLocal = sp.externalPolicyLocal && externallyAccessible;
  const usesCluster = !sp.internalPolicyLocal || externallyAccessible;
  const usesLocal = sp.internalPolicyLocal || externalLocal;
  const validEp = (e: Endpoint): boolean => okIP(e.ip, 'endpoint IP') && okPort(e.port);
  const clusterEps = usesCluster ? sp.selection.clusterEndpoints.filter(validEp) : [];
  const localEps = usesLocal ? sp.selection.localEndpoints.filter(validEp) : [];
  const usableAnywhere =
    sp.endpoints.some(usable) || sp.selection.clusterEndpoints.length > 0 || sp.selection.localEndpoints.length > 0;

  const svcKey = (ip: string) => concat(ip, proto, sp.port);
  const affinity = sp.sessionAffinity.type === 'ClientIP' ? sp.sessionAffinity.timeoutSeconds : 0;

  // DNAT among `eps` with uniform probability: rule i matches with probability 1/(n-i) given that the
  // earlier ones did not (the iptables `statistic` trick), the last one unconditionally. No per-service
  // sets or maps: those cost about a millisecond each in the kernel, rules are cheap.
  const protoMatch = PROTO_MATCH[sp.protocol] ?? match(l4proto, proto);
  const src = saddr(ctx.addr);
  const dnatChain = (name: string, eps: readonly Endpoint[]): ChainSpec => {
    const rules: Statement[][] = [];
    const affSets = affinity ? eps.map((e) => `@${affinitySetName(sp.name, e)}`) : [];
    const tail = (e: Endpoint, i: number): Statement[] =>
      affinity
        ? [{ set: { op: 'update', elem: src, set: affSets[i] as string } }, protoMatch, dnat(e.ip, e.port)]
        : [protoMatch, dnat(e.ip, e.port)];
    if (affinity) eps.forEach((e, i) => rules.push([match(src, affSets[i] as string), ...tail(e, i)]));
    eps.forEach((e, i) => {
      const left = eps.length - i;
      rules.push(left > 1 ? [numgenFirst(left), ...tail(e, i)] : tail(e, i));
    });
    for (const e of eps) hairpin.add(e.ip);
    // The rules are a function of exactly these inputs: fingerprint them instead of the rules' JSON (the
    // version tag changes whenever the rule shapes above change).
    const fp = `kp:${fingerprint(`dnat-v1|${ctx.family}|${proto}|${affinity}|${affSets.join(',')}|${eps.map((e) => `${e.ip}:${e.port}`).join(',')}`)}`;
    return { name, rules, fp };
  };

  if (clusterIP) clusterIPs.push(clusterIP);

  // Data-map dispatch: no chain and no rule of the port's own, only elements (see base.ts). Ports that need
  // per-port rules (ClientIP affinity, Local external policy) or have many endpoints keep their chains.
  const limit = ctx.dataMapLimit;
  const mapped = usableAnywhere && !affinity && !externalLocal && clusterEps.length <= limit && localEps.length <= limit;

  if (!usableAnywhere) {
    // No usable endpoint anywhere: REJECT from every entry point (the filter hooks match these sets).
    for (const ip of [...(clusterIP ? [clusterIP] : []), ...externalIPs, ...lbIPs]) {
      elements.push({ set: SET.noEndpointServices, key: svcKey(ip) });
    }
    if (nodePort) elements.push({ set: SET.noEndpointNodePorts, key: concat(proto, nodePort) });
  } else if (mapped) {
    // One key: its counted-set element and one slot element per endpoint, or `drop` without endpoints.
    const slots = (eps: readonly Endpoint[], counted: string, dispatch: string, key: Expression, slotMap: string, keyParts: Expression[]) => {
      if (eps.length === 0) {
        elements.push({ set: dispatch, key, value: dropVerdict });
        return;
      }
      const slotList = eps.map((e, i): ElementSpec => ({ set: slotMap, key: concat(...keyParts, i), value: concat(e.ip, e.port) }));
      const fp = fingerprint(`slots-v1|${eps.map((e) => `${e.ip}:${e.port}`).join(',')}`);
      elements.push({ set: counted, key, comment: `kp:${fp}`, slots: slotList });
      for (const e of eps) hairpin.add(e.ip);
    };
    if (clusterIP) {
      const eps = sp.internalPolicyLocal ? localEps : clusterEps;
      slots(eps, countedSet.clusterIPs(eps.length), SET.serviceIPs, svcKey(clusterIP), SET.serviceEndpoints, [clusterIP, proto, sp.port]);
    }
    for (const ip of [...externalIPs, ...lbIPs]) {
      slots(clusterEps, countedSet.externalIPs(clusterEps.length), SET.serviceIPs, svcKey(ip), SET.serviceEndpoints, [ip, proto, sp.port]);
    }
    if (nodePort) {
      slots(clusterEps, countedSet.nodePorts(clusterEps.length), SET.serviceNodePorts, concat(proto, nodePort), SET.nodePortEndpoints, [proto, nodePort]);
    }
  } else {
    const hasService = clusterEps.length > 0;
    const hasLocal = localEps.length > 0;
    if (hasService) chains.push(dnatChain(chainsOf.service, clusterEps));
    if (hasLocal) chains.push(dnatChain(chainsOf.local, localEps));
    if (clusterIP) {
      // internalTrafficPolicy Local without local endpoints: DROP (straight from the map; no chain needed).
      const target = sp.internalPolicyLocal
        ? hasLocal ? gotoVerdict(chainsOf.local) : dropVerdict
        : hasService ? gotoVerdict(chainsOf.service) : dropVerdict;
      elements.push({ set: SET.serviceIPs, key: svcKey(clusterIP), value: target });
    }
    if (externallyAccessible) {
      const rules: Statement[][] = [];
      const toService = hasService ? goto(chainsOf.service) : { drop: null };
      if (!externalLocal) {
        rules.push([jump(CHAIN.markForMasquerade)], [toService]);
      } else {
        // Pods and the node itself reach an eTP=Local service through every endpoint (short-circuit);
        // only traffic from outside is limited to local endpoints and keeps its source IP.
        for (const m of podTrafficMatches(ctx, false)) rules.push([...m, toService]);
        rules.push([fibLocal('saddr'), jump(CHAIN.markForMasquerade)]);
        rules.push([fibLocal('saddr'), toService]);
        rules.push([hasLocal ? goto(chainsOf.local) : { drop: null }]);
      }
      chains.push({ name: chainsOf.external, rules });
      const to = gotoVerdict(chainsOf.external);
      for (const ip of [...externalIPs, ...lbIPs]) elements.push({ set: SET.serviceIPs, key: svcKey(ip), value: to });
      if (nodePort) elements.push({ set: SET.serviceNodePorts, key: concat(proto, nodePort), value: to });
    }
    if (affinity) {
      const eps = new Map<string, Endpoint>();
      for (const e of [...clusterEps, ...localEps]) eps.set(`${e.ip}|${e.port}`, e);
      for (const e of eps.values()) {
        sets.push({ name: affinitySetName(sp.name, e), type: ctx.addrType, flags: ['timeout'], timeout: affinity, dynamic: true });
      }
      sets.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    }
  }

  // loadBalancerSourceRanges: only traffic to the LB IPs is filtered, before DNAT.
  const ranges = [...new Set(sp.loadBalancerSourceRanges.map((c) => c.trim()).filter((c) => {
    if (isFamilyCIDR(c, fam)) return true;
    problems.push(`source range ${JSON.stringify(c)}`);
    return false;
  }).map(networkOf))];
  if (lbIPs.length > 0 && ranges.length > 0) {
    const rules: Statement[][] = ranges.map((c) => [match(saddr(ctx.addr), prefix(c)), { return: null }]);
    if (ctx.node.nodeIPs.some((ip) => ranges.some((c) => cidrContains(c, ip)))) {
      // The node may reach the balancer with its traffic SNATed to the LB IP: allow the LB IPs as sources.
      for (const ip of lbIPs) rules.push([match(saddr(ctx.addr), ip), { return: null }]);
    }
    rules.push([{ drop: null }]);
    chains.push({ name: chainsOf.firewall, rules });
    const to = gotoVerdict(chainsOf.firewall);
    for (const ip of lbIPs) elements.push({ set: SET.firewallIPs, key: svcKey(ip), value: to });
  }

  // The port's first element carries a fingerprint of its chains and sets, so a restart can tell current
  // chains from stale ones by listing elements only (listing every rule of a large table is expensive).
  // Each chain's own fingerprint is computed once here (it also goes into the chain's last rule comment).
  const withFp = chains.map((c) => (c.fp ? c : { ...c, fp: `kp:${fingerprint(rulesId(c.rules))}` }));
  if ((chains.length > 0 || sets.length > 0) && elements.length > 0) {
    const first = elements[0] as ElementSpec;
    // A counted-set element's own slot fingerprint is folded in: one comment says both.
    const fp = fingerprint(JSON.stringify([withFp.map((c) => [c.name, c.fp]), sets.map(setSpecId), first.comment ?? '']));
    elements[0] = { ...first, comment: `kp:${fp}` };
  }
  return { chains: withFp, sets, elements, clusterIPs, hairpinIPs: [...hairpin].sort(), problems };
}
