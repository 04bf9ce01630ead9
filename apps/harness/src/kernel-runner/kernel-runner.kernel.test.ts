import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { nftablesBackend } from '@kproxy/backend-nftables';
import { netnsExecutor, spawnExecutor } from '@kproxy/exec';
import { loadScenarioFile, runScenario, SCENARIO_DIR } from '@kproxy/conformance';
import type { FakeEnvironment, Scenario, Step } from '@kproxy/conformance';
import { netnsSupport } from '@kproxy/netns';
import { daemonAvailable } from './daemon.ts';
import { kernelTarget } from './kernel-target.ts';
import type { KernelTarget } from './kernel-target.ts';
import { runScenarioOnKernel, withoutUnsendable } from './run.ts';

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

(support.ok ? describe : describe.skip)('a broken ruleset on the real kernel (nftables, in-process)', () => {
  it('fails the flows it breaks with messages that point at them, and passes again once repaired', async () => {
    // nftables programmed from this process (no daemon to repair it behind our back), then tampered with.
    const under = { name: 'nftables', nodePortDefault: 'primary' as const, create: (env: FakeEnvironment) => nftablesBackend({ family: env.family })(env.components) };
    const sabotage = async (target: KernelTarget): Promise<void> => {
      const ns = target.nodeNamespace();
      if (!ns) throw new Error('not started');
      // Break masquerading: marked packets are no longer SNATed.
      await netnsExecutor(ns, spawnExecutor()).run('nft', ['flush', 'chain', 'ip', 'kube-proxy', 'masquerading']);
    };
    const target = kernelTarget({ backend: 'nftables', inProcess: under, prefix: 'kpkb', settleMs: 300 });
    const sync = target.sync.bind(target);
    target.sync = async () => {
      await sync();
      await sabotage(target);
    };
    const { scenario } = withoutUnsendable(basics);
    const broken = await runScenario(scenario, target);
    expect(broken.passed).toBe(false);
    expect(broken.failures).toEqual([
      expect.stringMatching(/^\[nftables\] clusterip-basics step 0 \(expect\) flow "from the node .*": masq=false, expected masq=true/),
      expect.stringMatching(/^\[nftables\] clusterip-basics step 0 \(expect\) flow "from outside the cluster .*": /),
    ]);
    const repaired = await runScenario(scenario, kernelTarget({ backend: 'nftables', inProcess: under, prefix: 'kpkb' }));
    expect(repaired.failures).toEqual([]);
  }, 120_000);
});
