import { describe, expect, it } from '@jest/globals';
import type { KubeNode, Reason } from '@kproxy/api';
import { nodeContextFrom } from './node-context.ts';
import type { NodeContextOptions } from './node-context.ts';
import { STATE_REASONS as R } from './reason-codes.ts';

const node: KubeNode = {
  metadata: { name: 'node-a', labels: { 'topology.kubernetes.io/zone': 'z1' } },
  spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24', 'fd00:244:1::/64'] },
  status: {
    addresses: [
      { type: 'Hostname', address: 'node-a' },
      { type: 'ExternalIP', address: '203.0.113.10' },
      { type: 'InternalIP', address: '192.168.0.10' },
      { type: 'InternalIP', address: 'fd00:192::10' },
    ],
  },
};

const base: NodeContextOptions = {
  hostname: 'node-a',
  detectLocalMode: 'ClusterCIDR',
  clusterCIDRs: ['10.244.0.0/16', 'fd00:244::/56'],
  nodePortAddresses: [],
  masqueradeAll: false,
  features: {},
};

describe('nodeContextFrom', () => {
  it('takes name, zone, node IPs (InternalIP first) of the family, and defaults', () => {
    expect(nodeContextFrom(node, 'IPv4', base)).toEqual({
      name: 'node-a',
      family: 'IPv4',
      zone: 'z1',
      nodeIPs: ['192.168.0.10', '203.0.113.10'],
      nodePortAddresses: { kind: 'all' },
      localDetector: { mode: 'ClusterCIDR', cidrs: ['10.244.0.0/16'] },
      masqueradeAll: false,
      masqueradeBit: 14,
      features: {},
    });
    const six = nodeContextFrom(node, 'IPv6', base);
    expect(six.nodeIPs).toEqual(['fd00:192::10']);
    expect(six.localDetector).toEqual({ mode: 'ClusterCIDR', cidrs: ['fd00:244::/56'] });
  });

  it('works without a Node (not yet known): no zone, no IPs', () => {
    const ctx = nodeContextFrom(undefined, 'IPv4', base);
    expect(ctx.zone).toBeUndefined();
    expect(ctx.nodeIPs).toEqual([]);
    expect(ctx.name).toBe('node-a');
  });

  it('prefers explicit node IPs, normalised and filtered by family', () => {
    const ctx = nodeContextFrom(node, 'IPv4', { ...base, nodeIPs: ['010.000.000.005', 'fd00::5'] });
    expect(ctx.nodeIPs).toEqual(['10.0.0.5']);
  });

  it('falls back to the Node for a family the explicit node IPs do not cover', () => {
    const ctx = nodeContextFrom(node, 'IPv6', { ...base, nodeIPs: ['10.0.0.5'] });
    expect(ctx.nodeIPs).toEqual(['fd00:192::10']);
  });

  it.each<[string, Partial<NodeContextOptions>, unknown]>([
    ['ClusterCIDR', {}, { mode: 'ClusterCIDR', cidrs: ['10.244.0.0/16'] }],
    ['ClusterCIDR without a CIDR of the family', { clusterCIDRs: ['fd00:244::/56'] }, { mode: 'None' }],
    ['NodeCIDR from the Node', { detectLocalMode: 'NodeCIDR' }, { mode: 'NodeCIDR', cidrs: ['10.244.1.0/24'] }],
    ['NodeCIDR from options', { detectLocalMode: 'NodeCIDR', podCIDRs: ['10.250.0.0/24'] }, { mode: 'NodeCIDR', cidrs: ['10.250.0.0/24'] }],
    ['BridgeInterface', { detectLocalMode: 'BridgeInterface', bridgeInterface: 'cbr0' }, { mode: 'BridgeInterface', interfaceName: 'cbr0' }],
    ['InterfaceNamePrefix', { detectLocalMode: 'InterfaceNamePrefix', interfaceNamePrefix: 'veth' }, { mode: 'InterfaceNamePrefix', interfacePrefix: 'veth' }],
    ['None', { detectLocalMode: 'None' }, { mode: 'None' }],
    ['empty', { detectLocalMode: '' }, { mode: 'None' }],
  ])('local detector: %s', (_name, options, expected) => {
    expect(nodeContextFrom(node, 'IPv4', { ...base, ...options }).localDetector).toEqual(expected);
  });

  it.each<[string, string[], readonly string[] | undefined, unknown]>([
    ['unset: every local address', [], undefined, { kind: 'all' }],
    ['primary: the primary node IP', ['primary'], undefined, { kind: 'ips', ips: ['192.168.0.10'] }],
    ['a CIDR matched against node IPs', ['203.0.113.0/24'], undefined, { kind: 'ips', ips: ['203.0.113.10'] }],
    ['a CIDR matched against local addresses', ['192.168.0.0/16'], ['192.168.0.10', '192.168.5.5', '10.0.0.1'], { kind: 'ips', ips: ['192.168.0.10', '192.168.5.5'] }],
    ['a zero CIDR: every local address', ['192.168.0.0/16', '0.0.0.0/0'], undefined, { kind: 'all' }],
    ['only the other family: every local address', ['fd00::/8'], undefined, { kind: 'all' }],
    ['a CIDR matching nothing: no address', ['198.51.100.0/24'], undefined, { kind: 'ips', ips: [] }],
    ['127.0.0.0/8 with loopback among local addresses', ['127.0.0.0/8'], ['127.0.0.1', '192.168.0.10'], { kind: 'ips', ips: ['127.0.0.1'] }],
  ])('nodePortAddresses: %s', (_name, entries, localAddresses, expected) => {
    const ctx = nodeContextFrom(node, 'IPv4', { ...base, nodePortAddresses: entries, ...(localAddresses ? { localAddresses } : {}) });
    expect(ctx.nodePortAddresses).toEqual(expected);
  });

  it('reports and skips invalid option entries', () => {
    const reasons: Reason[] = [];
    const ctx = nodeContextFrom(node, 'IPv4', {
      ...base,
      nodeIPs: ['bogus', '192.168.0.11'],
      clusterCIDRs: ['10.244.0.0/99', '10.244.0.0/16'],
      nodePortAddresses: ['nope', '192.168.0.0/16'],
      onReason: (r) => reasons.push(r),
    });
    expect(ctx.nodeIPs).toEqual(['192.168.0.11']);
    expect(ctx.localDetector).toEqual({ mode: 'ClusterCIDR', cidrs: ['10.244.0.0/16'] });
    expect(ctx.nodePortAddresses).toEqual({ kind: 'ips', ips: ['192.168.0.11'] });
    expect(reasons.map((r) => r.code)).toEqual([R.InvalidNodeOption, R.InvalidNodeOption, R.InvalidNodeOption]);
  });

  it('carries masquerade settings and features', () => {
    const ctx = nodeContextFrom(node, 'IPv4', { ...base, masqueradeAll: true, masqueradeBit: 15, features: { PreferSameTrafficDistribution: false } });
    expect(ctx).toMatchObject({ masqueradeAll: true, masqueradeBit: 15, features: { PreferSameTrafficDistribution: false } });
  });
});
