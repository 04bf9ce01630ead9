// The real @kproxy/watch informers (client-node ListWatch underneath) against the embedded API server:
// convergence after create/update/delete, killed watches, 410 relists, bursts of 500s, label filtering.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { KubeEndpointSlice, KubeService } from '@kproxy/api';
import { createWatcher, slimEndpointSlice, slimService, type KubeWatcher, type WatcherOptions } from '@kproxy/watch';
import { startApiServer, type ApiServer } from './server.ts';
import { eventually, node, service, slice } from './test-helpers.ts';

const PROXY_NAME = 'service.kubernetes.io/service-proxy-name';
const HEADLESS = 'service.kubernetes.io/headless';

let api: ApiServer;
let watcher: KubeWatcher | undefined;

beforeEach(async () => {
  api = await startApiServer();
});
afterEach(async () => {
  await watcher?.stop();
  watcher = undefined;
  await api.close();
});

async function startWatcher(options: Partial<WatcherOptions> = {}): Promise<KubeWatcher> {
  watcher = createWatcher({
    kubeConfig: api.kubeConfig(),
    qps: 0,
    backoff: { initialMs: 20, maxMs: 200 },
    maxReconnectDelayMs: 20,
    resyncPeriodMs: 0,
    ...options,
  });
  await watcher.start();
  return watcher;
}

type Md = { metadata?: { namespace?: string; name?: string; resourceVersion?: string; labels?: Record<string, string> } };

/** Content of an object without its resourceVersion: no-op updates keep the earlier (equal) version. */
function content(o: unknown): string {
  const obj = o as Md;
  return JSON.stringify({ ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } });
}
const proxied = (o: Md) => !(PROXY_NAME in (o.metadata?.labels ?? {})) && !(HEADLESS in (o.metadata?.labels ?? {}));

/** What the watcher should hold: `ns/name@rv` of every proxied Service, and slices per service. */
function expected(): { services: string[]; slices: string[] } {
  const services = (api.objects('Service') as Md[])
    .filter(proxied)
    // The watcher holds every object slimmed to what the proxy reads (slimService / slimEndpointSlice).
    .map((o) => `${o.metadata?.namespace}/${o.metadata?.name}@${content(slimService(o as KubeService))}`)
    .sort();
  const slices = (api.objects('EndpointSlice') as Md[])
    .filter((o) => proxied(o) && o.metadata?.labels?.['kubernetes.io/service-name'])
    .map((o) => `${o.metadata?.namespace}/${o.metadata?.labels?.['kubernetes.io/service-name']}:${o.metadata?.name}@${content(slimEndpointSlice(o as KubeEndpointSlice))}`)
    .sort();
  return { services, slices };
}

function held(w: KubeWatcher): { services: string[]; slices: string[] } {
  const snap = w.checkout().snapshot;
  const services = [...snap.services].map(([k, s]) => `${k}@${content(s)}`).sort();
  const slices = [...snap.slicesByService].flatMap(([k, list]) =>
    list.map((s) => `${k}:${s.metadata.name}@${content(s)}`),
  );
  return { services, slices: slices.sort() };
}

