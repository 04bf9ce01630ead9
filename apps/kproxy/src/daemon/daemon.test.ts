import { afterEach, describe, expect, it } from '@jest/globals';
import { KernelRejectedError, silentLogger } from '@kproxy/api';
import { scriptedExecutor } from '@kproxy/exec/testing';
import { conntrackCleaner } from '@kproxy/conntrack';
import { parseCommandLine } from '../cli/command-line.ts';
import { resolveOptions } from '../config/resolve.ts';
import { METRIC } from '../metrics/proxy-metrics.ts';
import { Daemon } from './daemon.ts';
import type { FakeSnapshot } from '../../test/fakes.ts';
import { endpoint, fakeClock, FakeBackend, FakeBuilder, FakeSource, manualRunnerFactory, servicePort } from '../../test/fakes.ts';

function config(extra: string[] = []) {
  const argv = ['--healthz-bind-address', '127.0.0.1:0', '--metrics-bind-address', '127.0.0.1:0', '--nftables-sync-period', '30s', ...extra];
  return resolveOptions(parseCommandLine(argv).flags, () => '').config;
}

let daemons: Daemon<FakeSnapshot>[] = [];
afterEach(async () => {
  await Promise.all(daemons.map((d) => d.stop()));
  daemons = [];
});

function setup(options: { families?: ('IPv4' | 'IPv6')[]; conntrack?: boolean } = {}) {
  const clock = fakeClock();
  const source = new FakeSource();
  const families = options.families ?? ['IPv4'];
  const backends = new Map(families.map((f) => [f, new FakeBackend(f)]));
  const { factory, runner } = manualRunnerFactory();
  const exec = scriptedExecutor(() => ({ exitCode: 0, stderr: '1 flow entries have been deleted.' }));
  const daemon = new Daemon<FakeSnapshot>({
    config: config(),
    mode: 'nftables',
    source,
    proxiers: families.map((f) => ({ family: f, builder: new FakeBuilder(f), backend: backends.get(f) as FakeBackend })),
    runnerFactory: factory,
    logger: silentLogger,
    clock,
    ...(options.conntrack ? { conntrack: conntrackCleaner({ executor: exec }) } : {}),
  });
  daemons.push(daemon);
  return { clock, source, backends, runner, daemon, exec };
}

const get = (port: number | undefined, path: string) => fetch(`http://127.0.0.1:${port}${path}`);

