import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { cidrContains, nthHost } from './addresses.ts';
import { addressLine, routeLine } from './build.ts';
import { planTopology } from './plan.ts';
import type { TopologySpec } from './spec.ts';

const dual: TopologySpec = {
  node: { name: 'node-a', addresses: ['10.0.0.2', 'fd00::2'], podCIDRs: ['10.244.0.0/24', 'fd00:244::/64'] },
  endpoints: [
    { ip: '10.244.0.5', local: true },
    { ip: 'fd00:244::5', local: true },
    { ip: '10.244.1.7', local: false },
  ],
};

describe('nthHost', () => {
  it('counts hosts from the start and from the end, skipping network and IPv4 broadcast', () => {
    expect(nthHost('10.244.0.0/24', 1)).toBe('10.244.0.1');
    expect(nthHost('10.244.0.0/24', -1)).toBe('10.244.0.254');
    expect(nthHost('10.244.0.77/24', 2)).toBe('10.244.0.2');
    expect(nthHost('fd00:244::/64', 1)).toBe('fd00:244::1');
    expect(nthHost('fd00:244::/64', -2)).toBe('fd00:244::ffff:ffff:ffff:fffe');
    expect(() => nthHost('10.0.0.0/30', 3)).toThrow(RangeError);
  });

  it('always stays inside the CIDR (property)', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 8, max: 29 }), fc.integer({ min: 1, max: 3 }), (ip, bits, n) => {
        const cidr = `${ip}/${bits}`;
        expect(cidrContains(cidr, nthHost(cidr, n))).toBe(true);
        expect(cidrContains(cidr, nthHost(cidr, -n))).toBe(true);
      }),
    );
  });
});

