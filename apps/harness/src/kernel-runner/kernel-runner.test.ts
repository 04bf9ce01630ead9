import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { compareOutcome, loadScenarioFile, SCENARIO_DIR } from '@kproxy/conformance';
import type { FlowObservation } from '../probe/agent-client.ts';
import { planTopology } from '../topology/plan.ts';
import { daemonArgs } from './daemon-args.ts';
import { newestMetric } from './daemon.ts';
import { observationOf } from './observe.ts';
import { withoutUnsendable } from './run.ts';
import { kernelLayout, unsupportedReason } from './scenario-topology.ts';

const basics = loadScenarioFile(path.join(SCENARIO_DIR, 'clusterip-basics.yaml'));
const byName = (name: string) => loadScenarioFile(path.join(SCENARIO_DIR, `${name}.yaml`));

function flowObs(answers: Record<string, string[]>, outcomes: FlowObservation['outcomes'] = {}): FlowObservation {
  const map = new Map(Object.entries(answers).map(([k, v]) => [k, { count: v.length, sources: new Set(v) }]));
  const answered = Object.values(answers).reduce((n, v) => n + v.length, 0);
  return { answers: map, outcomes: { ...(answered ? { answered } : {}), ...outcomes }, details: [], connections: 1, elapsedMs: 1 };
}

describe('kernelLayout', () => {
  it('maps a scenario onto a valid topology: local and remote endpoints, clients, echo ports', () => {
    const layout = kernelLayout(basics, 'kpu');
    expect(layout.topology.node.addresses).toEqual(['10.0.0.10']);
    expect(layout.topology.endpoints).toEqual([
      { ip: '10.244.1.2', local: true },
      { ip: '10.244.2.3', local: false },
    ]);
    expect(layout.topology.podClient).toEqual(['10.244.1.250']);
    // `from: 10.244.2.7` (a pod on another node) gets its own external-side client.
    expect(layout.topology.extraClients).toEqual([{ name: 'c0', role: 'external', addresses: ['10.244.2.7'] }]);
    const echo = layout.echo.find((e) => e.name === '10.244.1.2');
    expect(echo?.listen.map((l) => `${l.proto}/${l.port}`).sort()).toEqual(['sctp/5355', 'tcp/5353', 'tcp/8080', 'tcp/8443', 'udp/5354']);
    const plan = planTopology(layout.topology);
    expect(plan.hosts['10.244.2.7']).toBe('client:c0');
    expect(plan.links.find((l) => l.a === 'node' && l.b === 'external-client')?.aIf).toBe('eth0');
  });

  it('leaves SCTP flows out, naming each, and refuses bridge-based local detection', () => {
    const { scenario, skipped } = withoutUnsendable(basics);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatch(/same port sctp.*SCTP/);
    const flows = scenario.steps.flatMap((s) => (s.type === 'expect' ? s.flows : []));
    expect(flows.some((f) => f.protocol === 'SCTP')).toBe(false);
    expect(unsupportedReason(basics)).toBeUndefined();
    const sticky = withoutUnsendable(byName('session-affinity'));
    expect(sticky.skipped).toEqual([expect.stringMatching(/both endpoints reachable.*ClientIP affinity/)]);
    // Affinity checks on the same service stay: they are what real packets can judge.
    expect(sticky.scenario.steps.flatMap((s) => (s.type === 'affinity' ? s.checks : []))).toHaveLength(5);
    expect(unsupportedReason({ ...basics, node: { ...basics.node, detectLocal: 'BridgeInterface' } })).toMatch(/bridge/);
  });
});

