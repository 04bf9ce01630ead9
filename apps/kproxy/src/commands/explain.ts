import { isIP } from 'node:net';
import { ConfigError, endpointKey, familyOf, hostPort } from '@kproxy/api';
import type { Backend, IPFamily, Packet, ProxyState, Reason, Trace } from '@kproxy/api';
import type { ExplainArgs } from '../cli/command-line.ts';

/** The packet `kproxy explain` traces, from its arguments. Throws `ConfigError` on bad addresses. Pure. */
export function packetFromArgs(args: ExplainArgs): Packet {
  for (const [flag, ip] of [['--src', args.src], ['--dst', args.dst]] as const) {
    if (isIP(ip) === 0) throw new ConfigError(`invalid argument ${JSON.stringify(ip)} for "${flag}" flag: not an IP address`);
  }
  const family = familyOf(args.dst);
  if (familyOf(args.src) !== family) throw new ConfigError('--src and --dst must be of the same IP family');
  return {
    family,
    protocol: args.proto,
    src: args.src,
    dst: args.dst,
    dport: args.port,
    hook: args.fromNode ? 'output' : 'prerouting',
    ...(args.iif ? { iifname: args.iif } : {}),
  };
}

function uniqueReasons(reasons: readonly Reason[]): Reason[] {
  const seen = new Set<string>();
  return reasons.filter((r) => {
    const k = `${r.code}|${r.subject ?? ''}|${r.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * The service port of `state` a packet is addressed to: a cluster IP, external IP or LB IP with its port,
 * or a node port on one of the node's IPs; same protocol. Used when the backend's trace does not name the
 * service port (a fresh backend in a separate `kproxy explain` process knows only the ruleset). Pure.
 */
export function matchServicePort(state: ProxyState, packet: Packet): string | undefined {
  const nodeIPs = new Set([...state.node.nodeIPs, ...(state.node.nodePortAddresses.kind === 'ips' ? state.node.nodePortAddresses.ips : [])]);
  for (const [key, sp] of state.servicePorts) {
    if (sp.protocol !== packet.protocol) continue;
    const vips = [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs];
    if (sp.port === packet.dport && vips.includes(packet.dst)) return key;
    if (sp.nodePort > 0 && sp.nodePort === packet.dport && nodeIPs.has(packet.dst)) return key;
  }
  return undefined;
}

/**
 * Says in plain words what happens to `packet` according to `trace`: which service port it matches, the
 * endpoints it may reach, masquerading and affinity, and why (the trace's reasons plus the endpoint
 * selection reasons of the matched service port from `state`, when known); or why it is dropped, rejected
 * or left untouched. Pure.
 */
export function describeTrace(
  packet: Packet,
  trace: Trace,
  mode: string,
  state?: ProxyState,
  serviceReasons?: (servicePortKey: string) => readonly Reason[],
): string {
  const lines: string[] = [];
  const origin = packet.hook === 'output' ? 'sent by a process on the node' : `arriving${packet.iifname ? ` on ${packet.iifname}` : ''} from a pod or from outside the node`;
  lines.push(`Packet: ${packet.protocol} ${packet.src} -> ${hostPort(packet.dst, packet.dport)} (${packet.family}, ${origin}), ${mode} rules.`);
  const key = trace.servicePort ?? (state && trace.verdict !== 'PASS' ? matchServicePort(state, packet) : undefined);
  const sp = key ? state?.servicePorts.get(key) : undefined;
  const svc = key ? `service port ${key}` : undefined;
  switch (trace.verdict) {
    case 'DNAT': {
      lines.push(`Matches ${svc ?? 'a service port'}.`);
      const eps = trace.endpoints.map((e) => endpointKey(e));
      lines.push(
        eps.length === 1
          ? `It is sent (DNAT) to the only endpoint ${eps[0]}.`
          : `It is sent (DNAT) to one of ${eps.length} endpoints, chosen at random per connection:`,
      );
      if (eps.length > 1) for (const e of eps) lines.push(`  - ${e}`);
      lines.push(
        trace.masquerade
          ? 'It is masqueraded: the endpoint sees the node\'s address as the source.'
          : `It is not masqueraded: the endpoint sees the client address ${packet.src}.`,
      );
      if (trace.affinity) {
        const timeout = sp?.sessionAffinity.type === 'ClientIP' ? ` for ${sp.sessionAffinity.timeoutSeconds}s of inactivity` : '';
        lines.push(`Session affinity (ClientIP): later connections from ${packet.src} stick to the same endpoint${timeout}.`);
      }
      break;
    }
    case 'REJECT':
      lines.push(
        `${svc ? `Matches ${svc}, which` : 'It matches a rule that'} rejects it: the client gets "connection refused" (TCP reset / ICMP port unreachable) at once.`,
      );
      if (sp && !sp.selection.hasAnyEndpoints) lines.push('The service port has no endpoints at all.');
      break;
    case 'DROP':
      lines.push(`${svc ? `Matches ${svc}, but it` : 'It'} is dropped silently: the client sees a timeout.`);
      if (sp && sp.selection.hasAnyEndpoints && sp.selection.localEndpoints.length === 0 && (sp.internalPolicyLocal || sp.externalPolicyLocal)) {
        lines.push('The service has endpoints, but none on this node, and a Local traffic policy applies.');
      }
      break;
    case 'PASS':
      lines.push(`No ${mode} service rule matches: the packet is left untouched and goes on to ${hostPort(packet.dst, packet.dport)} as addressed.`);
      break;
  }
  const reasons = uniqueReasons([...trace.reasons, ...(sp?.selection.reasons ?? []), ...(key && serviceReasons ? serviceReasons(key) : [])]);
  if (reasons.length > 0) {
    lines.push('Why:');
    for (const r of reasons) lines.push(`  - ${r.message}${r.subject ? ` (${r.subject})` : ''} [${r.code}]`);
  }
  if (trace.path.length > 0) {
    lines.push('Path through the rules:');
    for (const hop of trace.path) lines.push(`  ${hop}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Runs `explain`: traces the packet through the backend of its family and describes the result. */
export async function runExplain(options: {
  readonly args: ExplainArgs;
  readonly backends: ReadonlyMap<IPFamily, Backend>;
  readonly mode: string;
  /** The cluster state of the packet's family, for the endpoint-selection reasons (optional). */
  readonly state?: ProxyState;
  /** Reasons recorded while building the Service of a service port (skipped IPs, ranges, ...). */
  readonly serviceReasons?: (servicePortKey: string) => readonly Reason[];
}): Promise<string> {
  const packet = packetFromArgs(options.args);
  const backend = options.backends.get(packet.family);
  if (!backend) throw new ConfigError(`this node runs no ${packet.family} proxier`);
  const trace = await backend.explain(packet);
  if (options.args.json) return `${JSON.stringify({ packet, trace }, null, 2)}\n`;
  return describeTrace(packet, trace, options.mode, options.state, options.serviceReasons);
}
