import path from 'node:path';
import { loadScenarioFile, SCENARIO_DIR } from '@kproxy/conformance';
import { runScenarioOnKernel } from '@kproxy/harness';
for (const n of process.argv.slice(2)) {
  const s = loadScenarioFile(path.join(SCENARIO_DIR, n + '.yaml'));
  const r = await runScenarioOnKernel(s, { backend: 'nftables' });
  console.log(n, r.passed, r.checks.length, r.failures.map((f) => f.split('\n')[0]).join('\n'));
}
