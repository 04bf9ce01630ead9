import { describe, expect, it } from '@jest/globals';
import { silentLogger, systemClock } from '@kproxy/api';
import type { Components, ServicePort } from '@kproxy/api';
import { ep, must, state, svc } from '../test/fixtures.ts';
import { winkernelBackend } from './backend.ts';
import type { WinkernelOptions } from './options.ts';
import { FakeHns } from './testing/fake-hns.ts';

const components: Components = {
  logger: silentLogger,
  clock: systemClock,
  executor: { run: () => Promise.reject(new Error('winkernel never spawns')) },
};

function setup(opts: Partial<Omit<WinkernelOptions, 'hns'>> = {}, localIps: string[] = ['10.244.1.5', '10.244.1.6']) {
  const hns = new FakeHns();
  hns.addNetwork({ name: 'cbr0', type: 'L2Bridge' });
  for (const ip of localIps) hns.addLocalEndpoint('cbr0', ip);
  const backend = winkernelBackend({ hns, networkName: 'cbr0', ...opts })(components);
  return { hns, backend };
}

const web = (endpoints = [ep('10.244.1.5', { isLocal: true }), ep('10.244.2.7')], over: Partial<Parameters<typeof svc>[0]> = {}) =>
  svc({ name: 'web', clusterIP: '10.96.0.10', endpoints, ...over });
const api = (endpoints = [ep('10.244.2.8')]) => svc({ name: 'api', clusterIP: '10.96.0.11', port: 443, endpoints });
const lbSvc = () =>
  svc({
    name: 'lb', clusterIP: '10.96.0.12', nodePort: 30080, externalIPs: ['203.0.113.5'], loadBalancerIPs: ['198.51.100.7'],
    endpoints: [ep('10.244.1.6', { isLocal: true }), ep('10.244.3.9')],
  });

