import { describe, expect, it } from '@jest/globals';
import { loadScenarios } from './files.ts';

// Every behaviour issue 8 asks the suite to cover (from shared/semantics.md), and the scenarios that pin it.
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  'ClusterIP basics: multi-port, same port over TCP/UDP/SCTP, named ports': ['clusterip-basics'],
  'no-endpoint REJECT': ['no-endpoints', 'updates-and-deletions'],
  'Local-policy DROP': ['internal-traffic-policy', 'external-traffic-policy', 'external-ips', 'load-balancer-ingress'],
  'internal and external traffic policies': ['internal-traffic-policy', 'external-traffic-policy'],
  'terminating fallback': ['terminating-fallback'],
  'topology hints': ['topology-hints'],
  'LB source ranges': ['lb-source-ranges'],
  'node ports and node-port addresses': ['node-ports', 'node-ports-default-addresses', 'node-ports-primary'],
  'masquerading from pod / node / external': ['clusterip-basics', 'masquerade-all', 'detect-local-none', 'detect-local-node-cidr', 'detect-local-bridge', 'detect-local-interface-prefix'],
  hairpin: ['hairpin'],
  'session affinity and switching it': ['session-affinity'],
  'service-proxy-name and headless labels': ['proxy-name-and-headless-labels', 'headless-and-external-name'],
  'dual-stack': ['dual-stack'],
  'updates and deletions': ['updates-and-deletions'],
  'external IPs and LB ingress (ipMode Proxy)': ['external-ips', 'load-balancer-ingress'],
  'bad input skipped, slices merged': ['invalid-objects', 'slice-merging'],
  'known backend differences': ['clusterip-basics', 'unallocated-service-ip', 'node-ports-default-addresses'],
};

describe('suite completeness', () => {
  const scenarios = loadScenarios();
  const names = new Set(scenarios.map((s) => s.name));

  it.each(Object.entries(REQUIRED))('%s is covered', (_behaviour, wanted) => {
    for (const name of wanted) expect(names.has(name) ? name : `missing scenario ${name}`).toBe(name);
  });

  it('every scenario checks something in every step that expects', () => {
    for (const s of scenarios) {
      for (const step of s.steps) {
        if (step.type === 'expect') expect(step.flows.length).toBeGreaterThan(0);
        if (step.type === 'affinity') expect(step.checks.length).toBeGreaterThan(0);
      }
      expect(s.description.length).toBeGreaterThan(20);
    }
  });

  it('every per-backend expectation names a known backend and explains itself', () => {
    for (const s of scenarios) {
      for (const step of s.steps) {
        if (step.type !== 'expect') continue;
        for (const flow of step.flows) {
          for (const [backend, diff] of Object.entries(flow.backends)) {
            expect(['iptables', 'nftables', 'ipvs', 'kernelspace']).toContain(backend);
            expect(diff.note.length).toBeGreaterThan(15);
          }
        }
      }
    }
  });
});
