import { describe, expect, it } from '@jest/globals';
import type { ServicePort } from '@kproxy/api';
import { ep, NODE_IP, state, svc, terminating } from '../test/fixtures.ts';
import { HNS_ENDPOINT_FLAGS } from './hns-model.ts';
import type { HnsEndpoint, HnsNetwork } from './hns-model.ts';
import { resolveOptions } from './options.ts';
import type { WinkernelOptions } from './options.ts';
import { renderHns } from './render.ts';
import type { DesiredHns, DesiredLoadBalancer, HnsFacts } from './render.ts';

const L2: HnsNetwork = { id: 'net', name: 'cbr0', type: 'L2Bridge', remoteSubnets: [] };
const OVERLAY: HnsNetwork = {
  id: 'net',
  name: 'vxlan0',
  type: 'Overlay',
  remoteSubnets: [{ destinationPrefix: '10.244.2.0/24', providerAddress: '192.168.1.12', isolationId: 4096 }],
};

function local(ip: string, remote = false): HnsEndpoint {
  return {
    id: `id-${ip}`, name: ip, networkId: 'net', ipAddress: ip, macAddress: '00-15-00-00-00-01',
    flags: remote ? HNS_ENDPOINT_FLAGS.RemoteEndpoint : HNS_ENDPOINT_FLAGS.None,
  };
}

function facts(network: HnsNetwork, endpoints: HnsEndpoint[] = [], gatewayEndpoint?: HnsEndpoint): HnsFacts {
  return { network, endpointsByIp: new Map(endpoints.map((e) => [e.ipAddress, e])), ...(gatewayEndpoint ? { gatewayEndpoint } : {}) };
}

function render(ports: ServicePort[], f: HnsFacts = facts(L2), opts: Partial<Omit<WinkernelOptions, 'hns'>> = {}, family: 'IPv4' | 'IPv6' = 'IPv4'): DesiredHns {
  return renderHns(state(ports, family), resolveOptions({ networkName: f.network.name, family, ...opts }), f);
}

function byKind(d: DesiredHns, kind: DesiredLoadBalancer['kind']): DesiredLoadBalancer[] {
  return d.loadBalancers.filter((lb) => lb.kind === kind);
}

const web = (over: Partial<Parameters<typeof svc>[0]> = {}) =>
  svc({
    name: 'web', clusterIP: '10.96.0.10', port: 80,
    endpoints: [ep('10.244.1.5', { isLocal: true }), ep('10.244.2.7')],
    ...over,
  });

