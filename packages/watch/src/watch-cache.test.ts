import { describe, expect, it, jest } from '@jest/globals';
import type { KubeService, Logger } from '@kproxy/api';
import { eps, nodeObj, svc } from './fixtures.test-helpers.ts';
import { WatchCache } from './watch-cache.ts';

const sorted = (s: ReadonlySet<string>) => [...s].sort();

function recordingLogger(): Logger & { warnings: unknown[] } {
  const warnings: unknown[] = [];
  const noop = () => undefined;
  const logger = {
    warnings,
    error: noop,
    info: noop,
    debug: noop,
    trace: noop,
    warn: (obj: unknown) => void warnings.push(obj),
    child: () => logger,
  };
  return logger as unknown as Logger & { warnings: unknown[] };
}

describe('WatchCache', () => {
  it('the first checkout is full and lists every service', () => {
    const c = new WatchCache();
    c.upsertService(svc('a'));
    c.upsertSlice(eps('a-1', 'a', ['10.0.0.1']));
    c.upsertSlice(eps('b-1', 'b', ['10.0.0.2']));
    const batch = c.checkout();
    expect(batch.full).toBe(true);
    expect(sorted(batch.changedServices)).toEqual(['default/a', 'default/b']);
    expect([...batch.snapshot.services.keys()]).toEqual(['default/a']);
    expect(batch.snapshot.slicesByService.get('default/b')?.map((s) => s.metadata.name)).toEqual(['b-1']);
    expect(c.hasPendingChanges()).toBe(false);
    expect(c.checkout().changedServices.size).toBe(0);
  });

  it('groups slices by service-name label within their namespace, sorted by name; unlabelled slices are ignored', () => {
    const c = new WatchCache();
    c.upsertSlice(eps('x-2', 'x', ['10.0.0.2']));
    c.upsertSlice(eps('x-1', 'x', ['10.0.0.1']));
    c.upsertSlice(eps('x-9', 'x', ['10.0.0.9'], { ns: 'other' }));
    c.upsertSlice(eps('loose', undefined, ['10.0.0.3']));
    const snap = c.checkout().snapshot;
    expect(snap.slicesByService.get('default/x')?.map((s) => s.metadata.name)).toEqual(['x-1', 'x-2']);
    expect(snap.slicesByService.get('other/x')?.map((s) => s.metadata.name)).toEqual(['x-9']);
    expect(snap.slicesByService.size).toBe(2);
  });

  it('drops no-op updates (only resourceVersion / managedFields differ)', () => {
    const c = new WatchCache();
    c.upsertService(svc('a', { rv: '1' }));
    c.upsertSlice(eps('a-1', 'a', ['10.0.0.1'], { rv: '2' }));
    c.checkout();
    const listener = jest.fn();
    c.onChange(listener);
    const again = svc('a', { rv: '7' });
    (again.metadata as Record<string, unknown>).managedFields = [{ manager: 'x' }];
    c.upsertService(again);
    c.upsertSlice(eps('a-1', 'a', ['10.0.0.1'], { rv: '8' }));
    expect(listener).not.toHaveBeenCalled();
    expect(c.hasPendingChanges()).toBe(false);
    expect(c.checkout().changedServices.size).toBe(0);
  });

  it('coalesces bursts and forgets a change that was undone before the sync', () => {
    const c = new WatchCache();
    c.upsertService(svc('a', { port: 80 }));
    c.upsertService(svc('b', { port: 80 }));
    c.checkout();
    for (let p = 81; p < 90; p++) c.upsertService(svc('a', { port: p }));
    c.upsertService(svc('b', { port: 81 }));
    c.upsertService(svc('b', { port: 80 }));
    const batch = c.checkout();
    expect(sorted(batch.changedServices)).toEqual(['default/a']);
    expect(batch.snapshot.services.get('default/a')?.spec?.ports?.[0].port).toBe(89);
    expect(batch.full).toBe(false);
  });

  it('reports service deletion and slice deletion, and a slice moving between services changes both', () => {
    const c = new WatchCache();
    c.upsertService(svc('a'));
    c.upsertSlice(eps('s', 'a', ['10.0.0.1']));
    c.upsertSlice(eps('t', 'b', ['10.0.0.2']));
    c.checkout();
    c.upsertSlice(eps('s', 'b', ['10.0.0.1']));
    let batch = c.checkout();
    expect(sorted(batch.changedServices)).toEqual(['default/a', 'default/b']);
    expect(batch.snapshot.slicesByService.has('default/a')).toBe(false);
    expect(batch.snapshot.slicesByService.get('default/b')?.map((s) => s.metadata.name)).toEqual(['s', 't']);

    c.deleteService(svc('a'));
    c.deleteSlice(eps('t', 'b', []));
    batch = c.checkout();
    expect(sorted(batch.changedServices)).toEqual(['default/a', 'default/b']);
    expect(batch.snapshot.services.size).toBe(0);
    expect(batch.snapshot.slicesByService.get('default/b')?.map((s) => s.metadata.name)).toEqual(['s']);

    // Moving back and forth before a sync is a no-op.
    c.upsertSlice(eps('s', 'c', ['10.0.0.1']));
    c.upsertSlice(eps('s', 'b', ['10.0.0.1']));
    expect(c.checkout().changedServices.size).toBe(0);
    // Losing the label removes the slice from its service.
    c.upsertSlice(eps('s', undefined, ['10.0.0.1']));
    batch = c.checkout();
    expect(sorted(batch.changedServices)).toEqual(['default/b']);
    expect(batch.snapshot.slicesByService.size).toBe(0);
  });

  it('snapshots are immutable and unaffected by later changes', () => {
    const c = new WatchCache({ freezeObjects: true });
    c.upsertService(svc('a', { port: 80 }));
    const first = c.checkout().snapshot;
    c.upsertService(svc('a', { port: 81 }));
    c.upsertService(svc('z'));
    const second = c.checkout().snapshot;
    expect(first.services.get('default/a')?.spec?.ports?.[0].port).toBe(80);
    expect(first.services.size).toBe(1);
    expect(second.services.size).toBe(2);
    const obj = second.services.get('default/a') as KubeService;
    expect(() => {
      (obj.spec as { type?: string }).type = 'NodePort';
    }).toThrow();
    expect(Object.isFrozen(second)).toBe(true);
  });

  it('a Node label change (zone) makes the next checkout full; other Nodes are ignored', () => {
    const c = new WatchCache({ nodeName: 'n1' });
    c.upsertService(svc('a'));
    c.upsertNode(nodeObj('n1', { 'topology.kubernetes.io/zone': 'z1' }));
    c.upsertNode(nodeObj('n2', { 'topology.kubernetes.io/zone': 'zz' }));
    let batch = c.checkout();
    expect(batch.snapshot.node?.metadata.name).toBe('n1');
    // Heartbeat-style update: nothing the proxy uses changed.
    c.upsertNode(nodeObj('n1', { 'topology.kubernetes.io/zone': 'z1' }));
    expect(c.hasPendingChanges()).toBe(false);
    c.upsertNode(nodeObj('n1', { 'topology.kubernetes.io/zone': 'z2' }));
    expect(c.hasPendingChanges()).toBe(true);
    batch = c.checkout();
    expect(batch).toMatchObject({ full: true, nodeChanged: true });
    expect(sorted(batch.changedServices)).toEqual(['default/a']);
    // An address change is a node change but not a full one.
    c.upsertNode(nodeObj('n1', { 'topology.kubernetes.io/zone': 'z2' }, '192.0.2.99'));
    batch = c.checkout();
    expect(batch).toMatchObject({ full: false, nodeChanged: true });
  });

  it('logs malformed objects with their name, skips them, and keeps the last good version', () => {
    const logger = recordingLogger();
    const c = new WatchCache({ logger });
    c.upsertService(svc('good'));
    c.upsertService(svc('a'));
    c.checkout();
    const bad = svc('a');
    (bad.spec as { ports: unknown[] }).ports = [{ port: 70000 }];
    c.upsertService(bad);
    const badSlice = eps('s', 'good', ['999.1.1.1']);
    c.upsertSlice(badSlice);
    c.upsertService({ metadata: { namespace: 'x' } } as KubeService);
    c.upsertSlice(eps('ok', 'good', ['10.0.0.1']));
    const batch = c.checkout();
    expect(c.invalidObjects).toBe(3);
    expect(JSON.stringify(logger.warnings)).toContain('Service default/a');
    expect(JSON.stringify(logger.warnings)).toContain('EndpointSlice default/s');
    expect(batch.snapshot.services.get('default/a')?.spec?.ports?.[0].port).toBe(80);
    expect(batch.snapshot.slicesByService.get('default/good')?.map((s) => s.metadata.name)).toEqual(['ok']);
  });

  it('requestFull makes the next checkout full', () => {
    const c = new WatchCache();
    c.upsertService(svc('a'));
    c.checkout();
    c.requestFull();
    const batch = c.checkout();
    expect(batch.full).toBe(true);
    expect([...batch.changedServices]).toEqual(['default/a']);
  });

  it('merged() merges slices per service port with the node name for isLocal, memoised across snapshots', () => {
    const c = new WatchCache({ nodeName: 'n1' });
    c.upsertSlice(eps('a-1', 'a', ['10.0.0.2', '10.0.0.1'], { nodeName: 'n1' }));
    c.upsertSlice(eps('a-2', 'a', ['10.0.0.1'], { nodeName: 'n1' }));
    c.upsertSlice(eps('a-6', 'a', ['fd00::1'], { family: 'IPv6' }));
    c.upsertSlice(eps('b-1', 'b', ['10.0.1.1']));
    const snap = c.checkout().snapshot;
    const merged = snap.merged('default/a', 'IPv4');
    expect([...(merged?.ports.keys() ?? [])]).toEqual(['http/TCP']);
    expect(merged?.ports.get('http/TCP')?.map((e) => `${e.ip}:${e.port}:${e.isLocal}`)).toEqual([
      '10.0.0.1:8080:true',
      '10.0.0.2:8080:true',
    ]);
    expect(snap.merged('default/a', 'IPv6')?.ports.get('http/TCP')?.map((e) => e.ip)).toEqual(['fd00::1']);
    expect(snap.merged('default/none', 'IPv4')).toBeUndefined();
    const mergedB = snap.merged('default/b', 'IPv4');
    c.upsertSlice(eps('a-3', 'a', ['10.0.0.3']));
    const next = c.checkout().snapshot;
    expect(next.merged('default/b', 'IPv4')).toBe(mergedB);
    expect(next.merged('default/a', 'IPv4')?.ports.get('http/TCP')).toHaveLength(3);
    expect(snap.merged('default/a', 'IPv4')?.ports.get('http/TCP')).toHaveLength(2);
  });
});
