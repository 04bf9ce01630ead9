import { describe, expect, it } from '@jest/globals';
import type { KubeEndpointSlice, KubeNode, KubeService, ProxyState } from '@kproxy/api';
import { LABEL_SERVICE_PROXY_NAME, sortedServicePorts } from '@kproxy/api';
import type { ClusterSnapshot } from './snapshot.ts';
import { StateBuilder } from './state-builder.ts';
import { testService, testSlice } from './testing/fixtures.ts';

const nodeOptions = {
  hostname: 'node-a',
  detectLocalMode: 'ClusterCIDR' as const,
  clusterCIDRs: ['10.244.0.0/16'],
  nodePortAddresses: [],
  masqueradeAll: false,
  features: {},
};
const nodeIn = (zone: string): KubeNode => ({
  metadata: { name: 'node-a', labels: { 'topology.kubernetes.io/zone': zone } },
  status: { addresses: [{ type: 'InternalIP', address: '192.168.0.10' }] },
});

function snapshot(
  services: Record<string, KubeService>,
  slices: Record<string, KubeEndpointSlice[]>,
  node: KubeNode | undefined = nodeIn('z1'),
): ClusterSnapshot {
  return {
    services: new Map(Object.entries(services).map(([n, s]) => [`ns/${n}`, s])),
    slicesByService: new Map(Object.entries(slices).map(([n, s]) => [`ns/${n}`, s])),
    ...(node ? { node } : {}),
  };
}

const ep = (ip: string, extra: object = {}) => ({ addresses: [ip], ...extra });
const summary = (state: ProxyState) =>
  sortedServicePorts(state).map((p) => `${p.name.name}/${p.name.port}:${p.selection.clusterEndpoints.map((e) => e.ip).join(',')}`);