describe('renderHns', () => {
  it('renders a ClusterIP load balancer over every ready endpoint, with a remote endpoint for the remote pod', () => {
    const d = render([web()], facts(L2, [local('10.244.1.5')]));
    expect(d.loadBalancers).toEqual([
      {
        key: '10.96.0.10:80/TCP', kind: 'ClusterIP', servicePort: 'default/web:p/TCP',
        spec: {
          sourceVip: '', frontendVips: ['10.96.0.10'], flags: 0,
          portMappings: [{ protocol: 6, internalPort: 8080, externalPort: 80, distributionType: 'None', flags: 0 }],
        },
        endpointIps: ['10.244.1.5', '10.244.2.7'],
      },
    ]);
    expect(d.endpoints).toEqual([
      { ipAddress: '10.244.2.7', macAddress: '02-11-0a-f4-02-07', remote: true, purpose: 'remote-pod' },
    ]);
  });

  it('renders node ports without a VIP, flagged LocalRoutedVIP|VipExternalIP', () => {
    const d = render([web({ nodePort: 30080 })], facts(L2, [local('10.244.1.5')]));
    const [np] = byKind(d, 'NodePort');
    expect(np?.key).toBe('*:30080/TCP');
    expect(np?.spec.frontendVips).toEqual([]);
    expect(np?.spec.portMappings[0]).toMatchObject({ externalPort: 30080, internalPort: 8080, flags: 2 | 16 });
    expect(np?.spec.flags).toBe(0);
    expect(np?.endpointIps).toEqual(['10.244.1.5', '10.244.2.7']);
  });

  it('renders external IPs and ingress IPs as VipExternalIP load balancers on the service port', () => {
    const d = render([web({ externalIPs: ['203.0.113.5'], loadBalancerIPs: ['198.51.100.7'] })], facts(L2, [local('10.244.1.5')]));
    expect(byKind(d, 'ExternalIP').map((l) => [l.key, l.spec.portMappings[0]?.flags])).toEqual([['203.0.113.5:80/TCP', 16]]);
    expect(byKind(d, 'IngressIP').map((l) => [l.key, l.spec.portMappings[0]?.flags])).toEqual([['198.51.100.7:80/TCP', 16]]);
  });

  it('turns externalTrafficPolicy Local into DSR load balancers over local endpoints only', () => {
    const sp = web({ nodePort: 30080, externalIPs: ['203.0.113.5'], loadBalancerIPs: ['198.51.100.7'], externalPolicyLocal: true });
    const d = render([sp], facts(L2, [local('10.244.1.5')]));
    for (const kind of ['NodePort', 'ExternalIP', 'IngressIP'] as const) {
      const [lb] = byKind(d, kind);
      expect(lb?.spec.flags).toBe(1);
      expect(lb?.endpointIps).toEqual(['10.244.1.5']);
    }
    // ClusterIP traffic still reaches every endpoint, without DSR.
    expect(byKind(d, 'ClusterIP')[0]?.endpointIps).toEqual(['10.244.1.5', '10.244.2.7']);
    expect(byKind(d, 'ClusterIP')[0]?.spec.flags).toBe(0);
    // Without DSR support in Windows, eTP Local behaves like Cluster.
    const noDsr = render([sp], facts(L2, [local('10.244.1.5')]), { dsrSupported: false });
    expect(byKind(noDsr, 'NodePort')[0]?.endpointIps).toEqual(['10.244.1.5', '10.244.2.7']);
    expect(byKind(noDsr, 'NodePort')[0]?.spec.flags).toBe(0);
  });

  it('programs nothing external under eTP Local when there is no local endpoint', () => {
    const d = render([web({ nodePort: 30080, externalIPs: ['203.0.113.5'], externalPolicyLocal: true, endpoints: [ep('10.244.2.7')] })]);
    expect(d.loadBalancers.map((l) => l.kind)).toEqual(['ClusterIP']);
    expect(d.reasons.map((r) => r.code)).toContain('NoLocalEndpoints');
  });

  it('uses local endpoints for the ClusterIP under internalTrafficPolicy Local', () => {
    const d = render([web({ internalPolicyLocal: true, nodePort: 30080 })], facts(L2, [local('10.244.1.5')]));
    expect(byKind(d, 'ClusterIP')[0]?.endpointIps).toEqual(['10.244.1.5']);
    expect(byKind(d, 'NodePort')[0]?.endpointIps).toEqual(['10.244.1.5', '10.244.2.7']);
    const none = render([web({ internalPolicyLocal: true, endpoints: [ep('10.244.2.7')] })]);
    expect(none.loadBalancers).toEqual([]);
    // The remote endpoint is not kept when no load balancer uses it.
    expect(none.endpoints).toEqual([]);
  });

  it('maps ClientIP affinity to SourceIP distribution (no timeout in HNS)', () => {
    const d = render([web({ affinity: 300, nodePort: 30080 })], facts(L2, [local('10.244.1.5')]));
    expect(d.loadBalancers.map((l) => l.spec.portMappings[0]?.distributionType)).toEqual(['SourceIP', 'SourceIP']);
  });

  it('sets DSR on ClusterIP load balancers with enableDSR and the IPv6 flag for IPv6', () => {
    expect(render([web()], facts(L2, [local('10.244.1.5')]), { enableDSR: true }).loadBalancers[0]?.spec.flags).toBe(1);
    const v6 = svc({ name: 'v6', family: 'IPv6', clusterIP: 'fd00:96::10', nodePort: 30080, endpoints: [ep('fd00:244::5')] });
    const d = render([v6], facts(L2), {}, 'IPv6');
    expect(d.loadBalancers.map((l) => [l.key, l.spec.flags])).toEqual([
      ['*:30080/TCP', 2 | 0],
      ['[fd00:96::10]:80/TCP', 2],
    ]);
  });

  it('ignores service ports of the other family', () => {
    expect(render([web({ family: 'IPv6' })]).loadBalancers).toEqual([]);
  });

  it('maps protocols to IANA numbers and keeps the same port over two protocols apart', () => {
    const tcp = svc({ name: 'dns', portName: 'tcp', protocol: 'TCP', clusterIP: '10.96.0.53', port: 53, endpoints: [ep('10.244.2.7')] });
    const udp = svc({ name: 'dns', portName: 'udp', protocol: 'UDP', clusterIP: '10.96.0.53', port: 53, endpoints: [ep('10.244.2.7')] });
    const sctp = svc({ name: 'sig', protocol: 'SCTP', clusterIP: '10.96.0.54', port: 9, endpoints: [ep('10.244.2.7')] });
    const d = render([tcp, udp, sctp]);
    expect(d.loadBalancers.map((l) => [l.key, l.spec.portMappings[0]?.protocol])).toEqual([
      ['10.96.0.53:53/TCP', 6],
      ['10.96.0.53:53/UDP', 17],
      ['10.96.0.54:9/SCTP', 132],
    ]);
    expect(d.endpoints.length).toBe(1);
  });

  it('skips a local endpoint the CNI plugin has not created yet', () => {
    const d = render([web()], facts(L2));
    expect(d.loadBalancers[0]?.endpointIps).toEqual(['10.244.2.7']);
    expect(d.reasons.find((r) => r.code === 'LocalEndpointNotFound')?.subject).toBe('10.244.1.5:8080');
  });

  it('programs no load balancer for a service without usable endpoints', () => {
    const d = render([web({ endpoints: [] }), web({ name: 'old', clusterIP: '10.96.0.11', endpoints: [terminating('10.244.2.8')] })]);
    expect(d.loadBalancers).toEqual([]);
    expect(d.reasons.filter((r) => r.code === 'NoEndpoints').length).toBe(2);
  });

  it('keeps LoadBalancer services reachable on ClusterIP and ingress IPs while all endpoints terminate', () => {
    const sp = web({ nodePort: 30080, externalIPs: ['203.0.113.5'], loadBalancerIPs: ['198.51.100.7'], endpoints: [terminating('10.244.2.7')] });
    const d = render([sp]);
    expect(d.loadBalancers.map((l) => l.kind).sort()).toEqual(['ClusterIP', 'IngressIP']);
    expect(d.reasons.filter((r) => r.code === 'ExternalPolicyWithheld').length).toBe(2);
  });

  it('forwards health checks of ingress IPs to the root endpoint when asked', () => {
    const gw = local('10.244.1.2');
    const sp = web({ loadBalancerIPs: ['198.51.100.7'], healthCheckNodePort: 31000, externalPolicyLocal: true, affinity: 60 });
    const d = render([sp], facts(L2, [local('10.244.1.5'), gw], gw), { forwardHealthCheckVip: true });
    const [hc] = byKind(d, 'HealthCheck');
    expect(hc).toMatchObject({
      key: '198.51.100.7:31000/TCP',
      endpointIps: ['10.244.1.2'],
      spec: { flags: 0, portMappings: [{ internalPort: 31000, externalPort: 31000, distributionType: 'None', flags: 0 }] },
    });
    // Without a healthCheckNodePort the proxy's healthz port is forwarded; without the option, nothing.
    const d2 = render([{ ...sp, healthCheckNodePort: 0 }], facts(L2, [local('10.244.1.5'), gw], gw), { forwardHealthCheckVip: true });
    expect(byKind(d2, 'HealthCheck')[0]?.key).toBe('198.51.100.7:10256/TCP');
    expect(byKind(render([sp], facts(L2, [local('10.244.1.5'), gw], gw)), 'HealthCheck')).toEqual([]);
  });

  it('applies preserve-destination: local endpoints, DSR and UseMux|PreserveDIP on node ports and ingress IPs', () => {
    const sp = web({ nodePort: 30080, loadBalancerIPs: ['198.51.100.7'] });
    const d = render([sp], facts(L2, [local('10.244.1.5')]), { preserveDestinationServices: ['default/web'] });
    const [ing] = byKind(d, 'IngressIP');
    expect(ing?.spec.flags).toBe(1);
    expect(ing?.spec.portMappings[0]?.flags).toBe(16 | 4 | 8);
    expect(ing?.endpointIps).toEqual(['10.244.1.5']);
    expect(byKind(d, 'NodePort')[0]?.endpointIps).toEqual(['10.244.1.5']);
  });

  it('on overlay: source VIP, provider addresses, a remote endpoint per ClusterIP, and node IP as source for public endpoints', () => {
    const opts = { sourceVip: '10.244.1.250', hostMac: '00-15-5d-00-00-01' };
    const inSubnet = web({ endpoints: [ep('10.244.1.5', { isLocal: true }), ep('10.244.2.7')] });
    const d = render([inSubnet], facts(OVERLAY, [local('10.244.1.5')]), opts);
    expect(d.loadBalancers[0]?.spec.sourceVip).toBe('10.244.1.250');
    expect(d.endpoints).toEqual([
      { ipAddress: '10.244.1.250', macAddress: '00-15-5d-00-00-01', providerAddress: NODE_IP, remote: false, purpose: 'source-vip' },
      { ipAddress: '10.244.2.7', macAddress: '02-11-0a-f4-02-07', providerAddress: '192.168.1.12', remote: true, purpose: 'remote-pod' },
      { ipAddress: '10.96.0.10', macAddress: '00-15-5d-00-00-01', providerAddress: NODE_IP, remote: true, purpose: 'service-vip' },
    ]);
    // An endpoint outside every remote subnet is "public": the node IP is the source, and the PA.
    const pub = render([web({ endpoints: [ep('172.16.0.9')] })], facts(OVERLAY), opts);
    expect(pub.loadBalancers[0]?.spec.sourceVip).toBe(NODE_IP);
    expect(pub.endpoints.find((e) => e.ipAddress === '172.16.0.9')?.providerAddress).toBe(NODE_IP);
  });

  it('gives a frontend to the first service port in key order and reports the conflict', () => {
    const a = svc({ name: 'a', clusterIP: '10.96.0.20', loadBalancerIPs: ['198.51.100.7'], endpoints: [ep('10.244.2.7')] });
    const b = svc({ name: 'b', clusterIP: '10.96.0.21', loadBalancerIPs: ['198.51.100.7'], endpoints: [ep('10.244.2.8')] });
    const d = render([b, a]);
    expect(d.loadBalancers.find((l) => l.key === '198.51.100.7:80/TCP')?.servicePort).toBe('default/a:p/TCP');
    expect(d.reasons.find((r) => r.code === 'FrontendConflict')?.subject).toBe('198.51.100.7:80/TCP');
  });

  it('reports mixed target ports and uses the first endpoint port', () => {
    const d = render([web({ endpoints: [ep('10.244.2.7', { port: 8080 }), ep('10.244.2.8', { port: 9090 })] })]);
    expect(d.loadBalancers[0]?.spec.portMappings[0]?.internalPort).toBe(8080);
    expect(d.reasons.map((r) => r.code)).toContain('MixedTargetPorts');
  });

  it('is deterministic whatever the insertion order', () => {
    const ports = [web({ nodePort: 30080 }), svc({ name: 'x', clusterIP: '10.96.0.30', endpoints: [ep('10.244.2.9')] })];
    expect(render(ports)).toEqual(render([...ports].reverse()));
  });

  it('skips invalid input with a reason and keeps everything else', () => {
    const bad = [
      svc({ name: 'a', clusterIP: '10.96.0.300', endpoints: [ep('10.244.2.7')] }),
      svc({ name: 'b', clusterIP: 'fd00::1', endpoints: [ep('10.244.2.7')] }),
      svc({ name: 'c', clusterIP: '10.96.0.3', port: 70000, endpoints: [ep('10.244.2.7')] }),
      svc({
        name: 'd', clusterIP: '10.96.0.4', externalIPs: ['1.2.3.4\n', '203.0.113.5'], loadBalancerIPs: ["x'; rm -rf /"],
        endpoints: [ep('10.244.2.7'), ep('10.244.2.8', { port: 0 }), ep('not-an-ip')],
      }),
    ];
    const d = render(bad);
    expect(d.loadBalancers.map((l) => [l.key, l.endpointIps])).toEqual([
      ['10.96.0.4:80/TCP', ['10.244.2.7']],
      ['203.0.113.5:80/TCP', ['10.244.2.7']],
    ]);
    expect(d.reasons.filter((r) => r.code === 'InvalidServicePort').length).toBe(7);
  });
});
