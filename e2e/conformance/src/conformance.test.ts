import { describe, expect, it } from '@jest/globals';
import { fakeTarget, loadScenarios, runScenario } from '@kproxy/conformance';
import type { BackendUnderTest } from '@kproxy/conformance';
import { CHAIN, DEFAULT_TABLE, nftablesBackend } from '@kproxy/backend-nftables';
import { fakeWinkernel } from '@kproxy/backend-winkernel/testing';
import { fakeNftClient } from '@kproxy/nftables-json/testing';
import { LANDED_BACKENDS } from './backends.ts';

const scenarios = loadScenarios();
const cases = LANDED_BACKENDS.flatMap((backend) => scenarios.map((scenario) => [backend.name, scenario.name, backend, scenario] as const));

describe('every scenario on every landed backend, over its fake', () => {
  it('has backends and scenarios', () => {
    expect(LANDED_BACKENDS.length).toBeGreaterThan(0);
    expect(scenarios.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases)('%s: %s', async (_b, _s, backend, scenario) => {
    const result = await runScenario(scenario, fakeTarget(backend));
    // The failure messages name scenario, step, flow and backend.
    expect(result.failures).toEqual([]);
    expect(result.checks.length).toBeGreaterThan(0);
  });
});

const clusterIpBasics = () => {
  const scenario = scenarios.find((s) => s.name === 'clusterip-basics');
  if (!scenario) throw new Error('clusterip-basics is missing');
  return scenario;
};

describe('a deliberately broken rule fails the flow that crosses it', () => {
  it('nftables: the mark-for-masquerade chain flushed behind the backend', async () => {
    const tampering: BackendUnderTest = {
      name: 'nftables',
      nodePortDefault: 'primary',
      create(env) {
        const client = fakeNftClient();
        const backend = nftablesBackend({ family: env.family, client: () => client })(env.components);
        return {
          ...backend,
          async sync(state, options) {
            const result = await backend.sync(state, options);
            client.ruleset.apply([{ flush: { chain: { family: 'ip', table: DEFAULT_TABLE, name: CHAIN.markForMasquerade } } }]);
            return result;
          },
        };
      },
    };
    const result = await runScenario(clusterIpBasics(), fakeTarget(tampering));
    expect(result.passed).toBe(false);
    expect(result.failures).toHaveLength(2);
    expect(result.failures[0]).toMatch(
      /^\[nftables\] clusterip-basics step 0 \(expect\) flow "from the node \(from node tcp 10\.96\.0\.10:80\)": masq=false, expected masq=true/,
    );
    expect(result.failures[1]).toContain('flow "from outside the cluster (from external tcp 10.96.0.10:80)": masq=false');
  });

  it('kernelspace: one endpoint removed from the ClusterIP load balancer behind the backend', async () => {
    const tampering: BackendUnderTest = {
      name: 'kernelspace',
      create(env) {
        const { backend, hns } = fakeWinkernel({ family: env.family, components: env.components });
        return {
          ...backend,
          async sync(state, options) {
            const result = await backend.sync(state, options);
            for (const lb of await hns.listLoadBalancers()) {
              const http = lb.portMappings.some((m) => m.externalPort === 80);
              if (lb.frontendVips.includes('10.96.0.10') && http && lb.hostComputeEndpoints.length > 1) {
                const { id, ...spec } = lb;
                await hns.updateLoadBalancer(id, { ...spec, hostComputeEndpoints: lb.hostComputeEndpoints.slice(1) });
              }
            }
            return result;
          },
        };
      },
    };
    const result = await runScenario(clusterIpBasics(), fakeTarget(tampering));
    expect(result.passed).toBe(false);
    expect(result.failures[0]).toMatch(
      /^\[kernelspace\] clusterip-basics step 0 \(expect\) flow "multi-port http \(from pod tcp 10\.96\.0\.10:80\)": missing endpoints 10\.244\.1\.2:8080/,
    );
  });
});
