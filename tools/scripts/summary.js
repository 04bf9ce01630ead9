// Prints the workspace's test totals from tmp/jest-results, as the last line `N passed, N failed`.
// A suite that failed to run (a compile error, a crash) counts as one failure, so it cannot hide.
import fs from 'node:fs';
import path from 'node:path';

const dir = path.join(import.meta.dirname, '../../tmp/jest-results');
const extraFailures = Number(process.argv[2] ?? 0);
let passed = 0;
let failed = 0;
let skipped = 0;
const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];
for (const file of files) {
  const r = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  const suiteErrors = r.failed === 0 ? r.suitesFailed + r.runtimeErrorSuites : 0;
  passed += r.passed;
  failed += r.failed + suiteErrors;
  skipped += r.skipped;
  console.log(`  ${r.project} [${r.kind}]: ${r.passed} passed, ${r.failed + suiteErrors} failed, ${r.skipped} skipped`);
}
failed += Number.isFinite(extraFailures) ? extraFailures : 0;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed > 0 || files.length === 0 ? 1 : 0;
