import { describe, expect, it } from '@jest/globals';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { spawnExecutor } from '@kproxy/exec';
import { startApiServer } from '@kproxy/harness';
import { netnsSupport, withNetns } from '@kproxy/netns';
import { runCli } from './run-cli.ts';

const support = await netnsSupport();
const nft = await spawnExecutor()
  .run('nft', ['--version'])
  .then((r) => r.exitCode === 0)
  .catch(() => false);
const reason = !support.ok ? support.reason : !nft ? 'nft is not installed' : undefined;
if (reason) console.warn(`skipping kproxy daemon kernel tests: ${reason}`);
const maybe = reason ? describe.skip : describe;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

maybe('kproxy daemon against an API server, programming nftables in a namespace', () => {
  it('syncs, becomes ready, follows changes, shuts down on SIGTERM leaving rules, and --cleanup removes them', async () => {
    const api = await startApiServer();
    const dir = mkdtempSync(join(tmpdir(), 'kproxy-e2e-'));
    try {
      await withNetns(async (ns) => {
        await ns.run('ip', ['addr', 'add', '192.0.2.10/32', 'dev', 'lo']);
        api.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, status: { addresses: [{ type: 'InternalIP', address: '192.0.2.10' }] } });
        api.create({
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { namespace: 'default', name: 'web' },
          spec: { type: 'ClusterIP', clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ipFamilies: ['IPv4'], ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }] },
        });
        api.create({
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: { namespace: 'default', name: 'web-1', labels: { 'kubernetes.io/service-name': 'web' } },
          addressType: 'IPv4',
          ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
          endpoints: [{ addresses: ['10.244.1.5'], conditions: { ready: true }, nodeName: 'node-2' }],
        });
        api.create({
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { namespace: 'default', name: 'dns' },
          spec: { type: 'ClusterIP', clusterIP: '10.96.0.53', clusterIPs: ['10.96.0.53'], ipFamilies: ['IPv4'], ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 5353 }] },
        });
        const dnsSlice = (addresses: string[]) => ({
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: { namespace: 'default', name: 'dns-1', labels: { 'kubernetes.io/service-name': 'dns' } },
          addressType: 'IPv4',
          ports: [{ name: 'dns', port: 5353, protocol: 'UDP' }],
          endpoints: addresses.map((a) => ({ addresses: [a], conditions: { ready: true }, nodeName: 'node-2' })),
        });
        api.create(dnsSlice(['10.244.2.7', '10.244.2.8']));
        const kubeconfig = join(dir, 'kubeconfig');
        writeFileSync(kubeconfig, api.kubeconfigYaml());
        const healthz = await freePort();
        const metricsPort = await freePort();
        let sigterm: (s: string) => void = () => undefined;
        const signal = new Promise<string>((r) => (sigterm = r));
        const err: string[] = [];
        const io = {
          stdout: () => undefined,
          stderr: (t: string) => void err.push(t),
          readFile: () => '',
          writeFile: () => undefined,
          platform: 'linux',
          waitForSignal: () => signal,
          executor: ns.executor,
        };
        const argv = [
          '--kubeconfig', kubeconfig,
          '--hostname-override', 'node-1',
          '--proxy-mode', 'nftables',
          '--cluster-cidr', '10.244.0.0/16',
          '--healthz-bind-address', `127.0.0.1:${healthz}`,
          '--metrics-bind-address', `127.0.0.1:${metricsPort}`,
          '--nftables-min-sync-period', '0s',
          '-v', '2',
        ];
        const exit = runCli(argv, io);
        const ruleset = async () => (await ns.run('nft', ['list', 'ruleset'])).stdout;
        await until('healthz 200', async () => (await fetch(`http://127.0.0.1:${healthz}/healthz`)).status === 200);
        expect(err.join('')).toMatch(/first sync done; kproxy is ready/);
        const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
        expect(metrics).toMatch(/kubeproxy_sync_proxy_rules_duration_seconds_count\{ip_family="IPv4"\} [1-9]/);
        expect(metrics).toContain('process_cpu_user_seconds_total');
        expect(await (await fetch(`http://127.0.0.1:${metricsPort}/proxyMode`)).text()).toBe('nftables');
        expect(await ruleset()).toContain('10.96.0.20');
        expect(await ruleset()).toContain('10.244.1.5');

        // explain and diff, as separate invocations reading the live ruleset.
        const common = ['--kubeconfig', kubeconfig, '--hostname-override', 'node-1', '--cluster-cidr', '10.244.0.0/16'];
        const out: string[] = [];
        const side = { ...io, stdout: (t: string) => void out.push(t), waitForSignal: () => new Promise<string>(() => undefined) };
        expect(await runCli(['explain', '--src', '10.244.0.9', '--dst', '10.96.0.20', '--port', '80', ...common], side)).toBe(0);
        expect(out.join('')).toContain('Matches service port default/web:http/TCP.');
        expect(out.join('')).toContain('only endpoint 10.244.1.5:8080');
        out.length = 0;
        expect(await runCli(['diff', ...common], side)).toBe(0);
        expect(out.join('')).toBe('IPv4 (nftables): no changes; the kernel already matches the cluster.\n');

        // A UDP endpoint goes away: its conntrack entries are deleted, the other endpoint's stay.
        const insert = (sport: number, replySrc: string) =>
          ns.run('conntrack', [
            '-I', '-p', 'udp', '-s', '10.244.0.9', '-d', '10.96.0.53', '--sport', String(sport), '--dport', '53',
            '--reply-src', replySrc, '--reply-dst', '10.244.0.9', '--reply-port-src', '5353', '--reply-port-dst', String(sport),
            '-t', '120', '-u', 'SEEN_REPLY',
          ]);
        const conntrackTool = await ns.executor.run('conntrack', ['--version']).then((r) => r.exitCode === 0, () => false);
        if (conntrackTool) {
          await insert(41001, '10.244.2.7');
          await insert(41002, '10.244.2.8');
          const objects = api.objects('EndpointSlice') as { metadata: { name: string; resourceVersion?: string } }[];
          const current = objects.find((o) => o.metadata.name === 'dns-1');
          api.update({ ...dnsSlice(['10.244.2.8']), metadata: { ...dnsSlice([]).metadata, resourceVersion: current?.metadata.resourceVersion } });
          await until('stale conntrack entry deleted', async () => !(await ns.run('conntrack', ['-L', '-p', 'udp'])).stdout.includes('sport=41001'));
          expect((await ns.run('conntrack', ['-L', '-p', 'udp'])).stdout).toContain('sport=41002');
        } else {
          console.warn('skipping the conntrack part: the conntrack tool is not installed');
        }

        // A change in the cluster reaches the kernel.
        api.delete({ kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1', namespace: 'default', name: 'web-1' });
        await until('endpoint removed', async () => !(await ruleset()).includes('10.244.1.5'));

        sigterm('SIGTERM');
        expect(await exit).toBe(0);
        expect(await ruleset()).toContain('10.96.0.20');
        await expect(fetch(`http://127.0.0.1:${healthz}/healthz`)).rejects.toThrow();

        expect(await runCli(['--cleanup'], { ...io, waitForSignal: () => new Promise<string>(() => undefined) })).toBe(0);
        expect(await ruleset()).not.toContain('kube-proxy');
      }, 'kpd');
    } finally {
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

maybe('kproxy daemon, dual-stack', () => {
  it('runs one nftables backend per family the node has', async () => {
    const api = await startApiServer();
    const dir = mkdtempSync(join(tmpdir(), 'kproxy-e2e6-'));
    try {
      await withNetns(async (ns) => {
        await ns.run('ip', ['addr', 'add', '192.0.2.10/32', 'dev', 'lo']);
        const ipv6 = await ns.executor.run('ip', ['-6', 'addr', 'add', 'fd00:2::10/128', 'dev', 'lo']);
        if (ipv6.exitCode !== 0) {
          console.warn(`skipping the dual-stack test: no IPv6 in the namespace (${ipv6.stderr.trim()})`);
          return;
        }
        api.create({
          apiVersion: 'v1',
          kind: 'Node',
          metadata: { name: 'node-1' },
          status: { addresses: [{ type: 'InternalIP', address: '192.0.2.10' }, { type: 'InternalIP', address: 'fd00:2::10' }] },
        });
        api.create({
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { namespace: 'default', name: 'web' },
          spec: {
            type: 'ClusterIP',
            clusterIP: '10.96.0.20',
            clusterIPs: ['10.96.0.20', 'fd00:96::20'],
            ipFamilies: ['IPv4', 'IPv6'],
            ipFamilyPolicy: 'RequireDualStack',
            ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }],
          },
        });
        for (const [family, ip] of [['IPv4', '10.244.1.5'], ['IPv6', 'fd00:244::5']] as const) {
          api.create({
            apiVersion: 'discovery.k8s.io/v1',
            kind: 'EndpointSlice',
            metadata: { namespace: 'default', name: `web-${family.toLowerCase()}`, labels: { 'kubernetes.io/service-name': 'web' } },
            addressType: family,
            ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
            endpoints: [{ addresses: [ip], conditions: { ready: true }, nodeName: 'node-2' }],
          });
        }
        const kubeconfig = join(dir, 'kubeconfig');
        writeFileSync(kubeconfig, api.kubeconfigYaml());
        const healthz = await freePort();
        let sigterm: (s: string) => void = () => undefined;
        const signal = new Promise<string>((r) => (sigterm = r));
        const io = {
          stdout: () => undefined,
          stderr: () => undefined,
          readFile: () => '',
          writeFile: () => undefined,
          platform: 'linux',
          waitForSignal: () => signal,
          executor: ns.executor,
        };
        const exit = runCli(
          ['--kubeconfig', kubeconfig, '--hostname-override', 'node-1', '--healthz-bind-address', `127.0.0.1:${healthz}`, '--metrics-bind-address', '', '--nftables-min-sync-period', '0s'],
          io,
        );
        await until('healthz 200', async () => (await fetch(`http://127.0.0.1:${healthz}/healthz`)).status === 200);
        const body = (await (await fetch(`http://127.0.0.1:${healthz}/healthz`)).json()) as { status: Record<string, { healthy: boolean }> };
        expect(Object.keys(body.status).sort()).toEqual(['IPv4', 'IPv6']);
        const v4 = (await ns.run('nft', ['list', 'table', 'ip', 'kube-proxy'])).stdout;
        const v6 = (await ns.run('nft', ['list', 'table', 'ip6', 'kube-proxy'])).stdout;
        expect(v4).toContain('10.96.0.20');
        expect(v4).toContain('10.244.1.5');
        expect(v4).not.toContain('fd00');
        expect(v6).toContain('fd00:96::20');
        expect(v6).toContain('fd00:244::5');
        expect(v6).not.toContain('10.96.0.20');
        sigterm('SIGTERM');
        expect(await exit).toBe(0);
        expect(await runCli(['--cleanup'], io)).toBe(0);
        expect((await ns.run('nft', ['list', 'ruleset'])).stdout).not.toContain('kube-proxy');
      }, 'kpd');
    } finally {
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
