import { endpointKey } from '@kproxy/api';
import type { Endpoint, ProxyState, ServicePort } from '@kproxy/api';
import { conntrackFilterKey } from './conntrack-filter.ts';
import type { ConntrackFilter, ConntrackProtocol } from './conntrack-filter.ts';

function serviceAddresses(sp: ServicePort): string[] {
  return [...new Set([sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs].filter((ip) => ip !== ''))];
}

function isCleaned(sp: ServicePort): sp is ServicePort & { protocol: ConntrackProtocol } {
  return sp.protocol === 'UDP' || sp.protocol === 'SCTP';
}

/**
 * The conntrack entries made stale by going from `previous` to `next` (one family), per the semantics:
 * - an endpoint of a UDP or SCTP service port that is no longer reachable: entries whose original
 *   destination is one of the port's addresses (cluster IP, external IPs, LB IPs) and port, or its node
 *   port, and whose reply source is that endpoint;
 * - a UDP service port that goes from no reachable endpoint to some: every entry to its addresses and node
 *   port (they hold the state of rejected packets and would black-hole the new flows).
 * TCP is never touched. Without a `previous` state (the first sync) nothing is considered stale: kproxy
 * cannot know what the entries were made for. With `keys` (the service ports the sync changed), only those
 * are compared, so the cost follows the size of the change. Pure; de-duplicated and in a stable order.
 */
export function staleConntrackFilters(
  previous: ProxyState | undefined,
  next: ProxyState,
  keys?: Iterable<string>,
): ConntrackFilter[] {
  if (!previous || previous.family !== next.family) return [];
  const candidates = keys ? [...new Set(keys)] : undefined;
  const family = next.family;
  const out = new Map<string, ConntrackFilter>();
  const add = (f: ConntrackFilter) => {
    const key = conntrackFilterKey(f);
    if (!out.has(key)) out.set(key, f);
  };
  const previousPorts = candidates
    ? candidates.flatMap((k) => {
        const p = previous.servicePorts.get(k);
        return p ? [[k, p] as const] : [];
      })
    : previous.servicePorts;
  for (const [key, before] of previousPorts) {
    if (!isCleaned(before)) continue;
    const after = next.servicePorts.get(key);
    const still = new Set((after?.selection.allReachableEndpoints ?? []).map(endpointKey));
    const gone: Endpoint[] = before.selection.allReachableEndpoints.filter((ep) => !still.has(endpointKey(ep)));
    for (const ep of gone) {
      const reason = `endpoint ${endpointKey(ep)} of ${key} is gone`;
      for (const addr of serviceAddresses(before)) {
        add({ family, protocol: before.protocol, origDst: addr, origPortDst: before.port, replySrc: ep.ip, replyPortSrc: ep.port, reason });
      }
      if (before.nodePort > 0) {
        add({ family, protocol: before.protocol, origPortDst: before.nodePort, replySrc: ep.ip, replyPortSrc: ep.port, reason });
      }
    }
  }
  const nextPorts = candidates
    ? candidates.flatMap((k) => {
        const p = next.servicePorts.get(k);
        return p ? [[k, p] as const] : [];
      })
    : next.servicePorts;
  for (const [key, after] of nextPorts) {
    if (after.protocol !== 'UDP' || after.selection.allReachableEndpoints.length === 0) continue;
    const before = previous.servicePorts.get(key);
    if (before && before.selection.allReachableEndpoints.length > 0) continue;
    const reason = `${key} has endpoints again`;
    for (const addr of serviceAddresses(after)) add({ family, protocol: 'UDP', origDst: addr, origPortDst: after.port, reason });
    if (after.nodePort > 0) add({ family, protocol: 'UDP', origPortDst: after.nodePort, reason });
  }
  return [...out.values()];
}
