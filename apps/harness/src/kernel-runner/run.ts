import type { Logger } from '@kproxy/api';
import type { AffinityCheck, Flow, Scenario, ScenarioResult, Step } from '@kproxy/conformance';
import type { KubeService } from '@kproxy/api';
import { ObjectStore, runScenario } from '@kproxy/conformance';
import { normaliseAddress } from '../topology/addresses.ts';
import { kernelTarget } from './kernel-target.ts';
import type { KernelTargetOptions } from './kernel-target.ts';
import { unsupportedReason } from './scenario-topology.ts';

/** A scenario's result on the real kernel, with what could not be run here and where the time went. */
export interface KernelScenarioResult extends ScenarioResult {
  /** Flows and checks left out, each with the reason (SCTP: no kernel support, no Node sockets). */
  readonly skipped: readonly string[];
  /** Milliseconds per phase (topology, echo, apiserver, sync, probe, teardown) and in total. */
  readonly timings: Readonly<Record<string, number>>;
  /** The daemon's last log lines (for failures). */
  readonly daemonLog: string;
}

/** Options of {@link runScenarioOnKernel}. */
export interface KernelRunOptions extends KernelTargetOptions {
  readonly logger?: Logger;
}

const SCTP_REASON = 'SCTP is not available on the real-kernel harness (this kernel has no SCTP; Node has no SCTP sockets)';
const SELF_REASON = 'the source is the destination address itself: one host cannot send that through the node';
const STICKY_REASON =
  'the service port has ClientIP affinity, so one client reaches one endpoint: real packets cannot show that every listed endpoint is reachable (affinity checks cover it)';

/** Whether `dst:port` is an entry point (ClusterIP, external IP, LB IP or node port) of a ClientIP-affinity Service. */
function stickyDestination(services: readonly KubeService[], nodeIPs: readonly string[], dst: string, port: number): boolean {
  return services.some((svc) => {
    const spec = svc.spec;
    if (spec?.sessionAffinity !== 'ClientIP') return false;
    const vips = [...(spec.clusterIPs ?? []), spec.clusterIP ?? '', ...(spec.externalIPs ?? []), ...(svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '')]
      .filter(Boolean)
      .map((ip) => {
        try {
          return normaliseAddress(ip);
        } catch {
          return '';
        }
      });
    return (spec.ports ?? []).some((p) => (p.port === port && vips.includes(dst)) || (p.nodePort === port && nodeIPs.includes(dst)));
  });
}

/** Why a flow cannot be sent (or judged) with real packets here, or undefined. Pure. */
export function unsendableReason(item: Flow | AffinityCheck, sticky = false): string | undefined {
  if (item.protocol === 'SCTP') return SCTP_REASON;
  if (item.source.from === item.dst) return SELF_REASON;
  if (sticky && 'outcome' in item && item.outcome.verdict === 'DNAT' && item.outcome.endpoints.length > 1) return STICKY_REASON;
  return undefined;
}

/** The scenario without the flows and checks real packets cannot carry here, and the labels it left out. Pure. */
export function withoutUnsendable(scenario: Scenario): { scenario: Scenario; skipped: string[] } {
  const skipped: string[] = [];
  // Replay the objects so that each expect step sees the Services as they are at that point.
  const store = new ObjectStore();
  store.apply(scenario.objects);
  const nodeIPs = scenario.node.families.flatMap((f) => scenario.node.addresses[f]?.nodeIPs ?? []).map(normaliseAddress);
  const keep = <T extends Flow | AffinityCheck>(step: number, what: string, items: readonly T[]): T[] =>
    items.filter((item) => {
      const reason = unsendableReason(item, stickyDestination(store.services(), nodeIPs, normaliseAddress(item.dst), item.port));
      if (reason) skipped.push(`step ${step} ${what} "${item.label}": ${reason}`);
      return !reason;
    });
  const steps: Step[] = scenario.steps.map((step) => {
    try {
      if (step.type === 'apply' || step.type === 'update') store.apply(step.objects);
      if (step.type === 'delete') store.delete(step.refs);
    } catch {
      // an invalid step is reported by runScenario, which replays the same steps
    }
    if (step.type === 'expect') return { ...step, flows: keep(step.index, 'flow', step.flows) };
    if (step.type === 'affinity') return { ...step, checks: keep(step.index, 'affinity', step.checks) };
    return step;
  });
  return { scenario: { ...scenario, steps }, skipped };
}

/**
 * Replays a conformance scenario on the real kernel: namespaces, echo servers, the embedded API server and
 * the daemon (`--proxy-mode <backend>`) in the node namespace; every flow is sent as real connections and
 * judged by `@kproxy/conformance`'s `runScenario`. Everything is torn down, even after a failure. SCTP flows
 * are skipped with a printed reason; scenarios the topology cannot model are skipped whole.
 */
export async function runScenarioOnKernel(scenario: Scenario, options: KernelRunOptions = {}): Promise<KernelScenarioResult> {
  const backend = options.backend ?? 'nftables';
  const started = Date.now();
  const unsupported = unsupportedReason(scenario);
  if (unsupported) {
    const reason = `[${backend}] ${scenario.name}: skipped on the real kernel: ${unsupported}`;
    console.warn(reason);
    return { scenario: scenario.name, backend, passed: true, checks: [], failures: [], skipped: [reason], timings: { total: 0 }, daemonLog: '' };
  }
  const { scenario: runnable, skipped } = withoutUnsendable(scenario);
  for (const s of skipped) console.warn(`[${backend}] ${scenario.name} ${s}`);
  const target = kernelTarget({ ...options, backend });
  const result = await runScenario(runnable, target);
  const daemonLog = target.daemonLog();
  const failures = result.passed ? result.failures : result.failures.map((f, i) => (i === 0 && daemonLog ? `${f}\n  daemon log (last lines):\n  ${daemonLog.split('\n').slice(-15).join('\n  ')}` : f));
  return { ...result, failures, skipped, timings: { ...target.timings, total: Date.now() - started }, daemonLog };
}
