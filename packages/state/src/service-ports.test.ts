import { describe, expect, it } from '@jest/globals';
import type { KubeEndpointSlice, KubeService, ServicePort } from '@kproxy/api';
import { LABEL_HEADLESS, LABEL_SERVICE_NAME, LABEL_SERVICE_PROXY_NAME, servicePortKey } from '@kproxy/api';
import { ENDPOINT_REASONS } from '@kproxy/endpoints';
import { STATE_REASONS as R } from './reason-codes.ts';
import { buildServicePorts } from './service-ports.ts';
import { testNode, testService, testSlice } from './testing/fixtures.ts';

const v4 = testNode();
const v6 = testNode({ family: 'IPv6' });
const ready = (ip: string, node?: string) => ({ addresses: [ip], ...(node ? { nodeName: node } : {}) });
const codes = (reasons: readonly { code: string }[]) => reasons.map((r) => r.code);
const keys = (ports: readonly ServicePort[]) => ports.map((p) => servicePortKey(p.name));

describe('buildServicePorts: which objects are proxied', () => {
  it.each<[string, KubeService, string[]]>([
    ['service-proxy-name label (empty value)', testService('s', {}, { metadata: { labels: { [LABEL_SERVICE_PROXY_NAME]: '' } } }), [R.ServiceIgnoredByLabel]],
    ['service-proxy-name label (any value)', testService('s', {}, { metadata: { labels: { [LABEL_SERVICE_PROXY_NAME]: 'other' } } }), [R.ServiceIgnoredByLabel]],
    ['headless label', testService('s', {}, { metadata: { labels: { [LABEL_HEADLESS]: '' } } }), [R.ServiceIgnoredByLabel]],
    ['clusterIP None', testService('s', { clusterIP: 'None' }), [R.ServiceSkippedHeadless]],
    ['clusterIP None in clusterIPs', testService('s', { clusterIP: 'None', clusterIPs: ['None'] }), [R.ServiceSkippedHeadless]],
    ['clusterIP empty', testService('s', { clusterIP: '' }), [R.ServiceSkippedHeadless]],
    ['type ExternalName', testService('s', { type: 'ExternalName', externalName: 'example.com', clusterIP: '' }), [R.ServiceSkippedExternalName]],
    ['no name', { metadata: { namespace: 'ns' }, spec: { clusterIP: '10.96.0.1', ports: [{ port: 80 }] } }, [R.InvalidService]],
    ['no spec', { metadata: { namespace: 'ns', name: 's' } }, [R.InvalidService]],
    ['invalid cluster IP', testService('s', { clusterIP: '10.96.0.300' }), [R.InvalidClusterIP]],
  ])('%s: no ports', (_name, service, expected) => {
    const slices = [testSlice('s', 's-1', [ready('10.0.0.1')])];
    const { ports, reasons } = buildServicePorts(service, slices, v4);
    expect(ports).toEqual([]);
    expect(codes(reasons)).toEqual(expected);
  });

  it('a proxied Service: one port with VIP, endpoints and selection', () => {
    const { ports, reasons } = buildServicePorts(testService('s'), [testSlice('s', 's-1', [ready('10.0.0.1', 'node-a')])], v4);
    expect(reasons).toEqual([]);
    expect(ports).toHaveLength(1);
    const [p] = ports as [ServicePort];
    expect(p).toMatchObject({
      name: { namespace: 'ns', name: 's', port: 'http', protocol: 'TCP' },
      family: 'IPv4',
      clusterIP: '10.96.0.10',
      port: 80,
      protocol: 'TCP',
      nodePort: 0,
      externalIPs: [],
      loadBalancerIPs: [],
      loadBalancerSourceRanges: [],
      healthCheckNodePort: 0,
      internalPolicyLocal: false,
      externalPolicyLocal: false,
      sessionAffinity: { type: 'None' },
    });
    expect(p.endpoints.map((e) => [e.ip, e.port, e.isLocal])).toEqual([['10.0.0.1', 8080, true]]);
    expect(p.selection.clusterEndpoints).toEqual(p.endpoints);
    expect(p.selection.hasAnyEndpoints).toBe(true);
  });

  it('uses slices only when labelled for this Service in its namespace; any number, any manager', () => {
    const other = testSlice('other', 'o-1', [ready('10.0.0.9')]);
    const otherNs: KubeEndpointSlice = { ...testSlice('s', 'x-1', [ready('10.0.0.8')]), metadata: { namespace: 'elsewhere', name: 'x-1', labels: { [LABEL_SERVICE_NAME]: 's' } } };
    const unlabelled: KubeEndpointSlice = { ...testSlice('s', 'u-1', [ready('10.0.0.7')]), metadata: { namespace: 'ns', name: 'u-1' } };
    const a = testSlice('s', 's-a', [ready('10.0.0.1')], { labels: { 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } });
    const b = testSlice('s', 's-b', [ready('10.0.0.2')], { labels: { 'endpointslice.kubernetes.io/managed-by': 'my-controller' } });
    const { ports, reasons } = buildServicePorts(testService('s'), [other, otherNs, unlabelled, a, b], v4);
    expect(ports[0]?.endpoints.map((e) => e.ip)).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(codes(reasons)).toEqual([R.SliceNotOwned, R.SliceNotOwned, R.SliceNotOwned]);
  });

  it('ignores slices labelled service-proxy-name or headless', () => {
    const s1 = testSlice('s', 's-1', [ready('10.0.0.1')], { labels: { [LABEL_SERVICE_PROXY_NAME]: 'x' } });
    const s2 = testSlice('s', 's-2', [ready('10.0.0.2')]);
    const { ports, reasons } = buildServicePorts(testService('s'), [s1, s2], v4);
    expect(ports[0]?.endpoints.map((e) => e.ip)).toEqual(['10.0.0.2']);
    expect(codes(reasons)).toEqual([ENDPOINT_REASONS.SliceIgnoredByLabel]);
  });
});

