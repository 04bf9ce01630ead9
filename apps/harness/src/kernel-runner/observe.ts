import type { Observation } from '@kproxy/conformance';
import { joinHostPort } from '../echo/protocol.ts';
import type { FlowObservation } from '../probe/agent-client.ts';

/**
 * What real packets amount to, in the conformance vocabulary. Pure.
 * - answers → DNAT to the servers that answered (masq when any server saw a source other than the
 *   client's own address); an answer from dst:port itself (no translation) is PASS. Connections that got
 *   no answer next to answered ones appear as pseudo-endpoints (`(timeout ×2)`) so that they fail loudly.
 * - only refusals (RST, ICMP unreachable) → REJECT (indistinguishable from PASS when `dstIsLocal`: the
 *   destination is one of the node's own addresses, where untouched traffic meets a closed port); only
 *   silence → DROP, indistinguishable from PASS to an address nobody answers for.
 */
export function observationOf(obs: FlowObservation, clientIp: string, dst: string, port: number, dstIsLocal = false): Observation {
  const seen = [...obs.answers].map(([server, a]) => `${server} saw ${[...a.sources].join(',')}`);
  const others = Object.entries(obs.outcomes).filter(([k, n]) => k !== 'answered' && (n ?? 0) > 0);
  const detail = [seen.length ? `answers: ${seen.join('; ')}` : '', obs.details.length ? `other: ${obs.details.join(', ')}` : '', `${obs.connections} connection(s) in ${obs.elapsedMs} ms`]
    .filter(Boolean)
    .join('; ');
  if (obs.answers.size > 0) {
    const servers = [...obs.answers.keys()];
    const sources = new Set([...obs.answers.values()].flatMap((a) => [...a.sources]));
    if (others.length === 0 && servers.length === 1 && servers[0] === joinHostPort(dst, port)) {
      return { verdict: 'PASS', endpoints: [], masq: false, detail };
    }
    const pseudo = others.map(([k, n]) => `(${k} ×${n})`);
    return { verdict: 'DNAT', endpoints: [...servers, ...pseudo].sort(), masq: [...sources].some((s) => s !== clientIp), detail };
  }
  const count = (k: string): number => obs.outcomes[k as keyof typeof obs.outcomes] ?? 0;
  if (count('refused') + count('unreachable') + count('reset') > 0) {
    // Untouched traffic to the node's own address (a node port that is gone, 127.0.0.1) meets a closed port.
    return { verdict: 'REJECT', endpoints: [], masq: false, ...(dstIsLocal ? { indistinct: ['PASS' as const] } : {}), detail };
  }
  if (count('timeout') + count('blocked') > 0) return { verdict: 'DROP', endpoints: [], masq: false, indistinct: ['PASS'], detail };
  return { verdict: 'DROP', endpoints: [], masq: false, detail: `no usable result: ${detail}` };
}