describe('Daemon', () => {
  it('serves 503 until the first sync, then 200; overdue changes make it 503 again until a sync succeeds', async () => {
    const { daemon, source, runner, clock, backends } = setup();
    source.set('web', [servicePort('web', [endpoint('10.244.1.5')])]);
    let synced: () => void = () => undefined;
    source.startGate = new Promise<void>((r) => (synced = r));
    const started = daemon.start();
    // The servers are up before the caches have synced, and say "not yet".
    while (daemon.healthzPort === undefined) await new Promise((r) => setTimeout(r, 1));
    expect((await get(daemon.healthzPort, '/healthz')).status).toBe(503);
    synced();
    await started;
    await runner().idle();
    expect(backends.get('IPv4')?.syncs).toHaveLength(1);
    expect(daemon.syncer.ready).toBe(true);
    expect((await get(daemon.healthzPort, '/healthz')).status).toBe(200);
    expect(runner().minIntervalMs).toBe(1000);
    expect(runner().maxIntervalMs).toBe(30_000);

    // A change is queued: fine for 2 × syncPeriod, then unhealthy.
    source.set('web', [servicePort('web', [endpoint('10.244.1.6')])]);
    expect(runner().requested).toBe(1);
    clock.advance(59_999);
    expect((await get(daemon.healthzPort, '/healthz')).status).toBe(200);
    clock.advance(1);
    expect((await get(daemon.healthzPort, '/healthz')).status).toBe(503);
    expect((await get(daemon.healthzPort, '/livez')).status).toBe(503);
    await runner().flush();
    expect((await get(daemon.healthzPort, '/healthz')).status).toBe(200);
    const last = backends.get('IPv4')?.syncs.at(-1);
    expect(last?.options?.changes?.changes).toEqual(new Map([['ns/web:http/TCP', 'updated']]));
  });

  it('exposes kube-proxy metric names, /proxyMode and /configz', async () => {
    const { daemon, source, runner, clock } = setup();
    source.set('web', [servicePort('web', [endpoint('10.244.1.5')])]);
    await daemon.start();
    await runner().idle();
    // A change whose slice says it was triggered 2 s before the sync.
    const trigger = clock.now() + 1000;
    clock.advance(3000);
    source.set('web', [servicePort('web', [endpoint('10.244.1.7')], { lastChangeTriggerTime: trigger })]);
    await runner().flush();
    await get(daemon.healthzPort, '/healthz');
    const text = await (await get(daemon.metricsPort, '/metrics')).text();
    for (const name of [
      METRIC.syncDuration,
      METRIC.syncFullDuration,
      METRIC.syncPartialDuration,
      METRIC.lastSyncTimestamp,
      METRIC.lastQueuedTimestamp,
      METRIC.networkProgrammingDuration,
      METRIC.endpointChangesPending,
      METRIC.endpointChangesTotal,
      METRIC.serviceChangesPending,
      METRIC.serviceChangesTotal,
      METRIC.nftablesSyncFailures,
      METRIC.noLocalEndpoints,
      METRIC.healthzTotal,
      METRIC.conntrackDeleted,
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(text).not.toContain(METRIC.iptablesRestoreFailures);
    expect(text).toMatch(/kubeproxy_sync_proxy_rules_duration_seconds_count\{ip_family="IPv4"\} 2/);
    expect(text).toMatch(/kubeproxy_network_programming_duration_seconds_sum\{ip_family="IPv4"\} 2\n/);
    expect(text).toMatch(/kubeproxy_sync_proxy_rules_endpoint_changes_total\{ip_family="IPv4"\} 1/);
    expect(text).toMatch(/kubeproxy_proxy_healthz_total\{code="200"\} 1/);
    expect(text).toMatch(new RegExp(`kubeproxy_sync_proxy_rules_last_timestamp_seconds\\{ip_family="IPv4"\\} ${clock.now() / 1000}`));
    expect(await (await get(daemon.metricsPort, '/proxyMode')).text()).toBe('nftables');
    const configz = (await (await get(daemon.metricsPort, '/configz')).json()) as { kubeproxy: { nftables: { syncPeriod: string } } };
    expect(configz.kubeproxy.nftables.syncPeriod).toBe('30s');
  });

  it('counts sync failures, stays unhealthy-prone, and recovers on the next sync', async () => {
    const { daemon, source, runner, backends } = setup();
    const backend = backends.get('IPv4') as FakeBackend;
    backend.failNext = new KernelRejectedError('nft refused', 'Error: syntax error');
    source.set('web', [servicePort('web', [endpoint('10.244.1.5')])]);
    await daemon.start();
    await runner().idle();
    expect(runner().errors.map((e) => (e as Error).name)).toEqual(['SyncError']);
    expect((await get(daemon.healthzPort, '/healthz')).status).toBe(503);
    await runner().flush();
    expect((await get(daemon.healthzPort, '/healthz')).status).toBe(200);
    const text = await (await get(daemon.metricsPort, '/metrics')).text();
    expect(text).toMatch(/kubeproxy_sync_proxy_rules_nftables_sync_failures_total\{ip_family="IPv4"\} 1/);
  });

  it('runs one backend per family (dual-stack)', async () => {
    const { daemon, source, runner, backends } = setup({ families: ['IPv4', 'IPv6'] });
    source.set('web', [
      servicePort('web', [endpoint('10.244.1.5')]),
      servicePort('web', [endpoint('fd00:244::5')], { family: 'IPv6', clusterIP: 'fd00:96::10' }),
    ]);
    await daemon.start();
    await runner().idle();
    expect([...(backends.get('IPv4')?.syncs[0]?.state.servicePorts.values() ?? [])].map((p) => p.clusterIP)).toEqual(['10.96.0.10']);
    expect([...(backends.get('IPv6')?.syncs[0]?.state.servicePorts.values() ?? [])].map((p) => p.clusterIP)).toEqual(['fd00:96::10']);
    expect(daemon.health.status().families).toMatchObject({ IPv4: { healthy: true }, IPv6: { healthy: true } });
  });

  it('deletes stale conntrack entries when a UDP endpoint goes away', async () => {
    const { daemon, source, runner, exec } = setup({ conntrack: true });
    source.set('dns', [servicePort('dns', [endpoint('10.244.1.5'), endpoint('10.244.1.6')], { protocol: 'UDP', port: 53 })]);
    await daemon.start();
    await runner().idle();
    expect(exec.calls).toHaveLength(0);
    source.set('dns', [servicePort('dns', [endpoint('10.244.1.6')], { protocol: 'UDP', port: 53 })]);
    await runner().flush();
    expect(exec.calls.map((c) => c.args.join(' '))).toEqual([
      '-D -f ipv4 -p udp --orig-dst 10.96.0.10 --orig-port-dst 53 --reply-src 10.244.1.5 --reply-port-src 8080',
    ]);
    const text = await (await get(daemon.metricsPort, '/metrics')).text();
    expect(text).toMatch(/kubeproxy_conntrack_reconciler_deleted_entries_total\{ip_family="IPv4"\} 1/);
  });

  it('records a Starting event, and FailedToStartServiceHealthcheck when a health check port is taken', async () => {
    const events: string[] = [];
    const clock = fakeClock();
    const source = new FakeSource();
    const { factory, runner } = manualRunnerFactory();
    const net = await import('node:net');
    const blocker = net.createServer();
    const port = await new Promise<number>((r) => blocker.listen(0, '0.0.0.0', () => r((blocker.address() as { port: number }).port)));
    const daemon = new Daemon<FakeSnapshot>({
      config: config(),
      mode: 'nftables',
      source,
      proxiers: [{ family: 'IPv4', builder: new FakeBuilder(), backend: new FakeBackend() }],
      runnerFactory: factory,
      logger: silentLogger,
      clock,
      nodeName: 'node-1',
      events: { event: (s, type, reason) => events.push(`${s.kind}/${s.namespace ?? ''}/${s.name} ${type} ${reason}`) },
    });
    daemons.push(daemon);
    source.set('lb', [servicePort('lb', [endpoint('10.244.1.5', { isLocal: true })], { healthCheckNodePort: port, externalPolicyLocal: true })]);
    try {
      await daemon.start();
      await runner().idle();
    } finally {
      blocker.close();
    }
    expect(events).toEqual(['Node//node-1 Normal Starting', 'Service/ns/lb Warning FailedToStartServiceHealthcheck']);
  });

  it('opens healthCheckNodePort servers for Services that have one', async () => {
    const { daemon, source, runner } = setup();
    const net = await import('node:net');
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    source.set('lb', [servicePort('lb', [endpoint('10.244.1.5', { isLocal: true })], { healthCheckNodePort: port, externalPolicyLocal: true })]);
    await daemon.start();
    await runner().idle();
    const r = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ service: { namespace: 'ns', name: 'lb' }, localEndpoints: 1 });
    source.set('lb', undefined);
    await runner().flush();
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it('reports the node as not eligible while it is being deleted', async () => {
    const { daemon, source, runner } = setup();
    source.node = { metadata: { name: 'node-1', deletionTimestamp: '2026-01-01T00:00:00Z' } };
    source.set('web', [servicePort('web', [endpoint('10.244.1.5')])]);
    await daemon.start();
    await runner().idle();
    expect((await get(daemon.healthzPort, '/healthz')).status).toBe(503);
    expect((await get(daemon.healthzPort, '/livez')).status).toBe(200);
  });

  it('shuts down gracefully: lets the current sync finish, closes servers, leaves rules', async () => {
    const { daemon, source, runner, backends } = setup();
    const backend = backends.get('IPv4') as FakeBackend;
    source.set('web', [servicePort('web', [endpoint('10.244.1.5')])]);
    let release: () => void = () => undefined;
    backend.gate = new Promise<void>((r) => (release = r));
    await daemon.start();
    const healthzPort = daemon.healthzPort;
    const stopping = daemon.stop();
    let stopped = false;
    void stopping.then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(stopped).toBe(false);
    release();
    await stopping;
    await runner().idle();
    expect(backend.syncs).toHaveLength(1);
    expect(backend.cleaned).toBe(0);
    expect(source.stopped).toBe(true);
    await expect(get(healthzPort, '/healthz')).rejects.toThrow();
  });
});

describe('last-sync timestamp', () => {
  it('is the time of the checkout, so a change queued during a sync stays newer than it', async () => {
    const { daemon, source, runner, backends, clock } = setup();
    const backend = backends.get('IPv4') as FakeBackend;
    source.set('web', [servicePort('web', [endpoint('10.244.1.5')])]);
    await daemon.start();
    await runner().idle();
    let release: () => void = () => undefined;
    backend.gate = new Promise<void>((r) => (release = r));
    source.set('web', [servicePort('web', [endpoint('10.244.1.6')])]);
    const syncStart = clock.now();
    const flushing = runner().flush();
    await new Promise((r) => setTimeout(r, 5));
    clock.advance(500);
    source.set('web', [servicePort('web', [endpoint('10.244.1.7')])]);
    clock.advance(500);
    release();
    await flushing;
    const text = await (await get(daemon.metricsPort, '/metrics')).text();
    const last = Number(/kubeproxy_sync_proxy_rules_last_timestamp_seconds\{ip_family="IPv4"\} (\S+)/.exec(text)?.[1]);
    const queued = Number(/kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds\{ip_family="IPv4"\} (\S+)/.exec(text)?.[1]);
    expect(last).toBe(syncStart / 1000);
    expect(queued).toBe((syncStart + 500) / 1000);
    expect(queued).toBeGreaterThan(last);
  });
});
