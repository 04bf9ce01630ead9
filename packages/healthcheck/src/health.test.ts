import { afterEach, describe, expect, it } from '@jest/globals';
import type { Endpoint, ProxyState, ServicePort } from '@kproxy/api';
import {
  healthCheckServicesFrom,
  parseListenAddress,
  ProxyHealth,
  proxyHealthServer,
  ServiceHealthServers,
} from './index.ts';
import type { ProxyHealthServer } from './index.ts';

function fakeClock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('ProxyHealth', () => {
  it('is unhealthy until the first sync, then healthy', () => {
    const clock = fakeClock();
    const h = new ProxyHealth({ clock, healthTimeoutMs: 60_000, families: ['IPv4'] });
    expect(h.status().healthy).toBe(false);
    expect(h.status().families.IPv4?.reason).toMatch(/no successful sync/);
    h.updated('IPv4');
    expect(h.status().healthy).toBe(true);
    expect(h.status().lastUpdated).toBe(clock.now());
  });

  it('becomes unhealthy when a queued change is overdue, and healthy again after a sync', () => {
    const clock = fakeClock();
    const h = new ProxyHealth({ clock, healthTimeoutMs: 60_000, families: ['IPv4', 'IPv6'] });
    h.updated('IPv4');
    h.updated('IPv6');
    h.queuedUpdate('IPv6');
    clock.advance(59_999);
    expect(h.status().healthy).toBe(true);
    // A second queued change must not reset the oldest pending time.
    h.queuedUpdate('IPv6');
    clock.advance(1);
    const late = h.status();
    expect(late.healthy).toBe(false);
    expect(late.families.IPv4?.healthy).toBe(true);
    expect(late.families.IPv6?.healthy).toBe(false);
    h.updated('IPv6');
    expect(h.status().healthy).toBe(true);
    expect(h.status().families.IPv6?.oldestPendingQueued).toBeUndefined();
  });

  it('can report healthy during start-up as kube-proxy does', () => {
    const h = new ProxyHealth({ clock: fakeClock(), healthTimeoutMs: 1000, families: ['IPv4'], requireFirstSync: false });
    expect(h.status().healthy).toBe(true);
  });

  it('rejects a non-positive timeout', () => {
    expect(() => new ProxyHealth({ clock: fakeClock(), healthTimeoutMs: 0, families: [] })).toThrow(RangeError);
  });
});

describe('parseListenAddress', () => {
  it.each([
    ['0.0.0.0:10256', '0.0.0.0', 10256],
    ['[::1]:10249', '::1', 10249],
    [':8080', '0.0.0.0', 8080],
    ['127.0.0.1:0', '127.0.0.1', 0],
  ])('%s', (text, host, port) => {
    expect(parseListenAddress(text)).toEqual({ host, port });
  });
  it.each(['10256', '1.2.3.4', '1.2.3.4:70000', '::1:80', 'a b:1'])('refuses %s', (text) => {
    expect(() => parseListenAddress(text)).toThrow(RangeError);
  });
});

describe('proxyHealthServer', () => {
  let server: ProxyHealthServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('answers /healthz and /livez from the health tracker and counts codes', async () => {
    const clock = fakeClock();
    const health = new ProxyHealth({ clock, healthTimeoutMs: 30_000, families: ['IPv4'] });
    const seen: string[] = [];
    server = proxyHealthServer({ health, onRequest: (e, code) => seen.push(`${e}:${code}`) });
    const port = await server.listen('127.0.0.1:0');
    const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);

    expect((await get('/healthz')).status).toBe(503);
    health.updated('IPv4');
    const ok = await get('/healthz');
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ healthy: true, nodeEligible: true, status: { IPv4: { healthy: true } } });
    expect(body.lastUpdated).toBe(new Date(clock.now()).toISOString());

    health.queuedUpdate('IPv4');
    clock.advance(30_000);
    expect((await get('/healthz')).status).toBe(503);
    expect((await get('/livez')).status).toBe(503);
    health.updated('IPv4');
    expect((await get('/healthz')).status).toBe(200);

    health.setNodeEligible(false);
    expect((await get('/healthz')).status).toBe(503);
    expect((await get('/livez')).status).toBe(200);
    expect((await get('/other')).status).toBe(404);
    expect(seen).toEqual(['healthz:503', 'healthz:200', 'healthz:503', 'livez:503', 'healthz:200', 'healthz:503', 'livez:200']);
  });
});

function endpoint(ip: string, over: Partial<Endpoint> = {}): Endpoint {
  return { ip, port: 8080, ready: true, serving: true, terminating: false, isLocal: true, ...over };
}

function servicePort(name: string, port: string, hcnp: number, endpoints: Endpoint[]): ServicePort {
  return {
    name: { namespace: 'ns', name, port, protocol: 'TCP' },
    family: 'IPv4',
    clusterIP: '10.96.0.1',
    port: 80,
    protocol: 'TCP',
    nodePort: 30080,
    externalIPs: [],
    loadBalancerIPs: [],
    loadBalancerSourceRanges: [],
    healthCheckNodePort: hcnp,
    internalPolicyLocal: false,
    externalPolicyLocal: hcnp > 0,
    sessionAffinity: { type: 'None' },
    endpoints,
    selection: { clusterEndpoints: endpoints, localEndpoints: endpoints, allReachableEndpoints: endpoints, hasAnyEndpoints: endpoints.length > 0, reasons: [] },
  };
}

