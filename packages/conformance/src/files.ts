import fs from 'node:fs';
import path from 'node:path';
import { parseScenario, ScenarioError } from './load.ts';
import type { Scenario } from './scenario.ts';

/** The folder holding the suite's own scenarios (`packages/conformance/scenarios`). */
export const SCENARIO_DIR: string = [
  path.resolve(import.meta.dirname, '..', 'scenarios'),
  path.resolve(import.meta.dirname, '..', '..', 'scenarios'),
].find((dir) => fs.existsSync(dir)) ?? path.resolve(import.meta.dirname, '..', 'scenarios');

/** Reads and validates one scenario file. Throws `ScenarioError` naming the file and field. */
export function loadScenarioFile(file: string): Scenario {
  return parseScenario(fs.readFileSync(file, 'utf8'), path.relative(process.cwd(), file) || file);
}

/**
 * Reads every `*.yaml` scenario in `dir` (default: the suite's own), sorted by file name. Scenario names
 * must be unique. Throws `ScenarioError` on the first invalid file.
 */
export function loadScenarios(dir: string = SCENARIO_DIR): Scenario[] {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
  const scenarios = files.map((f) => loadScenarioFile(path.join(dir, f)));
  const names = new Map<string, string>();
  for (const s of scenarios) {
    const other = names.get(s.name);
    if (other) throw new ScenarioError(s.source, 'name', `${s.name} is also the name of ${other}`);
    names.set(s.name, s.source);
  }
  return scenarios;
}