describe('winkernelBackend', () => {
  it('creates the load balancers and remote endpoints of a state', async () => {
    const { hns, backend } = setup();
    const result = await backend.sync(state([web(), api(), lbSvc()]));
    expect(result.full).toBe(true);
    expect(backend.name).toBe('kernelspace');
    expect(hns.dump()).toBe(
      [
        'endpoint local 10.244.1.5 mac=00-15-0a-f4-01-05',
        'endpoint local 10.244.1.6 mac=00-15-0a-f4-01-06',
        'endpoint remote 10.244.2.7 mac=02-11-0a-f4-02-07',
        'endpoint remote 10.244.2.8 mac=02-11-0a-f4-02-08',
        'endpoint remote 10.244.3.9 mac=02-11-0a-f4-03-09',
        'loadbalancer *:30080/TCP internal=8080 dist=None portFlags=LocalRoutedVIP|VipExternalIP flags=None sourceVip=- endpoints=10.244.1.6,10.244.3.9',
        'loadbalancer 10.96.0.10:80/TCP internal=8080 dist=None portFlags=None flags=None sourceVip=- endpoints=10.244.1.5,10.244.2.7',
        'loadbalancer 10.96.0.11:443/TCP internal=8080 dist=None portFlags=None flags=None sourceVip=- endpoints=10.244.2.8',
        'loadbalancer 10.96.0.12:80/TCP internal=8080 dist=None portFlags=None flags=None sourceVip=- endpoints=10.244.1.6,10.244.3.9',
        'loadbalancer 198.51.100.7:80/TCP internal=8080 dist=None portFlags=VipExternalIP flags=None sourceVip=- endpoints=10.244.1.6,10.244.3.9',
        'loadbalancer 203.0.113.5:80/TCP internal=8080 dist=None portFlags=VipExternalIP flags=None sourceVip=- endpoints=10.244.1.6,10.244.3.9',
      ].join('\n'),
    );
    expect(result.operations).toBe(hns.counts().writes);
    expect(hns.counts().byOp).toMatchObject({ createEndpoint: 3, createLoadBalancer: 6 });
  });

  it('makes no HNS call at all when the state did not change', async () => {
    const { hns, backend } = setup();
    await backend.sync(state([web(), api()]));
    hns.resetCalls();
    const again = await backend.sync(state([web(), api()]));
    expect(again).toEqual({ full: false, operations: 0, bytes: 0 });
    expect(hns.calls).toEqual([]);
  });

  it('is idempotent under full syncs: a second full sync reads but writes nothing', async () => {
    const { hns, backend } = setup();
    await backend.sync(state([web(), api(), lbSvc()]));
    hns.resetCalls();
    const again = await backend.sync(state([web(), api(), lbSvc()]), { full: true });
    expect(again.operations).toBe(0);
    expect(hns.counts().writes).toBe(0);
    expect(hns.counts().reads).toBeGreaterThan(0);
  });

  it('updates exactly one load balancer when one endpoint of a ClusterIP service changes', async () => {
    const { hns, backend } = setup();
    await backend.sync(state([web(), api()]));
    const before = hns.snapshot().loadBalancers.map((l) => l.id);
    hns.resetCalls();
    // A local endpoint joins: one update, nothing else.
    await backend.sync(state([web([ep('10.244.1.5', { isLocal: true }), ep('10.244.1.6', { isLocal: true }), ep('10.244.2.7')]), api()]));
    expect(hns.writes().map((c) => c.op)).toEqual(['updateLoadBalancer']);
    expect(hns.snapshot().loadBalancers.map((l) => l.id)).toEqual(before);
    hns.resetCalls();
    // A remote endpoint replaces another: its endpoint is created, one load balancer updated, the old one deleted.
    await backend.sync(state([web([ep('10.244.1.5', { isLocal: true }), ep('10.244.1.6', { isLocal: true }), ep('10.244.2.9')]), api()]));
    expect(hns.writes().map((c) => `${c.op} ${c.op === 'updateLoadBalancer' ? '' : c.subject}`.trim())).toEqual([
      'createEndpoint 10.244.2.9',
      'updateLoadBalancer',
      expect.stringMatching(/^deleteEndpoint /),
    ]);
    expect(hns.dump()).not.toContain('10.244.2.7');
  });

  it('deletes a removed service port\'s load balancers and the remote endpoints nobody uses any more', async () => {
    const { hns, backend } = setup();
    await backend.sync(state([web(), api(), lbSvc()]));
    hns.resetCalls();
    await backend.sync(state([web(), api()]));
    expect(hns.counts().byOp).toMatchObject({ deleteLoadBalancer: 4, deleteEndpoint: 1 });
    expect(hns.counts().byOp.createLoadBalancer).toBeUndefined();
    expect(hns.dump()).not.toContain('10.244.3.9');
    expect(hns.dump()).toContain('endpoint local 10.244.1.6'); // local endpoints are never the proxy's
  });

  it('shares a remote endpoint between services and deletes it with the last user', async () => {
    const { hns, backend } = setup();
    await backend.sync(state([web([ep('10.244.2.7')]), api([ep('10.244.2.7')])]));
    expect(hns.snapshot().endpoints.filter((e) => e.ipAddress === '10.244.2.7').length).toBe(1);
    await backend.sync(state([web([ep('10.244.2.7')])]));
    expect(hns.dump()).toContain('10.244.2.7');
    await backend.sync(state([]));
    expect(hns.snapshot().loadBalancers).toEqual([]);
    expect(hns.dump()).not.toContain('10.244.2.7');
  });

  it('deletes and re-creates a changed load balancer when HNS cannot modify in place', async () => {
    const { hns, backend } = setup({ modifyLoadBalancerSupported: false });
    await backend.sync(state([web()]));
    hns.resetCalls();
    await backend.sync(state([web([ep('10.244.1.5', { isLocal: true })])]));
    expect(hns.writes().map((c) => c.op)).toEqual(['deleteLoadBalancer', 'createLoadBalancer', 'deleteEndpoint']);
  });

  it('repairs a load balancer deleted behind its back on the next full sync', async () => {
    const { hns, backend } = setup();
    await backend.sync(state([web(), api()]));
    const victim = must(hns.snapshot().loadBalancers[0]);
    await hns.deleteLoadBalancer(victim.id);
    hns.resetCalls();
    await backend.sync(state([web(), api()]), { full: true });
    expect(hns.writes().map((c) => c.op)).toEqual(['createLoadBalancer']);
    expect(hns.snapshot().loadBalancers.length).toBe(2);
  });

  it('deletes stray load balancers of its family and leaves the other family alone', async () => {
    const { hns, backend } = setup({}, ['10.244.1.5', 'fd00::5']);
    const v6ep = must(hns.snapshot().endpoints.find((e) => e.ipAddress === 'fd00::5'));
    const v4ep = must(hns.snapshot().endpoints.find((e) => e.ipAddress === '10.244.1.5'));
    const pm = [{ protocol: 6, internalPort: 1, externalPort: 1, distributionType: 'None' as const, flags: 0 }];
    await hns.createLoadBalancer({ sourceVip: '', frontendVips: ['10.96.9.9'], portMappings: pm, hostComputeEndpoints: [v4ep.id], flags: 0 });
    await hns.createLoadBalancer({ sourceVip: '', frontendVips: ['fd00::9'], portMappings: pm, hostComputeEndpoints: [v6ep.id], flags: 2 });
    await backend.sync(state([web([ep('10.244.1.5', { isLocal: true })])]));
    expect(hns.snapshot().loadBalancers.map((l) => l.frontendVips[0]).sort()).toEqual(['10.96.0.10', 'fd00::9']);
  });

  it('makes the next sync full after a failed call, and converges', async () => {
    const { hns, backend } = setup();
    await backend.sync(state([web()]));
    hns.failNext('createLoadBalancer', new Error('HNS is restarting'));
    await expect(backend.sync(state([web(), api()]))).rejects.toThrow('HNS is restarting');
    hns.resetCalls();
    const retry = await backend.sync(state([web(), api()]));
    expect(retry.full).toBe(true);
    expect(hns.writes().map((c) => c.op)).toEqual(['createLoadBalancer']);
    expect(hns.snapshot().loadBalancers.length).toBe(2);
  });

  it('rejects a state of the other family and an overlay without source VIP', async () => {
    const { backend } = setup();
    await expect(backend.sync(state([], 'IPv6'))).rejects.toMatchObject({ name: 'ConfigError' });
    const hns = new FakeHns();
    hns.addNetwork({ name: 'vxlan0', type: 'Overlay' });
    const overlay = winkernelBackend({ hns, networkName: 'vxlan0' })(components);
    await expect(overlay.sync(state([web()]))).rejects.toMatchObject({ name: 'ConfigError' });
    expect(() => winkernelBackend({ hns, networkName: '' })(components)).toThrow(/networkName/);
  });

  it('fails the sync with NotFoundError while the network does not exist', async () => {
    const hns = new FakeHns();
    const backend = winkernelBackend({ hns, networkName: 'cbr0' })(components);
    await expect(backend.sync(state([web()]))).rejects.toMatchObject({ name: 'NotFoundError' });
  });

  it('re-reads everything when the CNI plugin re-created the network', async () => {
    const { hns, backend } = setup();
    await backend.sync(state([web(), api()]));
    // The network goes away with its endpoints; load balancers referencing them are gone too on Windows.
    for (const lb of hns.snapshot().loadBalancers) await hns.deleteLoadBalancer(lb.id);
    hns.removeNetwork('cbr0');
    hns.addNetwork({ name: 'cbr0', type: 'L2Bridge' });
    hns.addLocalEndpoint('cbr0', '10.244.1.5');
    hns.resetCalls();
    const r = await backend.sync(state([web(), api([ep('10.244.2.8'), ep('10.244.2.10')])]));
    expect(r.full).toBe(true);
    expect(hns.counts().byOp.listLoadBalancers).toBe(1);
    expect(hns.snapshot().loadBalancers.length).toBe(2);
  });

  it('sets up overlay objects: the source-VIP endpoint, ClusterIP remote endpoints, provider addresses', async () => {
    const hns = new FakeHns();
    hns.addNetwork({
      name: 'vxlan0', type: 'Overlay',
      remoteSubnets: [{ destinationPrefix: '10.244.2.0/24', providerAddress: '192.168.1.12', isolationId: 4096 }],
    });
    hns.addLocalEndpoint('vxlan0', '10.244.1.5');
    const backend = winkernelBackend({ hns, networkName: 'vxlan0', sourceVip: '10.244.1.250', hostMac: '00-15-5d-00-00-01' })(components);
    await backend.sync(state([web()]));
    expect(hns.dump()).toBe(
      [
        'endpoint local 10.244.1.250 mac=00-15-5d-00-00-01 pa=192.168.1.10',
        'endpoint local 10.244.1.5 mac=00-15-0a-f4-01-05',
        'endpoint remote 10.244.2.7 mac=02-11-0a-f4-02-07 pa=192.168.1.12',
        'endpoint remote 10.96.0.10 mac=00-15-5d-00-00-01 pa=192.168.1.10',
        'loadbalancer 10.96.0.10:80/TCP internal=8080 dist=None portFlags=None flags=None sourceVip=10.244.1.250 endpoints=10.244.1.5,10.244.2.7',
      ].join('\n'),
    );
  });

  it('plans without writing, and the plan is what the sync then does', async () => {
    const { hns, backend } = setup();
    await backend.sync(state([web()]));
    hns.resetCalls();
    const plan = await backend.plan(state([web(), api()]));
    expect(hns.counts().writes).toBe(0);
    expect(plan.text).toBe(
      'create endpoint 10.244.2.8 remote mac=02-11-0a-f4-02-08 purpose=remote-pod\n' +
        'create loadbalancer 10.96.0.11:443/TCP kind=ClusterIP svc=default/api:p/TCP internal=8080 dist=None portFlags=None flags=None sourceVip=- endpoints=10.244.2.8\n',
    );
    const result = await backend.sync(state([web(), api()]));
    expect(result.operations).toBe(plan.operations);
    expect(result.bytes).toBe(plan.text.length);
    expect((await backend.plan(state([web(), api()]))).text).toBe('');
  });

  it('cleans up every load balancer and remote endpoint of its family, idempotently', async () => {
    const { hns, backend } = setup();
    await backend.sync(state([web(), api(), lbSvc()]));
    await backend.cleanup();
    expect(hns.snapshot().loadBalancers).toEqual([]);
    expect(hns.snapshot().endpoints.map((e) => e.ipAddress).sort()).toEqual(['10.244.1.5', '10.244.1.6']);
    await backend.cleanup();
    // After cleanup the next sync is full and rebuilds everything.
    const r = await backend.sync(state([web()]));
    expect(r.full).toBe(true);
    expect(hns.snapshot().loadBalancers.length).toBe(1);
    const empty = winkernelBackend({ hns: new FakeHns(), networkName: 'none' })(components);
    await expect(empty.cleanup()).resolves.toBeUndefined();
  });

  it('converges partial syncs to what a full sync from scratch makes', async () => {
    const states: ServicePort[][] = [
      [web(), api()],
      [web([ep('10.244.2.7')]), api(), lbSvc()],
      [lbSvc()],
      [web([ep('10.244.1.5', { isLocal: true })], { nodePort: 30081, affinity: 100 }), api([ep('10.244.2.7'), ep('10.244.2.8')])],
      [],
      [web(), lbSvc()],
    ];
    const { hns, backend } = setup();
    for (const ports of states) {
      await backend.sync(state(ports));
      const fresh = setup();
      await fresh.backend.sync(state(ports));
      expect(hns.dump()).toBe(fresh.hns.dump());
    }
  });

  it('keeps applying the other objects when HNS refuses one, then reports the failure', async () => {
    const { hns, backend } = setup();
    await backend.sync(state([]));
    hns.failNext('createLoadBalancer', new Error('refused'));
    hns.failNext('createLoadBalancer', new Error('refused again'));
    await expect(backend.sync(state([web(), api(), lbSvc()]))).rejects.toThrow('refused (and 1 more failed HNS calls)');
    // Four of the six load balancers got through; the next sync adds the two missing ones only.
    expect(hns.snapshot().loadBalancers.length).toBe(4);
    hns.resetCalls();
    await backend.sync(state([web(), api(), lbSvc()]));
    expect(hns.writes().map((c) => c.op)).toEqual(['createLoadBalancer', 'createLoadBalancer']);
  });

  it('re-points a load balancer at a pod endpoint the CNI plugin re-created with the same IP', async () => {
    const { hns, backend } = setup();
    const apiV1 = api();
    await backend.sync(state([web(), apiV1]));
    const old = must(hns.snapshot().endpoints.find((e) => e.ipAddress === '10.244.1.5'));
    hns.removeEndpointDirectly(old.id);
    const renewed = hns.addLocalEndpoint('cbr0', '10.244.1.5');
    hns.resetCalls();
    // Only the other service changed; the web load balancer must still move to the new endpoint id.
    await backend.sync(state([web(), api([ep('10.244.2.8'), ep('10.244.2.9')])]));
    const webLb = must(hns.snapshot().loadBalancers.find((l) => l.frontendVips[0] === '10.96.0.10'));
    expect(webLb.hostComputeEndpoints).toContain(renewed.id);
    expect(webLb.hostComputeEndpoints).not.toContain(old.id);
    const t = await backend.explain({ family: 'IPv4', protocol: 'TCP', src: '10.244.1.250', dst: '10.96.0.10', dport: 80, hook: 'prerouting' });
    expect(t.reasons.map((r) => r.code)).not.toContain('DanglingEndpointId');
  });

  it('runs dual-stack as two backends on one HNS without touching each other', async () => {
    const hns = new FakeHns();
    hns.addNetwork({ name: 'cbr0', type: 'L2Bridge' });
    const v4 = winkernelBackend({ hns, networkName: 'cbr0', family: 'IPv4' })(components);
    const v6 = winkernelBackend({ hns, networkName: 'cbr0', family: 'IPv6' })(components);
    const web4 = svc({ name: 'web', clusterIP: '10.96.0.10', nodePort: 30080, endpoints: [ep('10.244.2.7')] });
    const web6 = svc({ name: 'web', family: 'IPv6', clusterIP: 'fd00:96::10', nodePort: 30080, endpoints: [ep('fd00:244:2::7')] });
    await v4.sync(state([web4]));
    await v6.sync(state([web6], 'IPv6'));
    expect(hns.snapshot().loadBalancers.length).toBe(4);
    hns.resetCalls();
    await v4.sync(state([web4]), { full: true });
    await v6.sync(state([web6], 'IPv6'), { full: true });
    expect(hns.counts().writes).toBe(0);
    await v4.cleanup();
    expect(hns.snapshot().loadBalancers.map((l) => l.flags & 2)).toEqual([2, 2]);
    expect(hns.dump()).toContain('fd00:244:2::7');
    expect(hns.dump()).not.toContain('10.244.2.7');
  });
});
