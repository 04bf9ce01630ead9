// A jest reporter that writes the run's counts to tmp/jest-results/<project>.<kind>.json so that
// tools/scripts/summary.js can print one `N passed, N failed` line for the whole workspace.
import fs from 'node:fs';
import path from 'node:path';

const resultsDir = path.join(import.meta.dirname, '../../tmp/jest-results');

export default class SummaryReporter {
  constructor(_globalConfig, options) {
    this.options = options ?? {};
  }

  onRunComplete(_contexts, results) {
    const name = String(this.options.name ?? 'unknown').replaceAll('/', '__');
    const kind = String(this.options.kind ?? 'unit');
    fs.mkdirSync(resultsDir, { recursive: true });
    const record = {
      project: this.options.name,
      kind,
      passed: results.numPassedTests,
      failed: results.numFailedTests,
      skipped: results.numPendingTests + results.numTodoTests,
      suitesFailed: results.numFailedTestSuites,
      runtimeErrorSuites: results.numRuntimeErrorTestSuites,
    };
    fs.writeFileSync(path.join(resultsDir, `${name}.${kind}.json`), `${JSON.stringify(record)}\n`);
  }
}