describe('daemonArgs', () => {
  it('passes the node and proxy options as kube-proxy flags', () => {
    const args = daemonArgs(
      { ...basics.node, masqueradeAll: true, nodePortAddresses: ['primary'] },
      { kubeconfig: '/tmp/k', backend: 'nftables', healthzBindAddress: '127.0.0.1:10256', metricsBindAddress: '127.0.0.1:10249', minSyncPeriod: '100ms', syncPeriod: '5s', verbosity: 2 },
    );
    const flag = (name: string) => args[args.indexOf(name) + 1];
    expect(flag('--hostname-override')).toBe('node-a');
    expect(flag('--cluster-cidr')).toBe('10.244.0.0/16');
    expect(flag('--nftables-min-sync-period')).toBe('100ms');
    expect(flag('--nodeport-addresses')).toBe('primary');
    expect(args).toContain('--masquerade-all');
  });

  it('spells detect-local None as kube-proxy does: ClusterCIDR without a cluster CIDR', () => {
    const args = daemonArgs(
      { ...basics.node, detectLocal: 'None' },
      { kubeconfig: '/tmp/k', backend: 'nftables', healthzBindAddress: 'a', metricsBindAddress: 'b', minSyncPeriod: '1s', syncPeriod: '5s', verbosity: 0 },
    );
    expect(args[args.indexOf('--detect-local-mode') + 1]).toBe('ClusterCIDR');
    expect(args).not.toContain('--cluster-cidr');
  });
});

describe('newestMetric', () => {
  it('reads the newest sample of a metric across label sets, ignoring metrics that share a prefix', () => {
    const text = [
      '# HELP kubeproxy_sync_proxy_rules_last_timestamp_seconds The last time proxy rules were synced',
      'kubeproxy_sync_proxy_rules_last_timestamp_seconds{ip_family="IPv4"} 1700000001.5',
      'kubeproxy_sync_proxy_rules_last_timestamp_seconds{ip_family="IPv6"} 1700000003',
      'kubeproxy_sync_proxy_rules_last_timestamp_seconds_extra 1800000000',
    ].join('\n');
    expect(newestMetric(text, 'kubeproxy_sync_proxy_rules_last_timestamp_seconds')).toBe(1700000003);
    expect(newestMetric(text, 'kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds')).toBe(0);
  });
});

describe('observationOf', () => {
  it('reports answering servers and whether they saw the client itself', () => {
    const o = observationOf(flowObs({ '10.244.1.2:8080': ['10.244.1.250'], '10.244.2.3:8080': ['10.244.1.250'] }), '10.244.1.250', '10.96.0.10', 80);
    expect(o).toMatchObject({ verdict: 'DNAT', endpoints: ['10.244.1.2:8080', '10.244.2.3:8080'], masq: false });
    const masq = observationOf(flowObs({ '10.244.1.2:8080': ['10.244.1.1'] }), '10.0.0.10', '10.96.0.10', 80);
    expect(masq.masq).toBe(true);
    expect(compareOutcome({ verdict: 'DNAT', endpoints: ['10.244.1.2:8080'], masq: false }, masq)).toMatch(/masq=true/);
  });

  it('makes partial answers fail and tells refusals from silence', () => {
    const partial = observationOf(flowObs({ '10.244.1.2:8080': ['x'] }, { timeout: 2 }), 'x', '10.96.0.10', 80);
    expect(compareOutcome({ verdict: 'DNAT', endpoints: ['10.244.1.2:8080'], masq: false }, partial)).toMatch(/unexpected endpoints \(timeout ×2\)/);
    expect(observationOf(flowObs({}, { refused: 1 }), 'x', '10.96.0.10', 80).verdict).toBe('REJECT');
    const silent = observationOf(flowObs({}, { timeout: 1 }), 'x', '10.96.0.99', 80);
    expect(silent.verdict).toBe('DROP');
    expect(compareOutcome({ verdict: 'PASS' }, silent)).toBeUndefined();
    expect(compareOutcome({ verdict: 'REJECT' }, silent)).toMatch(/verdict DROP/);
    // An answer from the destination itself, untranslated, is traffic the proxy let pass.
    expect(observationOf(flowObs({ '10.244.1.2:8080': ['x'] }), 'x', '10.244.1.2', 8080).verdict).toBe('PASS');
  });
});
