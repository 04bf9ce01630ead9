import { describe, expect, it } from '@jest/globals';
import { HNS_ENDPOINT_FLAGS, HNS_LOAD_BALANCER_FLAGS } from '../hns-model.ts';
import type { HnsLoadBalancerSpec } from '../hns-model.ts';
import { must } from '../../test/fixtures.ts';
import { FakeHns, HNS_PORT_ALREADY_EXISTS } from './fake-hns.ts';

function setup() {
  const hns = new FakeHns();
  const net = hns.addNetwork({ name: 'cbr0', type: 'L2Bridge' });
  const a = hns.addLocalEndpoint('cbr0', '10.244.0.5');
  const b = hns.addLocalEndpoint('cbr0', '10.244.0.6');
  return { hns, net, a, b };
}

function lb(vip: string | undefined, ids: string[], over: Partial<HnsLoadBalancerSpec> = {}): HnsLoadBalancerSpec {
  return {
    sourceVip: '',
    frontendVips: vip ? [vip] : [],
    portMappings: [{ protocol: 6, internalPort: 8080, externalPort: 80, distributionType: 'None', flags: 0 }],
    hostComputeEndpoints: ids,
    flags: 0,
    ...over,
  };
}

describe('FakeHns', () => {
  it('assigns distinct ids and returns copies', async () => {
    const { hns, a } = setup();
    const created = await hns.createLoadBalancer(lb('10.96.0.10', [a.id]));
    expect(created.id).toMatch(/^[0-9A-F]{8}-/);
    expect(created.id).not.toBe(a.id);
    (created.hostComputeEndpoints as string[]).push('junk');
    const again = await hns.getLoadBalancer(created.id);
    expect(again.hostComputeEndpoints).toEqual([a.id]);
  });

  it('rejects a second load balancer on the same VIP, port and protocol', async () => {
    const { hns, a, b } = setup();
    await hns.createLoadBalancer(lb('10.96.0.10', [a.id]));
    const err = await hns.createLoadBalancer(lb('10.96.0.10', [b.id])).catch((e: unknown) => e);
    expect((err as Error).name).toBe('KernelRejectedError');
    expect((err as { detail: string }).detail).toBe(HNS_PORT_ALREADY_EXISTS);
    // Another protocol, another port, or another VIP is fine.
    const udp = lb('10.96.0.10', [b.id]);
    await hns.createLoadBalancer({ ...udp, portMappings: [{ ...must(udp.portMappings[0]), protocol: 17 }] });
    await hns.createLoadBalancer(lb('10.96.0.11', [b.id]));
    expect((await hns.listLoadBalancers()).length).toBe(3);
  });

  it('lets IPv4 and IPv6 node-port policies share a port, but not two of one family', async () => {
    const { hns, a } = setup();
    const v6 = hns.addLocalEndpoint('cbr0', 'fd00::5');
    await hns.createLoadBalancer(lb(undefined, [a.id]));
    await hns.createLoadBalancer(lb(undefined, [v6.id], { flags: HNS_LOAD_BALANCER_FLAGS.IPv6 }));
    await expect(hns.createLoadBalancer(lb(undefined, [a.id]))).rejects.toMatchObject({ name: 'KernelRejectedError' });
  });

  it('rejects unknown endpoint ids, no endpoints, bad addresses, mixed families and bad ports', async () => {
    const { hns, a } = setup();
    const v6 = hns.addLocalEndpoint('cbr0', 'fd00::5');
    const bad: HnsLoadBalancerSpec[] = [
      lb('10.96.0.10', ['nope']),
      lb('10.96.0.10', []),
      lb('10.96.0.10', [a.id, a.id]),
      lb('10.96.0.300', [a.id]),
      lb('10.96.0.10', [v6.id]),
      lb('10.96.0.10', [a.id], { sourceVip: 'x' }),
      lb('10.96.0.10', [a.id], { portMappings: [] }),
      lb('10.96.0.10', [a.id], { portMappings: [{ protocol: 1, internalPort: 1, externalPort: 1, distributionType: 'None', flags: 0 }] }),
      lb('10.96.0.10', [a.id], { portMappings: [{ protocol: 6, internalPort: 0, externalPort: 80, distributionType: 'None', flags: 0 }] }),
      lb('10.96.0.10', [a.id], { portMappings: [{ protocol: 6, internalPort: 80, externalPort: 70000, distributionType: 'None', flags: 0 }] }),
    ];
    for (const spec of bad) {
      await expect(hns.createLoadBalancer(spec)).rejects.toMatchObject({ name: 'KernelRejectedError' });
    }
    expect(await hns.listLoadBalancers()).toEqual([]);
  });

  it('updates in place, keeping the id, and validates the update like a create', async () => {
    const { hns, a, b } = setup();
    const one = await hns.createLoadBalancer(lb('10.96.0.10', [a.id]));
    const two = await hns.createLoadBalancer(lb('10.96.0.11', [a.id]));
    const updated = await hns.updateLoadBalancer(one.id, lb('10.96.0.10', [a.id, b.id]));
    expect(updated.id).toBe(one.id);
    expect((await hns.getLoadBalancer(one.id)).hostComputeEndpoints).toEqual([a.id, b.id]);
    // Moving it onto the other's frontend clashes; updating itself does not.
    await expect(hns.updateLoadBalancer(one.id, lb('10.96.0.11', [a.id]))).rejects.toMatchObject({ name: 'KernelRejectedError' });
    await expect(hns.updateLoadBalancer('missing', lb('10.96.0.12', [a.id]))).rejects.toMatchObject({ name: 'NotFoundError' });
    expect((await hns.getLoadBalancer(two.id)).frontendVips).toEqual(['10.96.0.11']);
  });

  it('creates remote endpoints and refuses duplicates, bad MACs and unknown networks', async () => {
    const { hns, net } = setup();
    const remote = await hns.createEndpoint({
      name: 'r', networkId: net.id, ipAddress: '10.244.1.5', macAddress: '02-11-0a-f4-01-05',
      flags: HNS_ENDPOINT_FLAGS.RemoteEndpoint, providerAddress: '192.168.1.11',
    });
    expect(remote.flags & HNS_ENDPOINT_FLAGS.RemoteEndpoint).toBe(1);
    const spec = { name: 'x', networkId: net.id, ipAddress: '10.244.1.5', macAddress: '02-11-0a-f4-01-05', flags: 1 };
    await expect(hns.createEndpoint(spec)).rejects.toMatchObject({ name: 'KernelRejectedError' });
    await expect(hns.createEndpoint({ ...spec, ipAddress: '10.244.1.6', macAddress: 'zz' })).rejects.toMatchObject({ name: 'KernelRejectedError' });
    await expect(hns.createEndpoint({ ...spec, ipAddress: '10.244.1.6', networkId: 'nope' })).rejects.toMatchObject({ name: 'NotFoundError' });
    expect((await hns.listEndpoints(net.id)).map((e) => e.ipAddress).sort()).toEqual(['10.244.0.5', '10.244.0.6', '10.244.1.5']);
  });

  it('refuses to delete an endpoint a load balancer uses, and reports missing objects', async () => {
    const { hns, a, b } = setup();
    const l = await hns.createLoadBalancer(lb('10.96.0.10', [a.id]));
    await expect(hns.deleteEndpoint(a.id)).rejects.toMatchObject({ name: 'KernelRejectedError' });
    await hns.deleteEndpoint(b.id);
    await hns.deleteLoadBalancer(l.id);
    await hns.deleteEndpoint(a.id);
    await expect(hns.deleteLoadBalancer(l.id)).rejects.toMatchObject({ name: 'NotFoundError' });
    await expect(hns.getEndpoint(a.id)).rejects.toMatchObject({ name: 'NotFoundError' });
    await expect(hns.getNetworkByName('other')).rejects.toMatchObject({ name: 'NotFoundError' });
    await expect(hns.getEndpointByName('other')).rejects.toMatchObject({ name: 'NotFoundError' });
  });

  it('records every call with read/write counters, failed ones included', async () => {
    const { hns, a } = setup();
    await hns.listLoadBalancers();
    await hns.createLoadBalancer(lb('10.96.0.10', [a.id]));
    await hns.createLoadBalancer(lb('10.96.0.10', [a.id])).catch(() => undefined);
    expect(hns.counts()).toEqual({ reads: 1, writes: 2, byOp: { listLoadBalancers: 1, createLoadBalancer: 2 } });
    expect(hns.writes()[1]?.error).toContain('already exists');
    hns.resetCalls();
    expect(hns.counts().writes).toBe(0);
  });

  it('injects failures once per failNext', async () => {
    const { hns, a } = setup();
    hns.failNext('createLoadBalancer', new Error('boom'));
    await expect(hns.createLoadBalancer(lb('10.96.0.10', [a.id]))).rejects.toThrow('boom');
    await hns.createLoadBalancer(lb('10.96.0.10', [a.id]));
    expect((await hns.listLoadBalancers()).length).toBe(1);
  });

  it('dumps objects as stable text without ids', async () => {
    const { hns, a, b } = setup();
    await hns.createLoadBalancer(lb('10.96.0.10', [b.id, a.id], { flags: HNS_LOAD_BALANCER_FLAGS.DSR }));
    expect(hns.dump()).toBe(
      [
        'endpoint local 10.244.0.5 mac=00-15-0a-f4-00-05',
        'endpoint local 10.244.0.6 mac=00-15-0a-f4-00-06',
        'loadbalancer 10.96.0.10:80/TCP internal=8080 dist=None portFlags=None flags=DSR sourceVip=- endpoints=10.244.0.5,10.244.0.6',
      ].join('\n'),
    );
  });
});
