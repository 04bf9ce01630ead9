import { describe, expect, it } from '@jest/globals';
import { cidrContains, cidrHost, parseCIDR } from './cidr.ts';
import { parseScenario } from './load.ts';
import { flowPacket, sourceFor } from './packet.ts';

const scenario = (node: string) =>
  parseScenario(
    `
name: p
description: d
node: {name: n, addresses: {IPv4: [10.0.0.10, 10.0.1.10]}, podCIDRs: [10.244.1.0/24], ${node}}
steps:
  - expect:
      - {from: pod, proto: sctp, dst: 10.96.0.1, port: 80, expect: PASS}
`,
    'p.yaml',
  );

describe('flow sources', () => {
  it('maps pod, node, external and explicit IPs to address, hook and interface', () => {
    const { node } = scenario('detectLocal: BridgeInterface, bridgeInterface: cbr0');
    expect(sourceFor(node, 'pod', 'IPv4')).toEqual({ ip: '10.244.1.250', kind: 'pod', hook: 'prerouting', iifname: 'cbr0' });
    expect(sourceFor(node, 'node', 'IPv4')).toEqual({ ip: '10.0.0.10', kind: 'node', hook: 'output' });
    expect(sourceFor(node, '10.0.1.10', 'IPv4')).toEqual({ ip: '10.0.1.10', kind: 'node', hook: 'output' });
    expect(sourceFor(node, 'external', 'IPv4')).toEqual({ ip: '203.0.113.10', kind: 'external', hook: 'prerouting', iifname: 'eth0' });
    expect(sourceFor(node, '10.244.1.7', 'IPv4')).toMatchObject({ kind: 'pod', iifname: 'cbr0' });
    expect(sourceFor(node, '10.244.2.7', 'IPv4')).toMatchObject({ kind: 'external', iifname: 'eth0' });
    expect(() => sourceFor(node, 'pod', 'IPv6')).toThrow('no IPv6 address');
  });

  it('uses the prefix interface and builds the packet of a flow', () => {
    const s = scenario('detectLocal: InterfaceNamePrefix, interfacePrefix: veth');
    const step = s.steps[0];
    if (step.type !== 'expect') throw new Error('expect step');
    expect(flowPacket(s.node, step.flows[0], 41000)).toEqual({
      family: 'IPv4',
      protocol: 'SCTP',
      src: '10.244.1.250',
      dst: '10.96.0.1',
      dport: 80,
      sport: 41000,
      hook: 'prerouting',
      iifname: 'veth0',
    });
  });
});

describe('cidr helpers', () => {
  it('contains and hosts', () => {
    const v6 = parseCIDR('fd00:244:1::/64');
    if (!v6) throw new Error('parse');
    expect(cidrHost(v6, 250)).toBe('fd00:244:1::fa');
    expect(cidrContains(v6, 'fd00:244:1::fa')).toBe(true);
    expect(cidrContains(v6, 'fd00:244:2::fa')).toBe(false);
    expect(cidrContains(v6, '10.0.0.1')).toBe(false);
    const v4 = parseCIDR('010.244.1.7/20');
    expect(v4?.text).toBe('10.244.1.7/20');
    if (!v4) throw new Error('parse');
    expect(cidrHost(v4, 3)).toBe('10.244.0.3');
    expect(parseCIDR('10.0.0.0/33')).toBeUndefined();
    expect(parseCIDR('10.0.0.0')).toBeUndefined();
  });
});
