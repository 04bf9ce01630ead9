import { describe, expect, it } from '@jest/globals';
import { parseScenario, resolveSource } from './load.ts';

const base = `
name: t
description: d
node:
  name: node-a
  zone: z1
  addresses: {IPv4: [10.0.0.10], IPv6: ['fd00:10::10']}
  podCIDRs: [10.244.1.0/24, 'fd00:244:1::/64']
  clusterCIDRs: [10.244.0.0/16, 'fd00:244::/32']
objects:
  - apiVersion: v1
    kind: Service
    metadata: {name: web}
    spec: {clusterIP: 10.96.0.10, ports: [{port: 80}]}
steps:
  - expect:
      - {from: pod, proto: tcp, dst: 10.96.0.10, port: 80, expect: [10.244.1.2:8080, 10.244.2.3:8080], masq: false}
      - {from: external, proto: UDP, dst: 'fd00::1', port: 53, expect: REJECT,
         backends: {iptables: {expect: PASS, note: differs}}}
  - wait-for-sync
  - affinity:
      - {from: 10.244.2.7, proto: tcp, dst: 10.96.0.10, port: 80, sticky: true}
`;

describe('parseScenario', () => {
  it('applies defaults and resolves clients', () => {
    const s = parseScenario(base, 'x.yaml');
    expect(s.node.families).toEqual(['IPv4', 'IPv6']);
    expect(s.node.detectLocal).toBe('ClusterCIDR');
    expect(s.node.addresses.IPv4?.podClient).toBe('10.244.1.250');
    expect(s.node.addresses.IPv6?.podClient).toBe('fd00:244:1::fa');
    expect(s.node.addresses.IPv6?.externalClient).toBe('2001:db8:ff::10');
    expect(s.node.podInterface).toBe('kpod0');
    expect(s.objects.map((o) => o.kind)).toEqual(['Node', 'Service']);
    const node = s.objects[0].object;
    expect(node.metadata.labels).toEqual({ 'topology.kubernetes.io/zone': 'z1' });
    const step = s.steps[0];
    if (step.type !== 'expect') throw new Error('expected an expect step');
    expect(step.flows[0].outcome).toEqual({ verdict: 'DNAT', endpoints: ['10.244.1.2:8080', '10.244.2.3:8080'], masq: false });
    expect(step.flows[1]).toMatchObject({ protocol: 'UDP', family: 'IPv6', dst: 'fd00::1', source: { kind: 'external' } });
    expect(step.flows[1].backends.iptables).toEqual({ outcome: { verdict: 'PASS' }, note: 'differs' });
    expect(s.steps[1]).toEqual({ type: 'wait-for-sync', index: 1 });
    const aff = s.steps[2];
    if (aff.type !== 'affinity') throw new Error('expected an affinity step');
    expect(aff.checks[0]).toMatchObject({ connections: 20, sticky: true, source: { kind: 'external' } });
  });

  it('maps explicit sources to node, pod or external', () => {
    const s = parseScenario(base, 'x.yaml');
    expect(resolveSource(s.node, 'node', 'IPv4')).toEqual({ ip: '10.0.0.10', kind: 'node' });
    expect(resolveSource(s.node, '10.0.0.10', 'IPv4').kind).toBe('node');
    expect(resolveSource(s.node, '10.244.1.9', 'IPv4').kind).toBe('pod');
    expect(resolveSource(s.node, '10.244.2.9', 'IPv4').kind).toBe('external');
    expect(resolveSource(s.node, 'external', 'IPv4')).toEqual({ ip: '203.0.113.10', kind: 'external' });
  });

  it.each([
    ['port: 80, expect', 'port: 0, expect', 'steps[0].expect[0].port: must be an integer 1..65535, got 0'],
    ['proto: tcp', 'proto: icmp', 'steps[0].expect[0].proto: must be tcp, udp or sctp'],
    [', masq: false}', '}', 'steps[0].expect[0].masq: is required'],
    ['10.244.1.2:8080,', '10.244.1.2,', 'steps[0].expect[0].expect[0]: must be ip:port'],
    ['note: differs', 'nope: 1', 'steps[0].expect[1].backends.iptables.nope: unknown field'],
    ['  - wait-for-sync', '  - sleep: 1', 'steps[1]: unknown step "sleep"'],
    ['kind: Service', 'kind: Pod', 'objects[0].kind: must be Service, EndpointSlice or Node'],
    ["podCIDRs: [10.244.1.0/24, 'fd00:244:1::/64']", 'podCIDRs: [10.244.1.0/33]', 'node.podCIDRs[0]: must be a CIDR'],
    ['sticky: true', 'sticky: yes', 'steps[2].affinity[0].sticky: is required'],
    ["dst: 'fd00::1'", 'dst: fd00::1::2', 'steps[0].expect[1].dst: must be an IP address'],
  ])('rejects %s -> %s', (from, to, message) => {
    const text = base.replace(from, to);
    expect(text).not.toBe(base);
    expect(() => parseScenario(text, 'x.yaml')).toThrow(`x.yaml: ${message}`);
  });

  it('needs CIDRs for the detect-local mode and refuses a scenario that checks nothing', () => {
    expect(() => parseScenario(base.replace(/ {2}clusterCIDRs.*\n/, '  detectLocal: ClusterCIDR\n'), 'x.yaml')).toThrow(
      'detectLocal ClusterCIDR needs a IPv4 clusterCIDRs entry',
    );
    const noChecks = base.slice(0, base.indexOf('steps:')) + 'steps:\n  - wait-for-sync\n';
    expect(() => parseScenario(noChecks, 'x.yaml')).toThrow('the scenario checks nothing');
    expect(() => parseScenario('a: [', 'bad.yaml')).toThrow('bad.yaml: (top): not valid YAML');
  });
});
