import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { startApiServer, type ApiServer } from './server.ts';
import { node, rawWatch, service, slice } from './test-helpers.ts';

let api: ApiServer;
beforeEach(async () => {
  api = await startApiServer({ bookmarkIntervalMs: 50 });
});
afterEach(async () => {
  await api.close();
});

async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(api.url + path);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function send(method: string, path: string, body: unknown, contentType = 'application/json') {
  const res = await fetch(api.url + path, { method, body: JSON.stringify(body), headers: { 'content-type': contentType } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const names = (list: { body: Record<string, unknown> }) =>
  (list.body.items as { metadata: { name: string } }[]).map((i) => i.metadata.name);

describe('embedded API server', () => {
  it('starts in milliseconds on loopback', async () => {
    const t0 = performance.now();
    const other = await startApiServer();
    const took = performance.now() - t0;
    await other.close();
    expect(other.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(took).toBeLessThan(200);
  });

  it('serves discovery documents', async () => {
    expect((await get('/api')).body.versions).toEqual(['v1']);
    const core = await get('/api/v1');
    expect((core.body.resources as { name: string }[]).map((r) => r.name)).toEqual(
      expect.arrayContaining(['services', 'nodes']),
    );
    const groups = await get('/apis');
    expect(JSON.stringify(groups.body)).toContain('discovery.k8s.io/v1');
    const disc = await get('/apis/discovery.k8s.io/v1');
    expect((disc.body.resources as { name: string; kind: string }[])[0]).toMatchObject({ name: 'endpointslices', kind: 'EndpointSlice' });
    expect((await get('/version')).body.major).toBe('1');
  });

  it('creates, gets, updates, patches and deletes over HTTP with Kubernetes status codes', async () => {
    const created = await send('POST', '/api/v1/namespaces/ns1/services', service('web', { namespace: 'ns1' }));
    expect(created.status).toBe(201);
    const md = created.body.metadata as Record<string, string>;
    expect(md.uid).toBeTruthy();
    expect((created.body.spec as Record<string, string>).clusterIP).toMatch(/^10\.96\./);
    expect((await send('POST', '/api/v1/namespaces/ns1/services', service('web', { namespace: 'ns1' }))).body.reason).toBe(
      'AlreadyExists',
    );
    const got = await get('/api/v1/namespaces/ns1/services/web');
    expect(got.body).toEqual(created.body);

    const stale = { ...created.body, metadata: { ...md, resourceVersion: '1' } };
    expect((await send('PUT', '/api/v1/namespaces/ns1/services/web', stale)).status).toBe(409);
    const updated = await send('PUT', '/api/v1/namespaces/ns1/services/web', {
      ...created.body,
      metadata: { ...md, labels: { a: 'b' } },
    });
    expect(updated.status).toBe(200);
    expect(Number((updated.body.metadata as Record<string, string>).resourceVersion)).toBeGreaterThan(Number(md.resourceVersion));

    const patched = await send(
      'PATCH',
      '/api/v1/namespaces/ns1/services/web',
      { metadata: { labels: { a: null, c: 'd' } } },
      'application/merge-patch+json',
    );
    expect((patched.body.metadata as Record<string, unknown>).labels).toEqual({ c: 'd' });
    expect((patched.body.spec as Record<string, string>).clusterIP).toBe((created.body.spec as Record<string, string>).clusterIP);
    const strategic = await send(
      'PATCH',
      '/api/v1/namespaces/ns1/services/web',
      { $setElementOrder: 1, metadata: { labels: { e: 'f' } } },
      'application/strategic-merge-patch+json',
    );
    expect((strategic.body.metadata as Record<string, unknown>).labels).toEqual({ c: 'd', e: 'f' });
    const jsonPatched = await send(
      'PATCH',
      '/api/v1/namespaces/ns1/services/web',
      [
        { op: 'test', path: '/metadata/labels/c', value: 'd' },
        { op: 'add', path: '/metadata/labels/g~1h', value: 'i' },
        { op: 'replace', path: '/spec/ports/0/port', value: 8080 },
        { op: 'remove', path: '/metadata/labels/e' },
      ],
      'application/json-patch+json',
    );
    expect(jsonPatched.status).toBe(200);
    expect(jsonPatched.body).toMatchObject({ metadata: { labels: { c: 'd', 'g/h': 'i' } }, spec: { ports: [{ port: 8080 }] } });
    const failedTest = await send('PATCH', '/api/v1/namespaces/ns1/services/web', [{ op: 'test', path: '/metadata/labels/c', value: 'x' }], 'application/json-patch+json');
    expect(failedTest.status).toBe(422);
    expect((await send('PATCH', '/api/v1/namespaces/ns1/services/web', {}, 'application/apply-patch+yaml')).status).toBe(415);

    const del = await fetch(api.url + '/api/v1/namespaces/ns1/services/web', { method: 'DELETE' });
    expect(del.status).toBe(200);
    const gone = await get('/api/v1/namespaces/ns1/services/web');
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
  });

  it('lists with label selectors, field selectors, namespaces and pages', async () => {
    api.apply(service('a', { namespace: 'x' }));
    api.apply(service('b', { namespace: 'x', labels: { 'service.kubernetes.io/headless': '' } }));
    api.apply(service('c', { namespace: 'y', labels: { 'service.kubernetes.io/service-proxy-name': 'other' } }));
    api.apply(service('d', { namespace: 'y', labels: { app: 'd' } }));
    const sel = encodeURIComponent('!service.kubernetes.io/service-proxy-name,!service.kubernetes.io/headless');
    expect(names(await get(`/api/v1/services?labelSelector=${sel}`))).toEqual(['a', 'd']);
    expect(names(await get('/api/v1/namespaces/y/services'))).toEqual(['c', 'd']);
    expect(names(await get('/api/v1/services?labelSelector=app%3Dd'))).toEqual(['d']);
    expect(names(await get('/api/v1/services?fieldSelector=metadata.name%3Db'))).toEqual(['b']);
    expect((await get('/api/v1/services?fieldSelector=spec.type%3DX')).status).toBe(400);
    expect((await get('/api/v1/services?labelSelector=a%3D%3D%3D')).status).toBe(400);

    const p1 = await get('/api/v1/services?limit=3');
    const meta = p1.body.metadata as Record<string, unknown>;
    expect(names(p1)).toEqual(['a', 'b', 'c']);
    expect(meta.remainingItemCount).toBe(1);
    const p2 = await get(`/api/v1/services?limit=3&continue=${encodeURIComponent(meta.continue as string)}`);
    expect(names(p2)).toEqual(['d']);
    expect((p2.body.metadata as Record<string, unknown>).continue).toBeUndefined();
    expect((p2.body.metadata as Record<string, unknown>).resourceVersion).toBe(meta.resourceVersion);

    api.apply(service('e'));
    api.faults.expireResourceVersions();
    const expired = await get(`/api/v1/services?limit=3&continue=${encodeURIComponent(meta.continue as string)}`);
    expect(expired.status).toBe(410);
    expect(expired.body.reason).toBe('Expired');
  });

  it('watches: replays history from a resource version, then streams live events', async () => {
    api.apply(slice('s1', 'web', ['10.0.0.1']));
    const rv = api.resourceVersion;
    api.apply(slice('s2', 'web', ['10.0.0.2']));
    const w = await rawWatch(`${api.url}/apis/discovery.k8s.io/v1/endpointslices?watch=true&resourceVersion=${rv}`);
    await w.waitFor(1);
    api.apply(slice('s1', 'web', ['10.0.0.3']));
    api.delete({ kind: 'EndpointSlice', namespace: 'default', name: 's2' });
    const events = await w.waitFor(3);
    expect(events.map((e) => `${e.type} ${e.object.metadata?.name}`)).toEqual(['ADDED s2', 'MODIFIED s1', 'DELETED s2']);
    expect(Number(events[2].object.metadata?.resourceVersion)).toBe(Number(api.resourceVersion));
    w.close();
  });

  it('watch without a resource version starts with the current objects as ADDED', async () => {
    api.apply(node('n1'));
    api.apply(node('n2'));
    const w = await rawWatch(`${api.url}/api/v1/nodes?watch=1&fieldSelector=metadata.name%3Dn2`);
    const events = await w.waitFor(1);
    expect(events.map((e) => `${e.type} ${e.object.metadata?.name}`)).toEqual(['ADDED n2']);
    w.close();
  });

  it('a label change moves an object in and out of a selector watch as ADDED / DELETED', async () => {
    const sel = encodeURIComponent('!service.kubernetes.io/service-proxy-name');
    const w = await rawWatch(`${api.url}/api/v1/services?watch=true&labelSelector=${sel}&resourceVersion=${api.resourceVersion}`);
    api.apply(service('s'));
    api.apply(service('s', { labels: { 'service.kubernetes.io/service-proxy-name': 'x' } }));
    api.apply(service('s', { labels: { 'service.kubernetes.io/service-proxy-name': 'y' } }));
    api.apply(service('s'));
    const events = await w.waitFor(3);
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'DELETED', 'ADDED']);
    w.close();
  });

  it('answers a watch from a compacted resource version with an ERROR event carrying 410', async () => {
    api.apply(service('a'));
    const old = api.resourceVersion;
    api.apply(service('b'));
    api.faults.expireResourceVersions();
    const w = await rawWatch(`${api.url}/api/v1/services?watch=true&resourceVersion=${old}`);
    await w.ended;
    expect(w.status).toBe(200);
    expect(w.events).toHaveLength(1);
    expect(w.events[0]).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
    // The current resource version is still fine.
    const ok = await rawWatch(`${api.url}/api/v1/services?watch=true&resourceVersion=${api.resourceVersion}`);
    expect(ok.status).toBe(200);
    ok.close();
  });

  it('can answer a compacted watch with an HTTP 410 Status instead', async () => {
    const other = await startApiServer({ goneAs: 'status' });
    try {
      other.apply(service('a'));
      const old = other.resourceVersion;
      other.apply(service('b'));
      other.faults.expireResourceVersions();
      const res = await fetch(`${other.url}/api/v1/services?watch=true&resourceVersion=${old}`);
      expect(res.status).toBe(410);
      expect(await res.json()).toMatchObject({ kind: 'Status', code: 410 });
    } finally {
      await other.close();
    }
  });

  it('sends bookmarks when allowed and ends the watch after timeoutSeconds', async () => {
    const w = await rawWatch(
      `${api.url}/api/v1/services?watch=true&allowWatchBookmarks=true&timeoutSeconds=1&resourceVersion=${api.resourceVersion}`,
    );
    await w.ended;
    const bookmarks = w.events.filter((e) => e.type === 'BOOKMARK');
    expect(bookmarks.length).toBeGreaterThan(2);
    expect(bookmarks[0].object.metadata?.resourceVersion).toBe(api.resourceVersion);
  });

  it('fault knob: closes watches, fails the next N requests, adds latency', async () => {
    const w = await rawWatch(`${api.url}/api/v1/services?watch=true&resourceVersion=${api.resourceVersion}`);
    expect(api.watchCount).toBe(1);
    expect(api.faults.closeWatches()).toBe(1);
    await w.ended;
    expect(api.watchCount).toBe(0);

    api.faults.failNext(2);
    expect((await get('/api/v1/services')).status).toBe(500);
    expect((await get('/api/v1/nodes')).body).toMatchObject({ kind: 'Status', code: 500 });
    expect((await get('/api')).status).toBe(200);
    expect((await get('/api/v1/services')).status).toBe(200);

    api.faults.setLatency(150);
    const t0 = performance.now();
    await get('/api/v1/services');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    api.faults.setLatency(0);
  });

  it('loads multi-document YAML and exposes objects()', () => {
    const applied = api.loadYaml(`
apiVersion: v1
kind: Service
metadata: {name: one, namespace: n}
spec: {type: NodePort, ports: [{port: 80}]}
---
apiVersion: v1
kind: List
items:
- apiVersion: discovery.k8s.io/v1
  kind: EndpointSlice
  metadata: {name: one-x, namespace: n, labels: {kubernetes.io/service-name: one}}
  addressType: IPv4
  endpoints: [{addresses: [10.1.1.1]}]
  ports: [{port: 8080}]
---
`);
    expect(applied.map((o) => o.kind)).toEqual(['Service', 'EndpointSlice']);
    expect(api.objects('Service')[0]).toMatchObject({ spec: { ports: [{ port: 80, protocol: 'TCP', nodePort: 30000 }] } });
    expect(api.objects('EndpointSlice')[0]).toMatchObject({ ports: [{ name: '', protocol: 'TCP', port: 8080 }] });
    expect(api.objects()).toHaveLength(2);
  });

  it('serves Namespaces: manifests that create one load; objects may live in namespaces nobody created', async () => {
    const applied = api.loadYaml('apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a}\n---\n' +
      'apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: team-a}\nspec: {ports: [{port: 80}]}\n');
    expect(applied.map((o) => o.kind)).toEqual(['Namespace', 'Service']);
    expect(names(await get('/api/v1/namespaces'))).toEqual(['team-a']);
    expect((await get('/api/v1/namespaces/team-a')).body).toMatchObject({ kind: 'Namespace', metadata: { uid: expect.any(String) } });
    expect((await get('/api/v1/namespaces/nobody')).status).toBe(404);
    expect(names(await get('/api/v1/namespaces/team-a/services'))).toEqual(['s']);
    expect((await fetch(api.url + '/api/v1/namespaces/team-a', { method: 'DELETE' })).status).toBe(200);
    expect(names(await get('/api/v1/namespaces'))).toEqual([]);
  });

  it('keeps allocated values when an update leaves them out', () => {
    const first = api.apply(service('keep'));
    const again = api.apply(service('keep', { labels: { v: '2' } }));
    expect((again.spec as Record<string, unknown>).clusterIP).toBe((first.spec as Record<string, unknown>).clusterIP);
  });
});
