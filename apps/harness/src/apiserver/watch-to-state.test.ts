// The watch layer feeding @kproxy/state, as the daemon wires them: objects applied to the embedded API
// server become service ports, and a later change reaches the state as exactly that service's change.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { StateBuilder } from '@kproxy/state';
import { createWatcher, type KubeWatcher } from '@kproxy/watch';
import { startApiServer, type ApiServer } from './server.ts';
import { eventually, node, service, slice } from './test-helpers.ts';

let api: ApiServer;
let watcher: KubeWatcher;
beforeEach(async () => {
  api = await startApiServer();
});
afterEach(async () => {
  await watcher?.stop();
  await api.close();
});

describe('watch -> state', () => {
  it('builds service ports from the snapshot and updates only the changed service', async () => {
    api.apply(node('node-a', { 'topology.kubernetes.io/zone': 'z1' }));
    api.apply(service('web'));
    api.apply(slice('web-1', 'web', ['10.0.0.1', '10.0.0.2']));
    api.apply(service('db', { port: 5432 }));
    api.apply(slice('db-1', 'db', ['10.0.1.1'], { port: 5432 }));
    watcher = createWatcher({ kubeConfig: api.kubeConfig(), nodeName: 'node-a', qps: 0, resyncPeriodMs: 0 });
    await watcher.start();
    const builder = new StateBuilder({
      family: 'IPv4',
      node: { hostname: 'node-a', detectLocalMode: '', clusterCIDRs: [], nodePortAddresses: [], masqueradeAll: false, features: {} },
    });
    await eventually(() => watcher.snapshot() !== undefined && watcher.hasPendingChanges(), 3000, 'first change');
    const first = watcher.checkout();
    const built = builder.update(first.snapshot, first.changedServices, first.nodeChanged);
    expect([...built.state.servicePorts.keys()].sort()).toEqual(['default/db:http/TCP', 'default/web:http/TCP']);
    expect(built.state.node.zone).toBe('z1');
    const web = built.state.servicePorts.get('default/web:http/TCP');
    expect(web?.endpoints.map((e) => `${e.ip}:${e.port}`)).toEqual(['10.0.0.1:8080', '10.0.0.2:8080']);

    api.apply(slice('web-1', 'web', ['10.0.0.1', '10.0.0.3']));
    await eventually(() => watcher.hasPendingChanges(), 3000, 'slice change');
    const second = watcher.checkout();
    expect([...second.changedServices]).toEqual(['default/web']);
    const next = builder.update(second.snapshot, second.changedServices, second.nodeChanged);
    expect([...next.changes.changes]).toEqual([['default/web:http/TCP', 'updated']]);
    expect(next.state.servicePorts.get('default/web:http/TCP')?.endpoints.map((e) => e.ip)).toEqual(['10.0.0.1', '10.0.0.3']);
  });
});