async function converges(w: KubeWatcher, what: string): Promise<void> {
  let last: unknown;
  await eventually(
    () => {
      last = held(w);
      return JSON.stringify(last) === JSON.stringify(expected());
    },
    8000,
    `${what}: convergence`,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\nheld ${JSON.stringify(last)}\nexpected ${JSON.stringify(expected())}`);
  });
}

function churn(prefix: string, n: number): void {
  for (let i = 0; i < n; i++) {
    api.apply(service(`${prefix}${i}`, { port: 80 + i }));
    api.apply(slice(`${prefix}${i}-a`, `${prefix}${i}`, [`10.1.${i}.1`]));
  }
}

describe('@kproxy/watch informers against the harness', () => {
  it('lists on start and follows creates, updates and deletes of services and slices', async () => {
    churn('pre', 3);
    const w = await startWatcher();
    expect(w.synced).toBe(true);
    await converges(w, 'initial list');
    api.apply(service('pre0', { port: 9999 }));
    api.apply(slice('pre1-b', 'pre1', ['10.9.9.9']));
    api.delete({ kind: 'Service', namespace: 'default', name: 'pre2' });
    api.delete({ kind: 'EndpointSlice', namespace: 'default', name: 'pre2-a' });
    churn('new', 2);
    await converges(w, 'live events');
    // After convergence nothing is pending: no spurious or double-counted change.
    expect(w.hasPendingChanges()).toBe(false);
    expect(w.checkout().changedServices.size).toBe(0);
  });

  it('holds objects slimmed to what the proxy reads, from lists and from watch events alike', async () => {
    const fat = (name: string) => {
      const s = slice(`${name}-a`, name, ['10.2.0.1']) as unknown as { metadata: Record<string, unknown>; endpoints: Record<string, unknown>[] };
      s.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': 'x'.repeat(1000) };
      s.endpoints[0]!.targetRef = { kind: 'Pod', namespace: 'default', name: `${name}-pod`, uid: 'u' };
      return s as unknown as Parameters<typeof api.apply>[0];
    };
    api.apply(service('listed'));
    api.apply(fat('listed'));
    const w = await startWatcher();
    api.apply(service('watched'));
    api.apply(fat('watched'));
    await converges(w, 'slimmed');
    for (const name of ['listed', 'watched']) {
      const held = w.snapshot().slicesByService.get(`default/${name}`)?.[0];
      expect(held?.endpoints?.[0]?.addresses).toEqual(['10.2.0.1']);
      expect(held?.endpoints?.[0]?.targetRef).toBeUndefined();
      expect(held?.metadata.annotations).toBeUndefined();
    }
  });

  it('reports exactly the services that changed since the last checkout', async () => {
    churn('s', 4);
    const w = await startWatcher();
    await converges(w, 'initial');
    api.apply(service('s1', { port: 1234 }));
    api.apply(slice('s3-a', 's3', ['10.7.7.7']));
    api.apply(service('s2', { port: 82 })); // no-op apart from resourceVersion
    await eventually(() => w.snapshot() !== undefined && w.hasPendingChanges(), 3000, 'pending');
    await converges(w, 'changes');
    // converges() checked out already; do it again with a fresh change to see the set.
    api.apply(service('s0', { port: 4321 }));
    api.delete({ kind: 'EndpointSlice', namespace: 'default', name: 's1-a' });
    await eventually(() => expected().slices.length === 3 && w.hasPendingChanges(), 3000, 'pending 2');
    await new Promise((r) => setTimeout(r, 100));
    const batch = w.checkout();
    expect([...batch.changedServices].sort()).toEqual(['default/s0', 'default/s1']);
    expect(batch.full).toBe(false);
  });

  it('never shows label-filtered objects, and follows the label being added and removed', async () => {
    api.apply(service('hidden', { labels: { [PROXY_NAME]: 'other-proxy' } }));
    api.apply(service('headless', { labels: { [HEADLESS]: '' } }));
    api.apply(slice('hidden-a', 'hidden', ['10.0.0.1'], { labels: { [PROXY_NAME]: 'other-proxy' } }));
    api.apply(service('visible'));
    const w = await startWatcher();
    await converges(w, 'initial');
    expect([...w.snapshot().services.keys()]).toEqual(['default/visible']);
    expect(w.snapshot().slicesByService.size).toBe(0);

    api.apply(service('visible', { labels: { [PROXY_NAME]: 'x' } }));
    api.apply(service('hidden'));
    api.apply(slice('hidden-a', 'hidden', ['10.0.0.1']));
    await converges(w, 'labels flipped');
    expect([...w.snapshot().services.keys()]).toEqual(['default/hidden']);
    expect(w.snapshot().slicesByService.get('default/hidden')).toHaveLength(1);
  });

  for (const abrupt of [false, true]) {
    it(`a killed watch (${abrupt ? 'socket destroyed' : 'stream ended'}) reconnects and nothing is lost`, async () => {
      churn('k', 3);
      const w = await startWatcher();
      await converges(w, 'initial');
      for (let round = 0; round < 3; round++) {
        await eventually(() => api.watchCount === 2, 3000, 'watches open');
        expect(api.faults.closeWatches({ abrupt })).toBeGreaterThan(0);
        api.apply(service(`k${round}`, { port: 2000 + round }));
        api.delete({ kind: 'EndpointSlice', namespace: 'default', name: `k${round}-a` });
        churn(`r${round}-`, 2);
        await converges(w, `round ${round}`);
      }
      expect(w.checkout().changedServices.size).toBe(0);
    });
  }

  it('a 410 Gone relists: changes and deletions made while the watch was down all arrive', async () => {
    churn('g', 5);
    const w = await startWatcher();
    await converges(w, 'initial');
    const relistsBefore = api.requests.filter((r) => !r.watch && r.method === 'GET').length;
    // In one tick: drop the watches, change things, and compact history, so the reconnect gets 410.
    await eventually(() => api.watchCount === 2, 3000, 'watches open');
    api.faults.closeWatches();
    api.delete({ kind: 'Service', namespace: 'default', name: 'g0' });
    api.delete({ kind: 'EndpointSlice', namespace: 'default', name: 'g1-a' });
    api.apply(service('g2', { port: 7777 }));
    churn('after', 2);
    api.faults.expireResourceVersions();
    await converges(w, 'after 410');
    const relists = api.requests.filter((r) => !r.watch && r.method === 'GET').length - relistsBefore;
    expect(relists).toBeGreaterThanOrEqual(2);
    expect(w.snapshot().services.has('default/g0')).toBe(false);
    expect(w.checkout().changedServices.size).toBe(0);
  });

  it('a 410 answered as an HTTP status relists too', async () => {
    await api.close();
    api = await startApiServer({ goneAs: 'status' });
    churn('h', 2);
    const w = await startWatcher();
    await converges(w, 'initial');
    await eventually(() => api.watchCount === 2, 3000, 'watches open');
    api.faults.closeWatches();
    api.delete({ kind: 'Service', namespace: 'default', name: 'h0' });
    api.faults.expireResourceVersions();
    await converges(w, 'after 410');
    expect(api.requests.some((r) => r.watch && r.status === 410)).toBe(true);
  });

  it('a burst of 500s on lists and watches backs off, retries, and converges', async () => {
    churn('e', 3);
    api.faults.failNext(6);
    const w = await startWatcher();
    await converges(w, 'initial through 500s');
    expect(w.status().errors.services + w.status().errors.endpointslices).toBeGreaterThan(0);
    await eventually(() => api.watchCount === 2, 3000, 'watches open');
    api.faults.failNext(8);
    api.faults.closeWatches({ abrupt: true });
    api.apply(service('e0', { port: 5555 }));
    churn('late', 2);
    await converges(w, 'after second burst');
    expect(api.faults.pendingFailures).toBe(0);
  });

  it('pages lists with limit/continue', async () => {
    churn('p', 7);
    const w = await startWatcher({ listPageSize: 3 });
    await converges(w, 'paged');
    expect(api.requests.filter((r) => r.url.includes('continue=')).length).toBeGreaterThanOrEqual(4);
  });

  it('watches its own Node by field selector; a zone label change makes the next checkout full', async () => {
    api.apply(node('me', { 'topology.kubernetes.io/zone': 'a' }));
    api.apply(node('other', { 'topology.kubernetes.io/zone': 'b' }));
    api.apply(service('svc'));
    const w = await startWatcher({ nodeName: 'me' });
    await converges(w, 'initial');
    expect(w.snapshot().node?.metadata.labels?.['topology.kubernetes.io/zone']).toBe('a');
    expect(api.requests.some((r) => r.url.includes('fieldSelector=metadata.name%3Dme'))).toBe(true);
    api.apply(node('other', { 'topology.kubernetes.io/zone': 'c' }));
    api.apply(node('me', { 'topology.kubernetes.io/zone': 'z' }));
    await eventually(() => w.hasPendingChanges(), 3000, 'node change');
    const batch = w.checkout();
    expect(batch).toMatchObject({ full: true, nodeChanged: true });
    expect([...batch.changedServices]).toEqual(['default/svc']);
    expect(batch.snapshot.node?.metadata.labels?.['topology.kubernetes.io/zone']).toBe('z');
  });

  it('skips malformed objects with a logged name and keeps the rest working', async () => {
    await api.close();
    api = await startApiServer({ defaulting: false });
    const warnings: string[] = [];
    const noop = () => undefined;
    const logger = {
      error: noop,
      info: noop,
      debug: noop,
      trace: noop,
      warn: (obj: unknown) => void warnings.push(JSON.stringify(obj)),
      child: () => logger,
    };
    api.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'bad', namespace: 'default' }, spec: { ports: [{ port: 123456 }] } });
    api.apply(slice('badslice', 'good', ['300.1.1.1']));
    api.apply(service('good'));
    api.apply(slice('good-a', 'good', ['10.0.0.1']));
    const w = await startWatcher({ logger });
    await eventually(() => w.hasPendingChanges(), 3000, 'objects');
    const snap = w.checkout().snapshot;
    expect([...snap.services.keys()]).toEqual(['default/good']);
    expect(snap.slicesByService.get('default/good')?.map((s) => s.metadata.name)).toEqual(['good-a']);
    expect(warnings.join('\n')).toContain('Service default/bad');
    expect(warnings.join('\n')).toContain('EndpointSlice default/badslice');
    expect(w.status().invalidObjects).toBe(2);
  });

  it('limits API requests with the token bucket (qps/burst)', async () => {
    churn('q', 2);
    const t0 = Date.now();
    const w = await startWatcher({ qps: 5, burst: 1 });
    await converges(w, 'initial');
    // 2 lists + 2 watches at 5 qps with burst 1: the 4th request is sent ~600 ms after start at the earliest.
    await eventually(() => api.watchCount === 2, 3000, 'watches');
    const times = api.requests.filter((r) => r.at >= t0).map((r) => r.at);
    const watchStarts = Date.now() - t0;
    expect(times.length).toBeGreaterThanOrEqual(2);
    expect(watchStarts).toBeGreaterThanOrEqual(550);
  });
});
