// Runs conformance scenarios on the real kernel through the daemon and prints one line per scenario:
//   node --conditions=@kproxy/source apps/harness/src/kernel-runner/suite-main.ts [--backend nftables] [--parallel N] [name...]
// Scenarios are independent (own namespaces, own API server and daemon), so N of them may run at once.
// Exit code 0 when every scenario passed. Needs root.
import { loadScenarios } from '@kproxy/conformance';
import { netnsSupport } from '@kproxy/netns';
import { daemonAvailable } from './daemon.ts';
import { runScenarioOnKernel } from './run.ts';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const backend = option('--backend') ?? 'nftables';
const parallel = Math.max(1, Math.min(Number(option('--parallel') ?? 1) || 1, 8));
const names = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));

const support = await netnsSupport();
const daemon = daemonAvailable();
if (!support.ok || !daemon.ok) {
  process.stdout.write(`cannot run: ${support.ok ? daemon.reason : support.reason}\n`);
  process.exit(2);
}
const scenarios = loadScenarios().filter((s) => names.length === 0 || names.includes(s.name));
const started = Date.now();
let failed = 0;
const results = new Map<string, Awaited<ReturnType<typeof runScenarioOnKernel>>>();
for (let i = 0; i < scenarios.length; i += parallel) {
  const batch = scenarios.slice(i, i + parallel);
  const done = await Promise.all(batch.map((s, j) => runScenarioOnKernel(s, { backend, prefix: `kps${j}` })));
  batch.forEach((s, j) => results.set(s.name, done[j]!));
}
for (const scenario of scenarios) {
  const r = results.get(scenario.name)!;
  if (!r.passed) failed++;
  const t = r.timings;
  process.stdout.write(
    `${r.passed ? 'PASS' : 'FAIL'} ${scenario.name.padEnd(34)} ${String(t.total ?? 0).padStart(6)} ms  ` +
      `(topology ${t.topology ?? 0}, sync ${t.sync ?? 0}, probes ${t.probe ?? 0}) checks ${r.checks.length}, skipped ${r.skipped.length}\n`,
  );
  for (const f of r.failures) process.stdout.write(`    ${f}\n`);
}
process.stdout.write(`\n${scenarios.length - failed}/${scenarios.length} scenarios passed on the real kernel (${backend}) in ${Math.round((Date.now() - started) / 1000)} s\n`);
process.exitCode = failed === 0 ? 0 : 1;