function state(ports: ServicePort[]): ProxyState {
  return {
    family: 'IPv4',
    node: {
      name: 'n1',
      family: 'IPv4',
      nodeIPs: ['192.0.2.1'],
      nodePortAddresses: { kind: 'all' },
      localDetector: { mode: 'None' },
      masqueradeAll: false,
      masqueradeBit: 14,
      features: {},
    },
    servicePorts: new Map(ports.map((p) => [`${p.name.namespace}/${p.name.name}:${p.name.port}/TCP`, p])),
  };
}

describe('healthCheckServicesFrom', () => {
  it('counts unique ready local endpoint IPs per Service, ignoring terminating and remote ones', () => {
    const s = state([
      servicePort('a', 'http', 31000, [
        endpoint('10.0.0.1'),
        endpoint('10.0.0.2', { ready: false, terminating: true }),
        endpoint('10.0.0.3', { isLocal: false }),
      ]),
      servicePort('a', 'https', 31000, [endpoint('10.0.0.1', { port: 8443 }), endpoint('10.0.0.4')]),
      servicePort('b', '', 0, [endpoint('10.0.0.9')]),
    ]);
    expect(healthCheckServicesFrom([s])).toEqual([{ namespace: 'ns', name: 'a', port: 31000, localEndpoints: 2 }]);
  });
});

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

describe('ServiceHealthServers', () => {
  it('serves 200 with local endpoints, 503 without, and closes servers for vanished Services', async () => {
    let proxyHealthy = true;
    const servers = new ServiceHealthServers({ addresses: ['127.0.0.1'], proxyHealthy: () => proxyHealthy });
    const port = await freePort();
    try {
      await servers.sync([{ namespace: 'ns', name: 'web', port, localEndpoints: 2 }]);
      expect(servers.ports()).toEqual([port]);
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(r.status).toBe(200);
      expect(r.headers.get('x-load-balancing-endpoint-weight')).toBe('2');
      expect(await r.json()).toEqual({ service: { namespace: 'ns', name: 'web' }, localEndpoints: 2, serviceProxyHealthy: true });

      await servers.sync([{ namespace: 'ns', name: 'web', port, localEndpoints: 0 }]);
      const none = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(none.status).toBe(503);
      expect(((await none.json()) as { localEndpoints: number }).localEndpoints).toBe(0);

      await servers.sync([{ namespace: 'ns', name: 'web', port, localEndpoints: 1 }]);
      proxyHealthy = false;
      const sick = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(sick.status).toBe(503);
      expect(((await sick.json()) as { serviceProxyHealthy: boolean }).serviceProxyHealthy).toBe(false);

      await servers.sync([]);
      expect(servers.ports()).toEqual([]);
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    } finally {
      await servers.close();
    }
  });

  it('logs and reports a port it cannot open, and retries it on the next sync', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    );
    const failures: string[] = [];
    const servers = new ServiceHealthServers({
      addresses: ['127.0.0.1'],
      onListenError: (svc, err) => failures.push(`${svc.name}:${(err as NodeJS.ErrnoException).code}`),
    });
    try {
      await servers.sync([{ namespace: 'ns', name: 'web', port, localEndpoints: 1 }]);
      expect(failures).toEqual(['web:EADDRINUSE']);
      expect(servers.ports()).toEqual([]);
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
      await servers.sync([{ namespace: 'ns', name: 'web', port, localEndpoints: 1 }]);
      expect(servers.ports()).toEqual([port]);
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
    } finally {
      await servers.close();
      if (blocker.listening) blocker.close();
    }
  });
});

describe('health-check addresses', () => {
  it('are the node-port IPs when every family has them, else every address', async () => {
    const { healthCheckAddressesFrom } = await import('./index.ts');
    const withIps = (ips: string[]): ProxyState => ({ ...state([]), node: { ...state([]).node, nodePortAddresses: { kind: 'ips', ips } } });
    expect(healthCheckAddressesFrom([withIps(['192.0.2.1']), withIps(['fd00::1'])])).toEqual(['192.0.2.1', 'fd00::1']);
    expect(healthCheckAddressesFrom([withIps(['192.0.2.1']), state([])])).toEqual([]);
    expect(healthCheckAddressesFrom([])).toEqual([]);
  });

  it('move the servers when the addresses change', async () => {
    const servers = new ServiceHealthServers({ addresses: ['127.0.0.2'] });
    const port = await freePort();
    try {
      await servers.sync([{ namespace: 'ns', name: 'web', port, localEndpoints: 1 }]);
      expect((await fetch(`http://127.0.0.2:${port}/`)).status).toBe(200);
      await servers.sync([{ namespace: 'ns', name: 'web', port, localEndpoints: 1 }], ['127.0.0.1']);
      expect(servers.addresses()).toEqual(['127.0.0.1']);
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
      await expect(fetch(`http://127.0.0.2:${port}/`)).rejects.toThrow();
    } finally {
      await servers.close();
    }
  });
});
