import { ObjectStore } from './object-store.ts';
import { compareOutcome, formatOutcome } from './outcome.ts';
import type { AffinityCheck, Flow, FlowOutcome, Scenario, Step } from './scenario.ts';
import type { ScenarioTarget } from './target.ts';

/**
 * The status of one check: `pass`; `difference` (passed against a documented per-backend expectation);
 * `fail`; `skipped` (the target could not send or judge it; `note` says why).
 */
export type CheckStatus = 'pass' | 'difference' | 'fail' | 'skipped';

/** The result of one flow or affinity check (or of a step that could not run). */
export interface CheckResult {
  readonly scenario: string;
  readonly backend: string;
  /** Index into `scenario.steps`; -1 for setup. */
  readonly step: number;
  readonly stepType: Step['type'] | 'setup';
  readonly label: string;
  readonly status: CheckStatus;
  readonly expected: string;
  readonly actual: string;
  /** The per-backend difference note, when one applied; for `skipped`, the reason. */
  readonly note?: string;
  /** For failures: one line naming scenario, step, flow and backend. */
  readonly message?: string;
}

/** The result of one scenario on one backend. */
export interface ScenarioResult {
  readonly scenario: string;
  readonly backend: string;
  readonly passed: boolean;
  readonly checks: readonly CheckResult[];
  /** The failure messages, one per failed check. */
  readonly failures: readonly string[];
}

/** The outcome a flow must have on `backend`, and the note when it is a documented difference. */
export function expectedFor(flow: Flow, backend: string): { outcome: FlowOutcome; note?: string } {
  const diff = flow.backends[backend];
  return diff ? { outcome: diff.outcome, note: diff.note } : { outcome: flow.outcome };
}

/**
 * Replays `scenario` on `target`: applies `scenario.objects`, then each step in order (every expect and
 * affinity step after a sync), comparing every flow and affinity check with its expectation (per-backend
 * expectations first). A step that throws (an apply refused, a sync that fails) ends the scenario with a
 * failed check naming that step. `target.stop()` always runs.
 */
export async function runScenario(scenario: Scenario, target: ScenarioTarget): Promise<ScenarioResult> {
  const checks: CheckResult[] = [];
  const backend = target.backend;
  const store = new ObjectStore();
  const where = (step: number, type: string) => `${scenario.name} step ${step} (${type})`;
  const fail = (step: number, stepType: CheckResult['stepType'], label: string, expected: string, actual: string) => {
    checks.push({
      scenario: scenario.name,
      backend,
      step,
      stepType,
      label,
      status: 'fail',
      expected,
      actual,
      message: `[${backend}] ${where(step, stepType)} ${label}: ${actual}`,
    });
  };
  let current: Step | undefined;
  try {
    store.apply(scenario.objects);
    await target.start(scenario);
    await target.sync();
    for (const step of scenario.steps) {
      current = step;
      switch (step.type) {
        case 'apply':
          store.apply(step.objects);
          await target.apply(step.objects);
          break;
        case 'update':
          store.update(step.objects);
          await target.apply(step.objects);
          break;
        case 'delete':
          store.delete(step.refs);
          await target.delete(step.refs);
          break;
        case 'wait-for-sync':
          await target.sync();
          break;
        case 'expect':
          await target.sync();
          for (const flow of step.flows) checks.push(await checkFlow(scenario, target, step.index, flow));
          break;
        case 'affinity':
          await target.sync();
          for (const check of step.checks) checks.push(await checkAffinity(scenario, target, step.index, check));
          break;
      }
    }
  } catch (err) {
    const step = current?.index ?? -1;
    fail(step, current?.type ?? 'setup', '', 'the step to run', `threw ${(err as Error).name}: ${(err as Error).message}`);
  } finally {
    try {
      await target.stop();
    } catch (err) {
      fail(-1, 'setup', 'stop', 'stop to succeed', `stop threw ${(err as Error).message}`);
    }
  }
  const failures = checks.filter((c) => c.status === 'fail').map((c) => c.message as string);
  return { scenario: scenario.name, backend, passed: failures.length === 0, checks, failures };
}

async function checkFlow(scenario: Scenario, target: ScenarioTarget, step: number, flow: Flow): Promise<CheckResult> {
  const { outcome, note } = expectedFor(flow, target.backend);
  const observed = await target.send(flow);
  if (observed.skipped !== undefined) {
    return {
      scenario: scenario.name,
      backend: target.backend,
      step,
      stepType: 'expect',
      label: flow.label,
      status: 'skipped',
      expected: formatOutcome(outcome),
      actual: 'not sent',
      note: observed.skipped,
    };
  }
  const problem = [compareOutcome(outcome, observed), ...(observed.problems ?? [])].filter(Boolean).join('; ') || undefined;
  const base = {
    scenario: scenario.name,
    backend: target.backend,
    step,
    stepType: 'expect' as const,
    label: flow.label,
    expected: formatOutcome(outcome),
    actual: formatOutcome(observed),
    ...(note ? { note } : {}),
  };
  if (!problem) return { ...base, status: note ? 'difference' : 'pass' };
  return {
    ...base,
    status: 'fail',
    message:
      `[${target.backend}] ${scenario.name} step ${step} (expect) flow "${flow.label}": ${problem}; ` +
      `expected ${base.expected}${note ? ` (per-backend: ${note})` : ''}, got ${base.actual}` +
      (observed.detail ? ` [${observed.detail}]` : ''),
  };
}

async function checkAffinity(
  scenario: Scenario,
  target: ScenarioTarget,
  step: number,
  check: AffinityCheck,
): Promise<CheckResult> {
  const { landed, affinity, skipped } = await target.connect(check);
  const expected = `${check.sticky ? 'sticky' : 'not sticky'}${check.endpoints.length ? ` within {${check.endpoints.join(', ')}}` : ''}`;
  if (skipped !== undefined) {
    return {
      scenario: scenario.name,
      backend: target.backend,
      step,
      stepType: 'affinity',
      label: check.label,
      status: 'skipped',
      expected,
      actual: 'not sent',
      note: skipped,
    };
  }
  const problems: string[] = [];
  const answered = landed.filter((e): e is string => e !== undefined);
  const distinct = [...new Set(answered)].sort();
  if (answered.length !== check.connections) {
    problems.push(`${check.connections - answered.length} of ${check.connections} connections got no endpoint`);
  }
  const outside = check.endpoints.length ? distinct.filter((e) => !check.endpoints.includes(e)) : [];
  if (outside.length) problems.push(`landed on unexpected endpoints ${outside.join(', ')}`);
  if (affinity !== undefined && affinity !== check.sticky) {
    problems.push(`tracer reports affinity=${affinity}, expected ${check.sticky}`);
  }
  if (check.sticky && distinct.length > 1) problems.push(`spread over ${distinct.join(', ')}`);
  const candidates = check.endpoints.length || distinct.length;
  if (!check.sticky && candidates > 1 && distinct.length < 2) {
    problems.push(`all ${answered.length} connections landed on ${distinct[0]} although no affinity applies`);
  }
  const actual = `${distinct.length} endpoint(s) {${distinct.join(', ')}}${affinity === undefined ? '' : ` affinity=${affinity}`}`;
  const base = {
    scenario: scenario.name,
    backend: target.backend,
    step,
    stepType: 'affinity' as const,
    label: check.label,
    expected,
    actual,
  };
  if (!problems.length) return { ...base, status: 'pass' };
  return {
    ...base,
    status: 'fail',
    message: `[${target.backend}] ${scenario.name} step ${step} (affinity) "${check.label}": ${problems.join('; ')}`,
  };
}
