import { describe, expect, it } from '@jest/globals';
import type { KubeEndpointSlice, KubeSliceEndpoint, KubeSlicePort } from '@kproxy/api';
import { LABEL_HEADLESS, LABEL_SERVICE_NAME, LABEL_SERVICE_PROXY_NAME } from '@kproxy/api';
import { mergeEndpointSlices } from './merge-slices.ts';
import { ENDPOINT_REASONS as R } from './reason-codes.ts';

function slice(
  name: string,
  endpoints: KubeSliceEndpoint[],
  ports: KubeSlicePort[] = [{ name: 'http', protocol: 'TCP', port: 8080 }],
  addressType = 'IPv4',
  labels: Record<string, string> = {},
): KubeEndpointSlice {
  return {
    metadata: { namespace: 'ns', name, labels: { [LABEL_SERVICE_NAME]: 'svc', ...labels } },
    addressType,
    endpoints,
    ports,
  };
}

const v4 = { family: 'IPv4' as const, nodeName: 'node-a' };

describe('mergeEndpointSlices', () => {
  it('applies condition defaults (ready/serving unset = true, terminating unset = false)', () => {
    const { ports } = mergeEndpointSlices(
      [
        slice('s1', [
          { addresses: ['10.0.0.1'] },
          { addresses: ['10.0.0.2'], conditions: { ready: null, serving: null, terminating: null } },
          { addresses: ['10.0.0.3'], conditions: { ready: false, serving: true, terminating: true } },
          { addresses: ['10.0.0.4'], conditions: { ready: false, serving: false, terminating: true } },
        ]),
      ],
      v4,
    );
    const eps = ports.get('http/TCP') ?? [];
    expect(eps.map((e) => [e.ip, e.ready, e.serving, e.terminating])).toEqual([
      ['10.0.0.1', true, true, false],
      ['10.0.0.2', true, true, false],
      ['10.0.0.3', false, true, true],
      ['10.0.0.4', false, false, true],
    ]);
  });

  it('uses only slices of the requested family, skipping FQDN silently and bad addressType with a reason', () => {
    const { ports, reasons } = mergeEndpointSlices(
      [
        slice('v4', [{ addresses: ['10.0.0.1'] }]),
        slice('v6', [{ addresses: ['fd00::1'] }], undefined, 'IPv6'),
        slice('fqdn', [{ addresses: ['example.com'] }], undefined, 'FQDN'),
        slice('bad', [{ addresses: ['10.0.0.9'] }], undefined, 'IPv5'),
      ],
      v4,
    );
    expect(ports.get('http/TCP')?.map((e) => e.ip)).toEqual(['10.0.0.1']);
    expect(reasons.map((r) => r.code)).toEqual([R.InvalidSliceAddressType]);
    expect(reasons[0]?.message).toContain('ns/bad');
    const six = mergeEndpointSlices([slice('v6', [{ addresses: ['FD00::0001'] }], undefined, 'IPv6')], {
      family: 'IPv6',
      nodeName: 'n',
    });
    expect(six.ports.get('http/TCP')?.map((e) => e.ip)).toEqual(['fd00::1']);
  });

  it('keys ports by name and protocol, defaults protocol to TCP, ignores ports without a number', () => {
    const { ports, reasons } = mergeEndpointSlices(
      [
        slice(
          's',
          [{ addresses: ['10.0.0.1'] }],
          [
            { name: 'dns', protocol: 'UDP', port: 53 },
            { name: 'dns', protocol: 'TCP', port: 5353 },
            { port: 80 },
            { name: 'all' },
            { name: 'sctp', protocol: 'SCTP', port: 9 },
          ],
        ),
      ],
      v4,
    );
    expect([...ports.keys()]).toEqual(['/TCP', 'dns/TCP', 'dns/UDP', 'sctp/SCTP']);
    expect(ports.get('dns/UDP')?.[0]?.port).toBe(53);
    expect(ports.get('dns/TCP')?.[0]?.port).toBe(5353);
    expect(ports.get('/TCP')?.[0]?.port).toBe(80);
    expect(reasons).toEqual([]);
  });

  it.each([
    ['port 0', { name: 'p', port: 0 }],
    ['port 65536', { name: 'p', port: 65536 }],
    ['fractional port', { name: 'p', port: 80.5 }],
    ['unknown protocol', { name: 'p', protocol: 'ICMP', port: 80 }],
  ])('skips a slice port with %s and gives a reason', (_label, port) => {
    const { ports, reasons } = mergeEndpointSlices(
      [slice('s', [{ addresses: ['10.0.0.1'] }], [port as KubeSlicePort, { name: 'ok', port: 81 }])],
      v4,
    );
    expect([...ports.keys()]).toEqual(['ok/TCP']);
    expect(reasons.map((r) => r.code)).toEqual([R.InvalidSlicePort]);
  });

  it('keeps the first of two conflicting ports with the same name and protocol in one slice', () => {
    const { ports, reasons } = mergeEndpointSlices(
      [slice('s', [{ addresses: ['10.0.0.1'] }], [{ name: 'p', port: 80 }, { name: 'p', port: 81 }])],
      v4,
    );
    expect(ports.get('p/TCP')?.map((e) => e.port)).toEqual([80]);
    expect(reasons.map((r) => r.code)).toEqual([R.DuplicateSlicePort]);
  });

  it('uses only the first address, ignores endpoints without addresses, normalises IPs', () => {
    const { ports, reasons } = mergeEndpointSlices(
      [
        slice('s', [
          { addresses: ['010.000.000.001', '10.0.0.99'] },
          { addresses: [] },
          { addresses: undefined as unknown as string[] },
        ]),
      ],
      v4,
    );
    expect(ports.get('http/TCP')?.map((e) => e.ip)).toEqual(['10.0.0.1']);
    expect(reasons).toEqual([]);
  });

  it.each([
    ['an invalid address', 'not-an-ip', R.InvalidEndpointAddress],
    ['an address of the other family', 'fd00::1', R.EndpointAddressWrongFamily],
    ['an address with whitespace', ' 10.0.0.2', R.InvalidEndpointAddress],
  ])('skips %s with a reason and keeps the rest', (_label, address, code) => {
    const { ports, reasons } = mergeEndpointSlices(
      [slice('s', [{ addresses: [address] }, { addresses: ['10.0.0.1'] }])],
      v4,
    );
    expect(ports.get('http/TCP')?.map((e) => e.ip)).toEqual(['10.0.0.1']);
    expect(reasons.map((r) => r.code)).toEqual([code]);
  });

  it('marks endpoints on this node local and copies zone and hints (sorted, unique)', () => {
    const { ports } = mergeEndpointSlices(
      [
        slice('s', [
          {
            addresses: ['10.0.0.1'],
            nodeName: 'node-a',
            zone: 'z1',
            hints: { forZones: [{ name: 'z2' }, { name: 'z1' }, { name: 'z1' }], forNodes: [{ name: 'node-a' }] },
          },
          { addresses: ['10.0.0.2'], nodeName: 'node-b', hints: { forZones: [] } },
          { addresses: ['10.0.0.3'] },
        ]),
      ],
      v4,
    );
    const [a, b, c] = ports.get('http/TCP') ?? [];
    expect(a).toEqual({
      ip: '10.0.0.1',
      port: 8080,
      ready: true,
      serving: true,
      terminating: false,
      isLocal: true,
      nodeName: 'node-a',
      zone: 'z1',
      zoneHints: ['z1', 'z2'],
      nodeHints: ['node-a'],
    });
    expect(b?.isLocal).toBe(false);
    expect(b?.zoneHints).toBeUndefined();
    expect(c?.isLocal).toBe(false);
    expect(c?.nodeName).toBeUndefined();
  });

  it('de-duplicates the same IP:port across slices, the non-terminating copy winning in either order', () => {
    const live = slice('live', [{ addresses: ['10.0.0.1'], conditions: { ready: true } }]);
    const dying = slice('dying', [
      { addresses: ['10.0.0.1'], conditions: { ready: false, serving: true, terminating: true } },
    ]);
    for (const order of [
      [live, dying],
      [dying, live],
    ]) {
      const { ports, reasons } = mergeEndpointSlices(order, v4);
      const eps = ports.get('http/TCP') ?? [];
      expect(eps).toHaveLength(1);
      expect(eps[0]?.terminating).toBe(false);
      expect(reasons.map((r) => r.code)).toEqual([R.DuplicateEndpoint]);
    }
  });

  it('treats identical duplicates silently, and same IP on different ports as different endpoints', () => {
    const a = slice('a', [{ addresses: ['10.0.0.1'] }], [{ name: 'p', port: 80 }]);
    const b = slice('b', [{ addresses: ['10.0.0.1'] }], [{ name: 'p', port: 80 }]);
    const c = slice('c', [{ addresses: ['10.0.0.1'] }], [{ name: 'p', port: 81 }]);
    const { ports, reasons } = mergeEndpointSlices([a, b, c], v4);
    expect(ports.get('p/TCP')?.map((e) => e.port)).toEqual([80, 81]);
    expect(reasons).toEqual([]);
  });

  it('ignores slices labelled service-proxy-name (even empty) or headless', () => {
    const { ports, reasons } = mergeEndpointSlices(
      [
        slice('other-proxy', [{ addresses: ['10.0.0.1'] }], undefined, 'IPv4', { [LABEL_SERVICE_PROXY_NAME]: '' }),
        slice('headless', [{ addresses: ['10.0.0.2'] }], undefined, 'IPv4', { [LABEL_HEADLESS]: '' }),
        slice('ok', [{ addresses: ['10.0.0.3'] }]),
      ],
      v4,
    );
    expect(ports.get('http/TCP')?.map((e) => e.ip)).toEqual(['10.0.0.3']);
    expect(reasons.map((r) => r.code)).toEqual([R.SliceIgnoredByLabel, R.SliceIgnoredByLabel]);
  });

  it('sorts endpoints by IP then port and never throws on garbage', () => {
    const { ports } = mergeEndpointSlices(
      [
        slice('s', [{ addresses: ['10.0.0.3'] }, { addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }]),
        null as unknown as KubeEndpointSlice,
        { metadata: {}, addressType: 'IPv4', endpoints: [null as unknown as KubeSliceEndpoint], ports: [{ port: 1 }] },
        { metadata: {}, addressType: 'IPv4', endpoints: 'x' as unknown as KubeSliceEndpoint[], ports: [{ port: 1 }] },
      ],
      v4,
    );
    expect(ports.get('http/TCP')?.map((e) => e.ip)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
  });
});
