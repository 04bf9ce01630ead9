import { describe, expect, it } from '@jest/globals';
import { CHAIN, DEFAULT_TABLE, nftablesBackend } from '@kproxy/backend-nftables';
import { loadScenarios } from '@kproxy/conformance';
import type { BackendUnderTest } from '@kproxy/conformance';
import { daemonAvailable, runScenarioOnKernel } from '@kproxy/harness';
import { netnsSupport } from '@kproxy/netns';

// The backends that run on this kernel (kernelspace is Windows-only: fake runs only).
const KERNEL_BACKENDS = ['nftables'] as const;

const support = await netnsSupport();
const daemon = daemonAvailable();
const reason = !support.ok ? support.reason : !daemon.ok ? daemon.reason : '';
if (reason) console.warn(`skipping the real-kernel conformance suite: ${reason}`);
const maybe = reason ? describe.skip : describe;

const scenarios = loadScenarios();
const cases = KERNEL_BACKENDS.flatMap((backend) => scenarios.map((scenario) => [backend, scenario.name, scenario] as const));

maybe('every scenario on the real kernel (apps/harness runner, namespaces only)', () => {
  const started = Date.now();

  it.each(cases)('%s: %s', async (backend, _name, scenario) => {
    const result = await runScenarioOnKernel(scenario, { backend });
    // What the topology cannot send (SCTP, some sources) is skipped by the runner with a printed reason.
    if (result.skipped.length) console.warn(result.skipped.join('\n'));
    expect(result.failures).toEqual([]);
  });

  it('took minutes, not tens of minutes', () => {
    const minutes = (Date.now() - started) / 60_000;
    console.log(`real-kernel conformance suite: ${minutes.toFixed(1)} min for ${cases.length} scenario runs`);
    expect(minutes).toBeLessThan(10);
  });
});

maybe('a deliberately broken rule on the real kernel fails the flow that crosses it', () => {
  it('nftables in process, mark-for-masquerade flushed with nft in the node namespace after every sync', async () => {
    const broken: BackendUnderTest = {
      name: 'nftables',
      nodePortDefault: 'primary',
      create(env) {
        const backend = nftablesBackend({ family: env.family, serviceCIDRs: env.serviceCIDRs })(env.components);
        return {
          ...backend,
          async sync(state, options) {
            const result = await backend.sync(state, options);
            const flush = await env.components.executor.run('nft', ['flush', 'chain', 'ip', DEFAULT_TABLE, CHAIN.markForMasquerade]);
            if (flush.exitCode !== 0) throw new Error(`nft flush failed: ${flush.stderr}`);
            return result;
          },
        };
      },
    };
    const scenario = scenarios.find((s) => s.name === 'clusterip-basics');
    if (!scenario) throw new Error('clusterip-basics is missing');
    const result = await runScenarioOnKernel(scenario, { backend: 'nftables', inProcess: broken });
    expect(result.passed).toBe(false);
    expect(result.failures.some((f) => f.startsWith('[nftables] clusterip-basics step 0 (expect) flow "from outside the cluster (from external tcp 10.96.0.10:80)"'))).toBe(true);
  });
});
