import { servicePortKey } from '@kproxy/api';
import type { Packet, ProxyState, ServicePort, Trace } from '@kproxy/api';
import { trace } from '@kproxy/nftables-json';
import type { Ruleset } from '@kproxy/nftables-json';
import { servicePortChainBase } from './names.ts';

/** Which service port a trace went through: by the per-port chain names on its path, else by destination. */
function matchServicePort(state: ProxyState | undefined, packet: Packet, path: readonly string[]): ServicePort | undefined {
  if (!state) return undefined;
  const text = path.join('\n');
  for (const sp of state.servicePorts.values()) {
    if (text.includes(`-${servicePortChainBase(sp.name)}`)) return sp;
  }
  for (const sp of state.servicePorts.values()) {
    if (sp.protocol !== packet.protocol) continue;
    const vips = [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs];
    if ((sp.port === packet.dport && vips.includes(packet.dst)) || (sp.nodePort !== 0 && sp.nodePort === packet.dport)) return sp;
  }
  return undefined;
}

/**
 * Traces `packet` through the listed ruleset (the fake's or the kernel's `nft -j list table`) with the
 * nftables-json tracer and maps the result to `@kproxy/api`'s `Trace`, with the matched service port's
 * endpoint-selection reasons. `localAddresses` are the node's own addresses (for `fib ... type local` and
 * routing to input). Pure.
 */
export function explainPacket(
  ruleset: Ruleset,
  packet: Packet,
  state: ProxyState | undefined,
  localAddresses: readonly string[],
): Trace {
  const result = trace(ruleset, packet, { localAddresses });
  const sp = matchServicePort(state, packet, result.path);
  return {
    verdict: result.verdict,
    ...(sp ? { servicePort: servicePortKey(sp.name) } : {}),
    endpoints: result.verdict === 'DNAT' ? result.endpoints : [],
    masquerade: result.masquerade,
    affinity: result.affinity,
    path: [...result.path, ...result.unsupported.map((u) => `unsupported: ${u}`)],
    reasons: sp ? sp.selection.reasons : [],
  };
}
