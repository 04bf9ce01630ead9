import type { Backend, Endpoint, NodeContext, Packet, ProxyState, ServicePort, Trace } from '@kproxy/api';
import { hostPort, servicePortKey, sortedServicePorts } from '@kproxy/api';
import { cidrContains, parseCIDR } from './cidr.ts';
import type { BackendUnderTest, FakeEnvironment } from './fake-target.ts';

/** The kind of entry point a packet hit. */
type Entry = 'cluster-ip' | 'external-ip' | 'lb-ip' | 'node-port';

const usable = (e: Endpoint): boolean => e.ready || (e.serving && e.terminating);

/** True when the local-traffic detector recognises the packet as coming from a pod on this node. */
function fromLocalPod(node: NodeContext, packet: Packet): boolean {
  const d = node.localDetector;
  switch (d.mode) {
    case 'ClusterCIDR':
    case 'NodeCIDR':
      return d.cidrs.some((c) => {
        const cidr = parseCIDR(c);
        return cidr !== undefined && cidrContains(cidr, packet.src);
      });
    case 'BridgeInterface':
      return packet.iifname === d.interfaceName;
    case 'InterfaceNamePrefix':
      return packet.iifname?.startsWith(d.interfacePrefix) === true;
    default:
      return false;
  }
}

function inAny(cidrs: readonly string[], ip: string): boolean {
  return cidrs.some((c) => {
    const cidr = parseCIDR(c);
    return cidr !== undefined && cidrContains(cidr, ip);
  });
}

/**
 * The model's trace: shared/semantics.md applied straight to the ProxyState, with no ruleset in between.
 * Where kube-proxy's backends differ it follows nftables (unknown ports on a ClusterIP are rejected,
 * unallocated IPs in the service CIDRs dropped; no localhost node ports). Pure.
 */
export function modelTrace(
  state: ProxyState | undefined,
  localAddresses: readonly string[],
  packet: Packet,
  serviceCIDRs: readonly string[] = [],
): Trace {
  const none: Trace = { verdict: 'PASS', endpoints: [], masquerade: false, affinity: false, path: ['model: no entry point'], reasons: [] };
  if (!state) return none;
  const node = state.node;
  const nodePortAddress =
    node.nodePortAddresses.kind === 'all'
      ? node.nodeIPs.includes(packet.dst)
      : node.nodePortAddresses.ips.includes(packet.dst);
  let hit: { port: ServicePort; entry: Entry } | undefined;
  for (const port of sortedServicePorts(state)) {
    if (port.protocol !== packet.protocol) continue;
    if (port.port === packet.dport) {
      if (port.clusterIP === packet.dst) hit = { port, entry: 'cluster-ip' };
      else if (port.externalIPs.includes(packet.dst)) hit = { port, entry: 'external-ip' };
      else if (port.loadBalancerIPs.includes(packet.dst)) hit = { port, entry: 'lb-ip' };
    }
    if (!hit && port.nodePort !== 0 && port.nodePort === packet.dport && nodePortAddress) hit = { port, entry: 'node-port' };
    if (hit) break;
  }
  if (!hit) {
    const allocated = [...state.servicePorts.values()].some((p) => p.clusterIP === packet.dst);
    if (allocated) return { ...none, verdict: 'REJECT', path: ['model: unknown port on a ClusterIP'] };
    if (inAny(serviceCIDRs, packet.dst)) return { ...none, verdict: 'DROP', path: ['model: unallocated IP in a service CIDR'] };
    return none;
  }
  const { port, entry } = hit;
  const base = { servicePort: servicePortKey(port.name), affinity: false, reasons: port.selection.reasons };
  const path = [`model: ${entry} of ${servicePortKey(port.name)}`];

  if (entry === 'lb-ip' && port.loadBalancerSourceRanges.length > 0) {
    const allowed =
      inAny(port.loadBalancerSourceRanges, packet.src) ||
      (node.nodeIPs.some((ip) => inAny(port.loadBalancerSourceRanges, ip)) && port.loadBalancerIPs.includes(packet.src));
    if (!allowed) return { ...base, verdict: 'DROP', endpoints: [], masquerade: false, path: [...path, 'source ranges'] };
  }

  const podTraffic = fromLocalPod(node, packet);
  const nodeTraffic = packet.hook === 'output' || localAddresses.includes(packet.src);
  let chosen: readonly Endpoint[];
  let masq: boolean;
  if (entry === 'cluster-ip') {
    chosen = port.internalPolicyLocal ? port.selection.localEndpoints : port.selection.clusterEndpoints;
    masq = node.masqueradeAll || (node.localDetector.mode !== 'None' && !podTraffic);
  } else if (port.externalPolicyLocal) {
    if (podTraffic) {
      chosen = port.selection.clusterEndpoints;
      masq = false;
    } else if (nodeTraffic) {
      chosen = port.selection.clusterEndpoints;
      masq = true;
    } else {
      chosen = port.selection.localEndpoints;
      masq = false;
    }
  } else {
    chosen = port.selection.clusterEndpoints;
    masq = true;
  }
  if (chosen.length === 0) {
    const verdict = port.endpoints.some(usable) ? 'DROP' : 'REJECT';
    return { ...base, verdict, endpoints: [], masquerade: false, path: [...path, `no endpoints: ${verdict}`] };
  }
  // Hairpin: an endpoint reaching itself is masqueraded.
  if (chosen.some((e) => e.ip === packet.src)) masq = true;
  return {
    ...base,
    verdict: 'DNAT',
    endpoints: chosen.map((e) => ({ ip: e.ip, port: e.port })),
    masquerade: masq,
    affinity: port.sessionAffinity.type === 'ClientIP',
    path: [...path, `dnat ${chosen.map((e) => hostPort(e.ip, e.port)).join(' ')}`],
  };
}

/**
 * A reference model of shared/semantics.md as a `BackendUnderTest` named `model`: `sync` keeps the state,
 * `explain` applies the semantics to it directly (`modelTrace`). It has no ruleset and no kernel: it checks
 * the scenarios and the runner themselves, and is the yardstick the real backends are compared with.
 */
export const modelBackend: BackendUnderTest = {
  name: 'model',
  create(env: FakeEnvironment): Backend {
    let state: ProxyState | undefined;
    return {
      name: 'model',
      family: env.family,
      async sync(next) {
        const operations = state === next ? 0 : next.servicePorts.size;
        state = next;
        return { full: true, operations, bytes: 0 };
      },
      async plan(next) {
        return { full: true, operations: next.servicePorts.size, text: '' };
      },
      async cleanup() {
        state = undefined;
      },
      async explain(packet) {
        return modelTrace(state, env.localAddresses, packet, env.serviceCIDRs);
      },
    };
  },
};
