import { describe, expect, it } from '@jest/globals';
import { eps, svc } from './fixtures.test-helpers.ts';
import { isIP, validateEndpointSlice, validateNode, validateService } from './validate.ts';

describe('validation', () => {
  it('accepts well-formed objects, headless and ExternalName services', () => {
    expect(validateService(svc('a'))).toBeUndefined();
    expect(validateService({ metadata: { name: 'h', namespace: 'd' }, spec: { clusterIP: 'None' } })).toBeUndefined();
    expect(validateService({ metadata: { name: 'e', namespace: 'd' }, spec: { type: 'ExternalName', externalName: 'x.example' } })).toBeUndefined();
    expect(validateEndpointSlice(eps('s', 'a', ['10.0.0.1']))).toBeUndefined();
    expect(validateEndpointSlice({ metadata: { name: 'f', namespace: 'd' }, addressType: 'FQDN', endpoints: [{ addresses: ['x.example'] }] })).toBeUndefined();
    expect(validateNode({ metadata: { name: 'n' } })).toBeUndefined();
  });

  it('tolerates IPv4 leading zeros as kube-proxy does, rejects non-IPs', () => {
    expect(isIP('010.001.002.003')).toBe(true);
    expect(isIP('fd00::1', 'IPv6')).toBe(true);
    expect(isIP('fd00::1', 'IPv4')).toBe(false);
    expect(isIP('256.1.1.1')).toBe(false);
    expect(isIP('10.0.0')).toBe(false);
    expect(isIP(7)).toBe(false);
  });

  it('rejects missing names, absurd ports, bad protocols and bad IPs, naming the object', () => {
    const cases: [unknown, string][] = [
      [{ metadata: { namespace: 'd' } }, 'metadata.name'],
      [{ metadata: { name: 'a' } }, 'metadata.namespace'],
      [{ metadata: { name: 'a', namespace: 'd' }, spec: { ports: [{ port: 0 }] } }, 'Service d/a: spec.ports[0].port 0'],
      [{ metadata: { name: 'a', namespace: 'd' }, spec: { ports: [{ port: 80, protocol: 'ICMP' }] } }, 'protocol'],
      [{ metadata: { name: 'a', namespace: 'd' }, spec: { ports: [{ port: 80, nodePort: 1e6 }] } }, 'nodePort'],
      [{ metadata: { name: 'a', namespace: 'd' }, spec: { clusterIP: '10.0.0.300' } }, 'cluster IP'],
      [{ metadata: { name: 'a', namespace: 'd' }, spec: { externalIPs: ['nope'] } }, 'external IP'],
      [{ metadata: { name: 'a', namespace: 'd' }, status: { loadBalancer: { ingress: [{ ip: 'x' }] } } }, 'ingress IP'],
    ];
    for (const [obj, text] of cases) expect(validateService(obj)?.message).toContain(text);
    const slice = eps('s', 'a', ['fd00::1']);
    expect(validateEndpointSlice(slice)?.message).toBe('EndpointSlice default/s: endpoints[0] address "fd00::1" is not an IPv4 address');
    expect(validateEndpointSlice({ ...eps('s', 'a', []), ports: [{ port: -1 }] })?.name).toBe('InvalidObjectError');
    expect(validateEndpointSlice({ ...eps('s', 'a', []), addressType: undefined })?.message).toContain('addressType');
    expect(validateEndpointSlice({ ...eps('s', 'a', []), endpoints: [{ addresses: 'x' }] })?.message).toContain('addresses');
    expect(validateNode({ metadata: {} })?.message).toContain('Node <unnamed>');
    expect(validateService(null)?.message).toContain('not an object');
  });
});