describe('StateBuilder', () => {
  const a = testService('a');
  const b = testService('b', { clusterIP: '10.96.0.11' });
  const base = snapshot({ a, b }, { a: [testSlice('a', 'a-1', [ep('10.0.0.1')])], b: [testSlice('b', 'b-1', [ep('10.0.1.1')])] });

  it('builds everything on the first update and reports a full change set', () => {
    const builder = new StateBuilder({ family: 'IPv4', node: nodeOptions });
    const { state, changes } = builder.update(base, [], false);
    expect(summary(state)).toEqual(['a/http:10.0.0.1', 'b/http:10.0.1.1']);
    expect(state.node).toMatchObject({ name: 'node-a', zone: 'z1', nodeIPs: ['192.168.0.10'] });
    expect(changes.full).toBe(true);
    expect([...changes.changes]).toEqual([
      ['ns/a:http/TCP', 'added'],
      ['ns/b:http/TCP', 'added'],
    ]);
    expect(builder.state).toBe(state);
  });

  it('rebuilds only the changed Service; other ports keep their identity; old states stay unchanged', () => {
    const builder = new StateBuilder({ family: 'IPv4', node: nodeOptions });
    const first = builder.update(base, [], false).state;
    const next = snapshot({ a, b }, { a: [testSlice('a', 'a-1', [ep('10.0.0.2')])], b: [testSlice('b', 'b-1', [ep('10.0.1.1')])] });
    const { state, changes } = builder.update(next, ['ns/a'], false);
    expect(changes).toEqual({ full: false, nodeChanged: false, changes: new Map([['ns/a:http/TCP', 'updated']]) });
    expect(summary(state)).toEqual(['a/http:10.0.0.2', 'b/http:10.0.1.1']);
    expect(state.servicePorts.get('ns/b:http/TCP')).toBe(first.servicePorts.get('ns/b:http/TCP'));
    expect(summary(first)).toEqual(['a/http:10.0.0.1', 'b/http:10.0.1.1']);
  });

  it('only looks at the named Services (a change not announced is not seen)', () => {
    const builder = new StateBuilder({ family: 'IPv4', node: nodeOptions });
    builder.update(base, [], false);
    const next = snapshot({ a, b }, { a: [testSlice('a', 'a-1', [ep('10.0.0.2')])], b: [testSlice('b', 'b-1', [ep('10.0.1.2')])] });
    const { state } = builder.update(next, ['ns/b'], false);
    expect(summary(state)).toEqual(['a/http:10.0.0.1', 'b/http:10.0.1.2']);
  });

  it('adds, removes, and reports no change for a no-op', () => {
    const builder = new StateBuilder({ family: 'IPv4', node: nodeOptions });
    builder.update(base, [], false);
    const c = testService('c', { clusterIP: '10.96.0.12', ports: [{ name: 'x', port: 1 }, { name: 'y', port: 2, protocol: 'UDP' }] });
    const added = builder.update(snapshot({ a, c }, { a: [testSlice('a', 'a-1', [ep('10.0.0.1')])] }), ['ns/b', 'ns/c', 'ns/a'], false);
    expect([...added.changes.changes].sort()).toEqual([
      ['ns/b:http/TCP', 'removed'],
      ['ns/c:x/TCP', 'added'],
      ['ns/c:y/UDP', 'added'],
    ]);
    expect(added.state.servicePorts.size).toBe(3);
    const again = builder.update(snapshot({ a, c }, { a: [testSlice('a', 'a-1', [ep('10.0.0.1')])] }), ['ns/a', 'ns/c'], false);
    expect(again.changes.changes.size).toBe(0);
  });

  it('removes a port dropped from a Service and keeps the others', () => {
    const builder = new StateBuilder({ family: 'IPv4', node: nodeOptions });
    const two = testService('t', { ports: [{ name: 'x', port: 1 }, { name: 'y', port: 2 }] });
    builder.update(snapshot({ t: two }, {}), [], false);
    const one = testService('t', { ports: [{ name: 'x', port: 1 }] });
    const { changes, state } = builder.update(snapshot({ t: one }, {}), ['ns/t'], false);
    expect([...changes.changes]).toEqual([['ns/t:y/TCP', 'removed']]);
    expect([...state.servicePorts.keys()]).toEqual(['ns/t:x/TCP']);
  });

  it('adding the service-proxy-name label removes the rules; removing it restores them', () => {
    const builder = new StateBuilder({ family: 'IPv4', node: nodeOptions });
    builder.update(base, [], false);
    const labelled = testService('a', {}, { metadata: { labels: { [LABEL_SERVICE_PROXY_NAME]: '' } } });
    const off = builder.update({ ...base, services: new Map([...base.services, ['ns/a', labelled]]) }, ['ns/a'], false);
    expect([...off.changes.changes]).toEqual([['ns/a:http/TCP', 'removed']]);
    expect(builder.reasonsFor('ns/a').map((r) => r.code)).toEqual(['ServiceIgnoredByLabel']);
    const on = builder.update(base, ['ns/a'], false);
    expect([...on.changes.changes]).toEqual([['ns/a:http/TCP', 'added']]);
    expect(builder.reasonsFor('ns/a')).toEqual([]);
  });

  it('switching session affinity on and off is an update', () => {
    const builder = new StateBuilder({ family: 'IPv4', node: nodeOptions });
    builder.update(base, [], false);
    const sticky = testService('a', { sessionAffinity: 'ClientIP' });
    const on = builder.update({ ...base, services: new Map([...base.services, ['ns/a', sticky]]) }, ['ns/a'], false);
    expect([...on.changes.changes]).toEqual([['ns/a:http/TCP', 'updated']]);
    expect(on.state.servicePorts.get('ns/a:http/TCP')?.sessionAffinity).toEqual({ type: 'ClientIP', timeoutSeconds: 10800 });
    const off = builder.update(base, ['ns/a'], false);
    expect(off.state.servicePorts.get('ns/a:http/TCP')?.sessionAffinity).toEqual({ type: 'None' });
  });

  it('a node change that changes nothing is not a full sync; a zone change re-selects everything', () => {
    const hinted = snapshot(
      { a },
      { a: [testSlice('a', 'a-1', [ep('10.0.0.1', { hints: { forZones: [{ name: 'z1' }] } }), ep('10.0.0.2', { hints: { forZones: [{ name: 'z2' }] } })])] },
    );
    const builder = new StateBuilder({ family: 'IPv4', node: nodeOptions });
    expect(summary(builder.update(hinted, [], true).state)).toEqual(['a/http:10.0.0.1']);
    const same = builder.update(hinted, [], true);
    expect(same.changes).toEqual({ full: false, nodeChanged: false, changes: new Map() });
    const moved = builder.update({ ...hinted, node: nodeIn('z2') }, [], true);
    expect(moved.changes.full).toBe(true);
    expect(moved.changes.nodeChanged).toBe(true);
    expect([...moved.changes.changes]).toEqual([['ns/a:http/TCP', 'updated']]);
    expect(summary(moved.state)).toEqual(['a/http:10.0.0.2']);
  });

  it('the Node arriving late (unknown at first) recomputes isLocal-independent facts', () => {
    const builder = new StateBuilder({ family: 'IPv4', node: nodeOptions });
    const first = builder.update({ ...base, node: undefined } as ClusterSnapshot, [], false);
    expect(first.state.node.nodeIPs).toEqual([]);
    const later = builder.update(base, [], true);
    expect(later.state.node.nodeIPs).toEqual(['192.168.0.10']);
    expect(later.changes.full).toBe(true);
    expect(later.changes.changes.size).toBe(0);
  });

  it('returns the reasons of rebuilt Services', () => {
    const builder = new StateBuilder({ family: 'IPv4', node: nodeOptions });
    const bad = testService('bad', { externalIPs: ['nope'] });
    const { reasons } = builder.update(snapshot({ bad }, {}), [], false);
    expect(reasons.map((r) => r.code)).toEqual(['InvalidExternalIP']);
    expect(reasons[0]?.message).toContain('ns/bad');
  });
});