describe('planTopology', () => {
  it('puts local endpoints and the pod client behind the node, remote ones behind the remote node', () => {
    const plan = planTopology(dual);
    expect(plan.families).toEqual(['IPv4', 'IPv6']);
    expect(plan.namespaces.map((n) => [n.key, n.role])).toEqual([
      ['node', 'node'],
      ['external-client', 'external-client'],
      ['ep:10.244.0.5', 'endpoint'],
      ['ep:fd00:244::5', 'endpoint'],
      ['pod-client', 'pod-client'],
      ['remote-node', 'remote-node'],
      ['ep:10.244.1.7', 'endpoint'],
    ]);
    expect(plan.hosts['10.244.1.7']).toBe('ep:10.244.1.7');
    expect(plan.hosts['10.0.0.2']).toBe('node');
    expect(plan.hosts['198.51.100.200']).toBe('external-client');
    // The pod client defaults to high hosts of the pod CIDRs.
    expect(plan.namespaces.find((n) => n.key === 'pod-client')?.addresses).toEqual(['10.244.0.253', 'fd00:244::ffff:ffff:ffff:fffe']);
    // Only routers forward.
    expect(plan.namespaces.filter((n) => n.forwarding).map((n) => n.key)).toEqual(['node', 'remote-node']);
  });

  it('routes pods through a gateway on the node side of their own veth, and remote endpoints via the remote node', () => {
    const plan = planTopology(dual);
    const podLink = plan.links.find((l) => l.b === 'ep:10.244.0.5');
    expect(podLink).toMatchObject({ a: 'node', bIf: 'eth0' });
    expect(plan.addresses).toContainEqual({ ns: 'node', ifname: podLink?.aIf, cidr: '10.244.0.1/32' });
    expect(plan.routes).toContainEqual({ ns: 'ep:10.244.0.5', family: 'IPv4', dst: 'default', dev: 'eth0', gateway: '10.244.0.1' });
    expect(plan.routes).toContainEqual({ ns: 'node', family: 'IPv4', dst: '10.244.0.5/32', dev: podLink?.aIf });
    expect(plan.routes).toContainEqual({ ns: 'node', family: 'IPv4', dst: '10.244.1.7/32', dev: 'peer0', gateway: '10.255.255.254' });
    expect(plan.routes).toContainEqual({ ns: 'node', family: 'IPv6', dst: 'default', dev: 'ext0', gateway: '2001:db8:ffff::200' });
    // Every link is between two namespaces of the plan: nothing is wired to the host.
    const keys = new Set(plan.namespaces.map((n) => n.key));
    for (const l of plan.links) expect(keys.has(l.a) && keys.has(l.b)).toBe(true);
    // Interface names fit the kernel's 15 characters and are unique per namespace.
    const perNs = new Map<string, string[]>();
    for (const l of plan.links) {
      perNs.set(l.a, [...(perNs.get(l.a) ?? []), l.aIf]);
      perNs.set(l.b, [...(perNs.get(l.b) ?? []), l.bIf]);
    }
    for (const names of perNs.values()) {
      expect(new Set(names).size).toBe(names.length);
      for (const n of names) expect(n.length).toBeLessThanOrEqual(15);
    }
  });

  it('serves host-network endpoints from the node itself and places extra clients by role', () => {
    const plan = planTopology({
      node: { name: 'n', addresses: ['10.0.0.2'], podCIDRs: ['10.244.0.0/24'] },
      endpoints: [{ ip: '10.0.0.2', local: true }],
      extraClients: [
        { name: 'outside', role: 'external', addresses: ['203.0.113.9'] },
        { name: 'other-pod', role: 'pod', addresses: ['10.244.0.77'] },
      ],
    });
    expect(plan.hosts['10.0.0.2']).toBe('node');
    expect(plan.namespaces.some((n) => n.key === 'ep:10.0.0.2')).toBe(false);
    expect(plan.links.find((l) => l.b === 'client:outside')?.aIf).toBe('ext1');
    expect(plan.links.find((l) => l.b === 'client:other-pod')?.aIf).toMatch(/^veth\d+$/);
  });

  it('puts secondary node addresses on the external link after the primary, which stays the next hop', () => {
    const plan = planTopology({ node: { name: 'n', addresses: ['10.0.0.10', '10.0.1.10'] } });
    expect(plan.addresses.filter((a) => a.ns === 'node').map((a) => a.cidr)).toEqual(['10.0.0.10/32', '10.0.1.10/32']);
    expect(plan.hosts['10.0.1.10']).toBe('node');
    expect(plan.routes).toContainEqual({ ns: 'external-client', family: 'IPv4', dst: 'default', dev: 'eth0', gateway: '10.0.0.10' });
  });

  it('refuses inconsistent descriptions with a message naming the problem', () => {
    expect(() => planTopology({ node: { name: 'n', addresses: [] } })).toThrow(/no address/);
    expect(() => planTopology({ node: { name: 'n', addresses: ['10.0.0.2'] }, endpoints: [{ ip: 'fd00::5', local: true }] })).toThrow(/no IPv6/);
    expect(() => planTopology({ node: { name: 'n', addresses: ['10.0.0.2'] }, endpoints: [{ ip: 'x; rm -rf /', local: true }] })).toThrow(/not an IP/);
    expect(() =>
      planTopology({ node: { name: 'n', addresses: ['10.0.0.2'], podCIDRs: ['10.244.0.0/24'] }, endpoints: [{ ip: '10.244.0.1', local: true }] }),
    ).toThrow(/gateway/);
    expect(() => planTopology({ node: { name: 'n', addresses: ['10.0.0.2'] }, externalClient: ['10.0.0.2'] })).toThrow(/already in use/);
    expect(() => planTopology({ prefix: 'Bad Prefix', node: { name: 'n', addresses: ['10.0.0.2'] } })).toThrow(/prefix/);
  });
});

describe('ip batch lines', () => {
  it('spell default routes per family and add IPv6 addresses without DAD', () => {
    expect(routeLine({ ns: 'x', family: 'IPv6', dst: 'default', dev: 'eth0', gateway: 'fd00::1' })).toBe('route add ::/0 via fd00::1 dev eth0');
    expect(routeLine({ ns: 'x', family: 'IPv4', dst: '10.0.0.5/32', dev: 'veth0' })).toBe('route add 10.0.0.5/32 dev veth0');
    expect(addressLine({ ns: 'x', ifname: 'eth0', cidr: 'fd00::5/128' })).toBe('addr add fd00::5/128 dev eth0 nodad');
  });
});
