import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { spawnExecutor } from '@kproxy/exec';
import { loadScenarioFile, SCENARIO_DIR } from '@kproxy/conformance';
import type { Scenario, Step } from '@kproxy/conformance';
import { netnsSupport } from '@kproxy/netns';
import { daemonAvailable } from './daemon.ts';
import { runScenarioOnKernel } from './run.ts';

const support = await netnsSupport();
const daemon = daemonAvailable();
const reason = !support.ok ? support.reason : !daemon.ok ? daemon.reason : '';
if (reason) console.warn(`skipping real-kernel scenario runner tests: ${reason}`);
const maybe = reason ? describe.skip : describe;

const basics = loadScenarioFile(path.join(SCENARIO_DIR, 'clusterip-basics.yaml'));

async function namespaces(): Promise<string> {
  return (await spawnExecutor().run('ip', ['netns', 'list'])).stdout;
}

maybe('runScenarioOnKernel (nftables)', () => {
  it('replays clusterip-basics with real packets, skips SCTP with a reason, and leaves nothing behind', async () => {
    const result = await runScenarioOnKernel(basics, { backend: 'nftables', prefix: 'kpkt' });
    console.log(`clusterip-basics on the real kernel: ${JSON.stringify(result.timings)}`);
    expect(result.failures).toEqual([]);
    expect(result.passed).toBe(true);
    expect(result.checks.length).toBeGreaterThan(5);
    expect(result.skipped.join('\n')).toMatch(/same port sctp.*SCTP/);
    // Other test files may create namespaces meanwhile: ours carry the kpkt prefix.
    expect(await namespaces()).not.toMatch(/^kpkt-/m);
  }, 120_000);

  it('fails a wrong expectation with a message naming scenario, step, flow and backend', async () => {
    // Claim the ClusterIP reaches only the local endpoint: the remote one answers too, so this must fail.
    const steps: Step[] = basics.steps.map((s) =>
      s.type === 'expect'
        ? {
            ...s,
            flows: s.flows
              .filter((f) => f.label.startsWith('multi-port http ('))
              .map((f) => ({ ...f, outcome: { verdict: 'DNAT' as const, endpoints: ['10.244.1.2:8080'], masq: false } })),
          }
        : s,
    );
    const broken: Scenario = { ...basics, name: 'clusterip-basics-broken', steps };
    const result = await runScenarioOnKernel(broken, { backend: 'nftables', settleMs: 500 });
    expect(result.passed).toBe(false);
    expect(result.failures[0]).toMatch(/\[nftables\] clusterip-basics-broken step 0 \(expect\) flow ".*multi-port http.*": unexpected endpoints 10\.244\.2\.3:8080/);
  }, 120_000);
});