describe('buildServicePorts: per family', () => {
  const dual = testService(
    'd',
    {
      type: 'LoadBalancer',
      clusterIP: '10.96.0.20',
      clusterIPs: ['10.96.0.20', 'FD00:96::0020'],
      externalIPs: ['203.0.113.1', '2001:DB8::1'],
      loadBalancerSourceRanges: ['198.51.100.0/24', '2001:db8:1::/48'],
      ports: [{ name: 'http', port: 80, nodePort: 30080 }],
    },
    { status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }, { ip: '2001:db8:ffff::1' }] } } },
  );
  const slices = [
    testSlice('d', 'd-v4', [ready('10.0.0.1')]),
    testSlice('d', 'd-v6', [ready('fd00::1')], { addressType: 'IPv6' }),
  ];

  it('an IPv4 proxier sees only IPv4 addresses, ranges and slices', () => {
    const { ports, reasons } = buildServicePorts(dual, slices, v4);
    expect(reasons).toEqual([]);
    expect(ports[0]).toMatchObject({
      family: 'IPv4',
      clusterIP: '10.96.0.20',
      externalIPs: ['203.0.113.1'],
      loadBalancerIPs: ['192.0.2.1'],
      loadBalancerSourceRanges: ['198.51.100.0/24'],
    });
    expect(ports[0]?.endpoints.map((e) => e.ip)).toEqual(['10.0.0.1']);
  });

  it('an IPv6 proxier sees only IPv6 ones, normalised', () => {
    const { ports, reasons } = buildServicePorts(dual, slices, v6);
    expect(reasons).toEqual([]);
    expect(ports[0]).toMatchObject({
      family: 'IPv6',
      clusterIP: 'fd00:96::20',
      externalIPs: ['2001:db8::1'],
      loadBalancerIPs: ['2001:db8:ffff::1'],
      loadBalancerSourceRanges: ['2001:db8:1::/48'],
    });
    expect(ports[0]?.endpoints.map((e) => e.ip)).toEqual(['fd00::1']);
  });

  it('a single-stack IPv6 Service gives an IPv4 proxier nothing, silently', () => {
    const { ports, reasons } = buildServicePorts(testService('s', { clusterIP: 'fd00::10', clusterIPs: ['fd00::10'] }), [], v4);
    expect(ports).toEqual([]);
    expect(reasons).toEqual([]);
  });

  it('falls back to clusterIP when clusterIPs is absent; normalises leading zeros', () => {
    const { ports } = buildServicePorts(testService('s', { clusterIP: '010.096.000.010', externalIPs: ['203.000.113.001'] }), [], v4);
    expect(ports[0]?.clusterIP).toBe('10.96.0.10');
    expect(ports[0]?.externalIPs).toEqual(['203.0.113.1']);
  });

  it('an invalid entry of clusterIPs is reported; a valid one of the family still works', () => {
    const { ports, reasons } = buildServicePorts(testService('s', { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10', 'fd00::zz'] }), [], v4);
    expect(ports[0]?.clusterIP).toBe('10.96.0.10');
    expect(codes(reasons)).toEqual([R.InvalidClusterIP]);
  });
});

describe('buildServicePorts: load balancer ingress and source ranges', () => {
  const lb = (ingress: NonNullable<NonNullable<KubeService['status']>['loadBalancer']>['ingress'], spec = {}) =>
    testService('lb', { type: 'LoadBalancer', ports: [{ name: 'http', port: 80, nodePort: 30080 }], ...spec }, { status: { loadBalancer: { ingress } } });

  it('keeps VIP and unset ipMode, skips Proxy mode and hostname-only entries', () => {
    const { ports, reasons } = buildServicePorts(
      lb([{ ip: '192.0.2.1' }, { ip: '192.0.2.2', ipMode: 'VIP' }, { ip: '192.0.2.3', ipMode: 'Proxy' }, { hostname: 'lb.example.com' }, { ip: 'bogus' }]),
      [],
      v4,
    );
    expect(ports[0]?.loadBalancerIPs).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(codes(reasons)).toEqual([R.IgnoredLoadBalancerProxyMode, R.IgnoredLoadBalancerHostname, R.InvalidLoadBalancerIP]);
  });

  it.each<[string, string[], string[], string[]]>([
    ['trimmed', [' 10.0.0.0/8', '192.168.0.0/16 '], ['10.0.0.0/8', '192.168.0.0/16'], []],
    ['host bits cleared and deduplicated', ['10.1.2.3/8', '10.0.0.0/8'], ['10.0.0.0/8'], []],
    ['leading zeros tolerated', ['010.000.000.000/8'], ['10.0.0.0/8'], []],
    ['invalid entries skipped', ['10.0.0.0/33', 'nonsense', '10.0.0.0/8'], ['10.0.0.0/8'], [R.InvalidSourceRange, R.InvalidSourceRange]],
    ['zero CIDR means no restriction', ['10.0.0.0/8', '0.0.0.0/0'], [], [R.SourceRangesUnrestricted]],
    ['the other family zero CIDR does not lift ours', ['10.0.0.0/8', '::/0'], ['10.0.0.0/8'], []],
    ['only the other family: no restriction for ours', ['2001:db8::/32'], [], []],
  ])('source ranges: %s', (_name, ranges, expected, expectedCodes) => {
    const { ports, reasons } = buildServicePorts(lb([{ ip: '192.0.2.1' }], { loadBalancerSourceRanges: ranges }), [], v4);
    expect(ports[0]?.loadBalancerSourceRanges).toEqual(expected);
    expect(codes(reasons)).toEqual(expectedCodes);
  });
});

describe('buildServicePorts: service ports and endpoints', () => {
  it('the same port number over several protocols is several service ports, each with its own target port', () => {
    const svc = testService('dns', {
      ports: [
        { name: 'dns', protocol: 'UDP', port: 53 },
        { name: 'dns-tcp', protocol: 'TCP', port: 53 },
        { name: 'sctp', protocol: 'SCTP', port: 53 },
      ],
    });
    const slices = [
      testSlice('dns', 'dns-1', [ready('10.0.0.1')], {
        ports: [
          { name: 'dns', protocol: 'UDP', port: 5353 },
          { name: 'dns-tcp', protocol: 'TCP', port: 5354 },
          { name: 'sctp', protocol: 'SCTP', port: 5355 },
        ],
      }),
    ];
    const { ports } = buildServicePorts(svc, slices, v4);
    expect(keys(ports)).toEqual(['ns/dns:dns-tcp/TCP', 'ns/dns:dns/UDP', 'ns/dns:sctp/SCTP']);
    expect(ports.map((p) => [p.port, p.protocol, p.endpoints[0]?.port])).toEqual([
      [53, 'TCP', 5354],
      [53, 'UDP', 5353],
      [53, 'SCTP', 5355],
    ]);
  });

  it('matches slice ports by name AND protocol; a port with no matching slice port has no endpoints', () => {
    const svc = testService('s', { ports: [{ name: 'a', protocol: 'TCP', port: 80 }, { name: 'b', protocol: 'TCP', port: 81 }] });
    const slices = [testSlice('s', 's-1', [ready('10.0.0.1')], { ports: [{ name: 'a', protocol: 'UDP', port: 1 }, { name: 'b', protocol: 'TCP', port: 2 }] })];
    const { ports } = buildServicePorts(svc, slices, v4);
    expect(ports.map((p) => [p.name.port, p.endpoints.map((e) => e.port), p.selection.hasAnyEndpoints])).toEqual([
      ['a', [], false],
      ['b', [2], true],
    ]);
  });

  it('an unnamed port defaults to TCP and matches the unnamed slice port', () => {
    const svc = testService('s', { ports: [{ port: 80 }] });
    const { ports } = buildServicePorts(svc, [testSlice('s', 's-1', [ready('10.0.0.1')], { ports: [{ port: 8080 }] })], v4);
    expect(keys(ports)).toEqual(['ns/s/TCP']);
    expect(ports[0]?.endpoints[0]?.port).toBe(8080);
  });

  it.each<[string, object, string]>([
    ['port 0', { name: 'bad', port: 0 }, R.InvalidServicePort],
    ['port 70000', { name: 'bad', port: 70000 }, R.InvalidServicePort],
    ['unknown protocol', { name: 'bad', port: 80, protocol: 'ICMP' }, R.InvalidServicePort],
    ['nodePort out of range', { name: 'bad', port: 80, nodePort: 99999 }, R.InvalidServicePort],
    ['duplicate name and protocol', { name: 'good', port: 81 }, R.DuplicateServicePort],
  ])('skips a port with %s and keeps the others', (_name, bad, code) => {
    const svc = testService('s', { ports: [{ name: 'good', port: 80 }, bad as { port: number }] });
    const { ports, reasons } = buildServicePorts(svc, [], v4);
    expect(keys(ports)).toEqual(['ns/s:good/TCP']);
    expect(ports[0]?.port).toBe(80);
    expect(codes(reasons)).toEqual([code]);
  });

  it('bad slice entries are reported with the Service name and skipped', () => {
    const { ports, reasons } = buildServicePorts(testService('s'), [testSlice('s', 's-1', [ready('bogus'), ready('10.0.0.2')])], v4);
    expect(ports[0]?.endpoints.map((e) => e.ip)).toEqual(['10.0.0.2']);
    expect(codes(reasons)).toEqual([ENDPOINT_REASONS.InvalidEndpointAddress]);
    expect(reasons[0]?.message).toContain('Service ns/s');
  });

  it('lastChangeTriggerTime is the newest annotation among the family\'s slices', () => {
    const ann = (t: string) => ({ annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': t } });
    const slices = [
      testSlice('s', 'a', [ready('10.0.0.1')], ann('2026-01-01T00:00:00Z')),
      testSlice('s', 'b', [ready('10.0.0.2')], ann('2026-01-01T00:00:05Z')),
      testSlice('s', 'c', [ready('fd00::1')], { addressType: 'IPv6', ...ann('2026-01-01T00:01:00Z') }),
      testSlice('s', 'd', [ready('10.0.0.3')], ann('not a time')),
    ];
    const { ports, reasons } = buildServicePorts(testService('s'), slices, v4);
    expect(ports[0]?.lastChangeTriggerTime).toBe(Date.parse('2026-01-01T00:00:05Z'));
    expect(codes(reasons)).toEqual([R.InvalidTriggerTime]);
    expect(buildServicePorts(testService('s'), [testSlice('s', 'a', [])], v4).ports[0]?.lastChangeTriggerTime).toBeUndefined();
  });
});

describe('buildServicePorts: policies, health check, affinity', () => {
  const local = { externalTrafficPolicy: 'Local' };
  it.each<[string, object, boolean, number]>([
    ['ClusterIP with eTP Local: not externally accessible', { ...local }, false, 0],
    ['NodePort with eTP Local', { ...local, type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 30080 }] }, true, 0],
    ['ClusterIP with externalIPs and eTP Local', { ...local, externalIPs: ['203.0.113.9'] }, true, 0],
    ['LoadBalancer with eTP Local and health check port', { ...local, type: 'LoadBalancer', healthCheckNodePort: 32000, ports: [{ name: 'http', port: 80, nodePort: 30080 }] }, true, 32000],
    ['LoadBalancer with eTP Cluster: no health check port', { type: 'LoadBalancer', healthCheckNodePort: 32000, ports: [{ name: 'http', port: 80, nodePort: 30080 }] }, false, 0],
    ['NodePort with eTP Local: no health check port', { ...local, type: 'NodePort', healthCheckNodePort: 32000, ports: [{ name: 'http', port: 80, nodePort: 30080 }] }, true, 0],
  ])('%s', (_name, spec, externalPolicyLocal, healthCheckNodePort) => {
    const { ports, reasons } = buildServicePorts(testService('s', spec), [], v4);
    expect(reasons).toEqual([]);
    expect(ports[0]?.externalPolicyLocal).toBe(externalPolicyLocal);
    expect(ports[0]?.healthCheckNodePort).toBe(healthCheckNodePort);
  });

  it('LoadBalancer with eTP Local but no health check port: reason, 0', () => {
    const { ports, reasons } = buildServicePorts(testService('s', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, nodePort: 30080 }] }), [], v4);
    expect(ports[0]?.healthCheckNodePort).toBe(0);
    expect(codes(reasons)).toEqual([R.InvalidHealthCheckNodePort]);
  });

  it('internalTrafficPolicy Local selects only local endpoints; unknown policies fall back to Cluster', () => {
    const slices = [testSlice('s', 's-1', [ready('10.0.0.1', 'node-a'), ready('10.0.0.2', 'node-b')])];
    const itp = buildServicePorts(testService('s', { internalTrafficPolicy: 'Local' }), slices, v4).ports[0];
    expect(itp?.internalPolicyLocal).toBe(true);
    expect(itp?.selection.localEndpoints.map((e) => e.ip)).toEqual(['10.0.0.1']);
    expect(itp?.selection.clusterEndpoints).toEqual([]);
    const odd = buildServicePorts(testService('s', { internalTrafficPolicy: 'Nearby' }), slices, v4);
    expect(odd.ports[0]?.internalPolicyLocal).toBe(false);
    expect(codes(odd.reasons)).toEqual([R.InvalidTrafficPolicy]);
  });

  it('eTP Local on an external port: local set for outside traffic, cluster set for the short-circuit', () => {
    const slices = [testSlice('s', 's-1', [ready('10.0.0.1', 'node-a'), ready('10.0.0.2', 'node-b')])];
    const p = buildServicePorts(testService('s', { type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, nodePort: 30080 }] }), slices, v4).ports[0];
    expect(p?.selection.localEndpoints.map((e) => e.ip)).toEqual(['10.0.0.1']);
    expect(p?.selection.clusterEndpoints.map((e) => e.ip)).toEqual(['10.0.0.1', '10.0.0.2']);
  });

  it('session affinity: ClientIP default, explicit, invalid (default or reject)', () => {
    const clientIP = (t?: number) => testService('s', { sessionAffinity: 'ClientIP', ...(t === undefined ? {} : { sessionAffinityConfig: { clientIP: { timeoutSeconds: t } } }) });
    expect(buildServicePorts(clientIP(), [], v4).ports[0]?.sessionAffinity).toEqual({ type: 'ClientIP', timeoutSeconds: 10800 });
    expect(buildServicePorts(clientIP(60), [], v4).ports[0]?.sessionAffinity).toEqual({ type: 'ClientIP', timeoutSeconds: 60 });
    const invalid = buildServicePorts(clientIP(0), [], v4);
    expect(invalid.ports[0]?.sessionAffinity).toEqual({ type: 'ClientIP', timeoutSeconds: 10800 });
    expect(codes(invalid.reasons)).toEqual(['InvalidAffinityTimeout']);
    const rejected = buildServicePorts(clientIP(90000), [], v4, { invalidAffinity: 'reject' });
    expect(rejected.ports).toEqual([]);
    expect(codes(rejected.reasons)).toEqual(['InvalidAffinityTimeout']);
  });

  it('never throws on hostile input', () => {
    const hostile = [
      { metadata: null },
      { metadata: { namespace: 'ns', name: 's' }, spec: { clusterIP: '10.96.0.1', ports: 'nope' } },
      { metadata: { namespace: 'ns', name: 's' }, spec: { clusterIP: 42, ports: [null, { port: '80' }] } },
      { metadata: { namespace: 'ns', name: 's' }, spec: { clusterIP: '10.96.0.1', clusterIPs: [null], externalIPs: [1, {}], loadBalancerSourceRanges: [null] } },
      { metadata: { namespace: 'ns', name: 's\n"x' }, spec: { clusterIP: '10.96.0.1', ports: [{ port: 80 }] }, status: { loadBalancer: { ingress: [null, 'x'] } } },
    ] as unknown as KubeService[];
    for (const service of hostile) {
      expect(() => buildServicePorts(service, [null as unknown as KubeEndpointSlice], v4)).not.toThrow();
    }
  });
});
