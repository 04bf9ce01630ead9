import type { BackendUnderTest, Scenario, ScenarioResult } from '@kproxy/conformance';
import { fakeTarget, runScenario } from '@kproxy/conformance';

/** The results of the whole suite: one entry per scenario and backend. */
export interface SuiteResults {
  readonly scenarios: readonly Scenario[];
  readonly backends: readonly string[];
  /** By scenario name, then backend name. */
  readonly results: ReadonlyMap<string, ReadonlyMap<string, ScenarioResult>>;
}

/** Runs every scenario on every backend over its fake. Backends and scenarios run in order, one at a time. */
export async function runSuite(scenarios: readonly Scenario[], backends: readonly BackendUnderTest[]): Promise<SuiteResults> {
  const results = new Map<string, Map<string, ScenarioResult>>();
  for (const scenario of scenarios) {
    const row = new Map<string, ScenarioResult>();
    for (const backend of backends) row.set(backend.name, await runScenario(scenario, fakeTarget(backend)));
    results.set(scenario.name, row);
  }
  return { scenarios, backends: backends.map((b) => b.name), results };
}
