// Unchanged @kubernetes/client-node against the harness: the generated API clients and a raw informer
// (makeInformer / ListWatch) with the kube-proxy label selector.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { CoreV1Api, DiscoveryV1Api, makeInformer, type V1Service } from '@kubernetes/client-node';
import { startApiServer, type ApiServer } from './server.ts';
import { eventually, service, slice } from './test-helpers.ts';

const PROXY = '!service.kubernetes.io/service-proxy-name,!service.kubernetes.io/headless';
let api: ApiServer;
beforeEach(async () => {
  api = await startApiServer();
});
afterEach(async () => {
  await api.close();
});

describe('@kubernetes/client-node against the harness', () => {
  it('generated clients list and create', async () => {
    const kc = api.kubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    const disc = kc.makeApiClient(DiscoveryV1Api);
    await core.createNamespacedService({ namespace: 'default', body: service('a') as V1Service });
    api.apply(slice('a-1', 'a', ['10.0.0.1']));
    const list = await core.listServiceForAllNamespaces({ labelSelector: PROXY });
    expect(list.items.map((s) => s.metadata?.name)).toEqual(['a']);
    const slices = await disc.listNamespacedEndpointSlice({ namespace: 'default' });
    expect(slices.items[0].endpoints?.[0]?.addresses).toEqual(['10.0.0.1']);
  });

  it('makeInformer lists, watches, and follows label changes', async () => {
    const kc = api.kubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    api.apply(service('pre'));
    api.apply(service('hidden', { labels: { 'service.kubernetes.io/headless': '' } }));
    const informer = makeInformer<V1Service>(
      kc,
      '/api/v1/services',
      () => core.listServiceForAllNamespaces({ labelSelector: PROXY }),
      PROXY,
    );
    const seen: string[] = [];
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
    informer.on('update', (o) => seen.push(`update ${o.metadata?.name}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
    await informer.start();
    try {
      await eventually(() => api.watchCount === 1, 3000, 'watch');
      api.apply(service('new'));
      api.apply(service('pre', { port: 81 }));
      api.apply(service('hidden'));
      api.apply(service('new', { labels: { 'service.kubernetes.io/service-proxy-name': 'x' } }));
      await eventually(() => seen.length >= 5, 3000, 'events');
      expect(seen).toEqual(['add pre', 'add new', 'update pre', 'add hidden', 'delete new']);
      expect(informer.list().map((s) => s.metadata?.name).sort()).toEqual(['hidden', 'pre']);
    } finally {
      await informer.stop();
    }
  });
});
