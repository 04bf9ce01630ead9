import type { Trace, Verdict } from '@kproxy/api';
import { endpointKey } from '@kproxy/api';
import type { FlowOutcome } from './scenario.ts';

/** What a runner observed for one flow: from a tracer, or from real packets. */
export interface Observation {
  readonly verdict: Verdict;
  /** For DNAT: the endpoints (`ip:port`, IPv6 in brackets) the flow reached, any order. */
  readonly endpoints: readonly string[];
  /** For DNAT: whether the endpoints saw a masqueraded (node) source. */
  readonly masq: boolean;
  /**
   * Verdicts this observation cannot be told apart from (real packets: a timeout is DROP, but PASS to an
   * address nobody answers for looks the same).
   */
  readonly indistinct?: readonly Verdict[];
  /** Extra detail for failure messages (a tracer's path, a probe's errors). */
  readonly detail?: string;
  /**
   * Inconsistencies the target found besides the outcome (e.g. the fake target: a partial sync that traces
   * differently from a full one). Any problem fails the check, whatever the outcome.
   */
  readonly problems?: readonly string[];
  /**
   * Set when the target could not send or judge this flow at all (e.g. no SCTP on the real kernel): the
   * reason. The check is then reported as `skipped`, neither passed nor failed.
   */
  readonly skipped?: string;
}

/** The observation a backend's trace amounts to. Pure. */
export function observeTrace(trace: Trace): Observation {
  return {
    verdict: trace.verdict,
    endpoints: [...new Set(trace.endpoints.map((e) => endpointKey(e)))].sort(),
    masq: trace.masquerade,
    detail: [
      trace.servicePort ? `service port ${trace.servicePort}` : '',
      trace.path.length ? `path ${trace.path.join(' > ')}` : '',
      trace.reasons.length ? `reasons ${trace.reasons.map((r) => r.code).join(',')}` : '',
    ]
      .filter(Boolean)
      .join('; '),
  };
}

/** `DNAT {a, b} masq=false`, `REJECT`, ... Pure. */
export function formatOutcome(o: FlowOutcome | Observation): string {
  if (o.verdict !== 'DNAT') return o.verdict;
  const endpoints = 'endpoints' in o ? o.endpoints : [];
  return `DNAT {${[...endpoints].sort().join(', ')}} masq=${(o as { masq: boolean }).masq}`;
}

/**
 * Compares an observation with the expected outcome; returns what differs, or undefined when they match.
 * DNAT must reach exactly the expected endpoints with the expected masquerading. Pure.
 */
export function compareOutcome(expected: FlowOutcome, observed: Observation): string | undefined {
  if (expected.verdict !== observed.verdict && !observed.indistinct?.includes(expected.verdict)) {
    return `verdict ${observed.verdict}, expected ${expected.verdict}`;
  }
  if (expected.verdict !== 'DNAT' || observed.verdict !== 'DNAT') return undefined;
  const got = new Set(observed.endpoints);
  const missing = expected.endpoints.filter((e) => !got.has(e));
  const extra = [...got].filter((e) => !expected.endpoints.includes(e)).sort();
  const problems: string[] = [];
  if (missing.length) problems.push(`missing endpoints ${missing.join(', ')}`);
  if (extra.length) problems.push(`unexpected endpoints ${extra.join(', ')}`);
  if (expected.masq !== observed.masq) problems.push(`masq=${observed.masq}, expected masq=${expected.masq}`);
  return problems.length ? problems.join('; ') : undefined;
}
