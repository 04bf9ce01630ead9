import { describe, expect, it } from '@jest/globals';
import {
  ConfigError,
  deepEqual,
  diffStates,
  endpointKey,
  ExecError,
  familyOf,
  InvalidObjectError,
  KProxyError,
  servicePortEqual,
  servicePortKey,
  sortedServicePorts,
  UnsupportedPlatformError,
} from './index.ts';
import type { NodeContext, ProxyState, ServicePort } from './index.ts';
import { endpointOf, servicePortOf } from './testing/index.ts';

const node: NodeContext = {
  name: 'node-a',
  family: 'IPv4',
  nodeIPs: ['10.0.0.1'],
  nodePortAddresses: { kind: 'all' },
  localDetector: { mode: 'ClusterCIDR', cidrs: ['10.244.0.0/16'] },
  masqueradeAll: false,
  masqueradeBit: 14,
  features: {},
};

function port(name: string, overrides: Partial<ServicePort> = {}): ServicePort {
  const ep = endpointOf('10.244.1.2');
  return { ...servicePortOf({ namespace: 'default', name, endpoints: [ep] }), ...overrides };
}

function state(...ports: ServicePort[]): ProxyState {
  return { family: 'IPv4', node, servicePorts: new Map(ports.map((p) => [servicePortKey(p.name), p])) };
}

describe('keys', () => {
  it('names a service port by namespace, name, port name and protocol', () => {
    expect(servicePortKey({ namespace: 'ns', name: 'web', port: 'http', protocol: 'TCP' })).toBe('ns/web:http/TCP');
    expect(servicePortKey({ namespace: 'ns', name: 'web', port: '', protocol: 'UDP' })).toBe('ns/web/UDP');
  });

  it('brackets IPv6 endpoints', () => {
    expect(endpointKey({ ip: '10.1.2.3', port: 80 })).toBe('10.1.2.3:80');
    expect(endpointKey({ ip: 'fd00::1', port: 80 })).toBe('[fd00::1]:80');
  });

  it('tells families apart', () => {
    expect(familyOf('10.0.0.0/8')).toBe('IPv4');
    expect(familyOf('fd00::/64')).toBe('IPv6');
  });

  it('orders service ports by key whatever the insertion order', () => {
    const s = state(port('zeta'), port('alpha'), port('mid'));
    expect(sortedServicePorts(s).map((p) => p.name.name)).toEqual(['alpha', 'mid', 'zeta']);
  });
});

describe('equality', () => {
  it('compares plain data structurally, ignoring key order and undefined keys', () => {
    expect(deepEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(deepEqual({ a: 1, x: undefined }, { a: 1 })).toBe(true);
    expect(deepEqual([1, 2], [2, 1])).toBe(false);
    expect(deepEqual(new Map([['a', { x: 1 }]]), new Map([['a', { x: 1 }]]))).toBe(true);
    expect(deepEqual(new Set([1]), new Set([2]))).toBe(false);
    expect(deepEqual({ a: 1 }, [1])).toBe(false);
    expect(deepEqual(null, {})).toBe(false);
  });

  it('ignores reasons and trigger times but not rule-relevant fields', () => {
    const a = port('web');
    const withReason = port('web', {
      lastChangeTriggerTime: 5,
      selection: { ...a.selection, reasons: [{ code: 'X', message: 'x' }] },
    });
    expect(servicePortEqual(a, withReason)).toBe(true);
    expect(servicePortEqual(a, port('web', { nodePort: 30080 }))).toBe(false);
    expect(servicePortEqual(a, port('web', { sessionAffinity: { type: 'ClientIP', timeoutSeconds: 10 } }))).toBe(false);
  });
});

describe('diffStates', () => {
  it('asks for a full sync without a previous state', () => {
    const next = state(port('a'));
    const cs = diffStates(undefined, next);
    expect(cs.full).toBe(true);
    expect([...cs.changes]).toEqual([['default/a:http/TCP', 'added']]);
  });

  it('reports added, updated and removed ports and nothing for unchanged ones', () => {
    const prev = state(port('a'), port('b'), port('c'));
    const next = state(port('a'), port('b', { port: 81 }), port('d'));
    const cs = diffStates(prev, next);
    expect(cs.full).toBe(false);
    expect(Object.fromEntries(cs.changes)).toEqual({
      'default/b:http/TCP': 'updated',
      'default/c:http/TCP': 'removed',
      'default/d:http/TCP': 'added',
    });
  });

  it('looks only at candidate keys when given them', () => {
    const prev = state(port('a'), port('b'));
    const next = state(port('a', { port: 1 }), port('b', { port: 2 }));
    expect([...diffStates(prev, next, ['default/b:http/TCP']).changes.keys()]).toEqual(['default/b:http/TCP']);
  });

  it('turns a node change into a full sync', () => {
    const prev = state(port('a'));
    const next: ProxyState = { ...prev, node: { ...node, masqueradeAll: true } };
    const cs = diffStates(prev, next);
    expect(cs.full).toBe(true);
    expect(cs.nodeChanged).toBe(true);
    expect(cs.changes.size).toBe(0);
  });
});

describe('errors', () => {
  it('have fixed names, keep their cause and carry details', () => {
    const cause = new Error('boom');
    const e = new ExecError('nft failed', { command: ['nft', '-f', '-'], exitCode: 1, stderr: 'x' }, { cause });
    expect(e.name).toBe('ExecError');
    expect(e.cause).toBe(cause);
    expect(e.command).toEqual(['nft', '-f', '-']);
    expect(e).toBeInstanceOf(KProxyError);
    expect(new ConfigError('bad').name).toBe('ConfigError');
    const inv = new InvalidObjectError('Service ns/x', 'bad clusterIP');
    expect(inv.message).toBe('Service ns/x: bad clusterIP');
    expect(inv.object).toBe('Service ns/x');
    expect(new UnsupportedPlatformError('windows').message).toMatch(/needs windows/);
  });
});
