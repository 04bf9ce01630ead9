import type { Logger } from '@kproxy/api';
import type { Scenario, ScenarioResult, Step } from '@kproxy/conformance';
import { runScenario } from '@kproxy/conformance';
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

/** The scenario without its SCTP flows and checks, and the labels it left out. Pure. */
export function withoutSctp(scenario: Scenario): { scenario: Scenario; skipped: string[] } {
  const skipped: string[] = [];
  const steps: Step[] = scenario.steps.map((step) => {
    if (step.type === 'expect') {
      const flows = step.flows.filter((f) => f.protocol !== 'SCTP');
      for (const f of step.flows) if (f.protocol === 'SCTP') skipped.push(`step ${step.index} flow "${f.label}": ${SCTP_REASON}`);
      return { ...step, flows };
    }
    if (step.type === 'affinity') {
      const checks = step.checks.filter((c) => c.protocol !== 'SCTP');
      for (const c of step.checks) if (c.protocol === 'SCTP') skipped.push(`step ${step.index} affinity "${c.label}": ${SCTP_REASON}`);
      return { ...step, checks };
    }
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
  const { scenario: runnable, skipped } = withoutSctp(scenario);
  for (const s of skipped) console.warn(`[${backend}] ${scenario.name} ${s}`);
  const target = kernelTarget({ ...options, backend });
  const result = await runScenario(runnable, target);
  const daemonLog = target.daemonLog();
  const failures = result.passed ? result.failures : result.failures.map((f, i) => (i === 0 && daemonLog ? `${f}\n  daemon log (last lines):\n  ${daemonLog.split('\n').slice(-15).join('\n  ')}` : f));
  return { ...result, failures, skipped, timings: { ...target.timings, total: Date.now() - started }, daemonLog };
}
