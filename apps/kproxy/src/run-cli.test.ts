import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scriptedExecutor } from '@kproxy/exec/testing';
import { startApiServer } from '@kproxy/harness';
import type { ApiServer } from '@kproxy/harness';
import { decodeConfigFile } from './config/config-file.ts';
import { runCli } from './run-cli.ts';
import type { CliIO } from './run-cli.ts';

function io(over: Partial<CliIO> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const files = new Map<string, string>();
  const exec = scriptedExecutor(() => ({ exitCode: 1, stderr: 'nft must not run in unit tests' }));
  const value: CliIO & { out: string[]; err: string[]; files: Map<string, string> } = {
    out,
    err,
    files,
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    readFile: (p) => {
      const f = files.get(p);
      if (f === undefined) throw new Error(`ENOENT ${p}`);
      return f;
    },
    writeFile: (p, t) => void files.set(p, t),
    platform: 'linux',
    waitForSignal: () => new Promise<string>(() => undefined),
    executor: exec,
    ...over,
  };
  return { io: value, exec };
}

describe('runCli', () => {
  it('prints the version and help', async () => {
    const a = io();
    expect(await runCli(['--version'], a.io)).toBe(0);
    expect(a.io.out.join('')).toMatch(/^kproxy v\d+\.\d+\.\d+/);
    const b = io();
    expect(await runCli(['--help'], b.io)).toBe(0);
    expect(b.io.out.join('')).toMatch(/--proxy-mode/);
  });

  it.each([
    [['--bogus'], 'unknown flag: --bogus'],
    [['--proxy-mode', 'iptables'], 'proxy mode "iptables" is not available in this kproxy build: its backend has not landed yet'],
    [['--proxy-mode', 'ipvs'], 'proxy mode "ipvs" is not available'],
    [['--proxy-mode', 'kernelspace'], 'proxy mode "kernelspace" programs Windows HNS and cannot run on linux'],
    [['--config', '/missing.yaml'], 'cannot read config file /missing.yaml'],
  ])('refuses %j with exit 2 and one clear line, running nothing', async (argv, message) => {
    const { io: cli, exec } = io();
    expect(await runCli(argv, cli)).toBe(2);
    const first = cli.err.join('').split('\n')[0] as string;
    expect(first).toContain(message);
    expect(first.startsWith('kproxy: error: ')).toBe(true);
    expect(exec.calls).toHaveLength(0);
  });

  it('explains without any cluster access, from the ruleset alone', async () => {
    // nft answers with an empty ruleset: the packet is left untouched.
    const exec = scriptedExecutor((call) =>
      call.file === 'nft' ? { exitCode: 0, stdout: '{"nftables": [{"metainfo": {"version": "1.0.6", "json_schema_version": 1}}]}' } : undefined,
    );
    const { io: cli } = io({ executor: exec });
    const code = await runCli(['explain', '--src', '10.0.0.1', '--dst', '10.96.0.1', '--port', '443', '--kubeconfig', '/nonexistent/kubeconfig'], cli);
    expect(cli.err.join('')).toMatch(/explaining without endpoint-selection reasons/);
    expect(code).toBe(0);
    expect(cli.out.join('')).toMatch(/left untouched and goes on to 10.96.0.1:443/);
    expect(exec.calls.every((c) => c.file === 'nft')).toBe(true);
  });

  it.each([
    ['nft 0.9.8 without -V', { version: 'nftables v0.9.8 (E.D.S.)', longV: false, json: true }, 'nft 0.9.8 is too old'],
    ['nft 1.0.6 built without JSON', { version: 'nftables v1.0.6 (Lester Gooch #5)', longV: true, json: false }, 'nft 1.0.6 was built without JSON support'],
  ])('refuses nftables mode with %s, exit 1 before touching anything', async (_name, nft, message) => {
    // Answers the ways nft reports its version and JSON support; anything else would be a real change.
    const exec = scriptedExecutor((call) => {
      if (call.args[0] === '-V') return nft.longV ? { stdout: `${nft.version}\n  cli:\t\teditline\n  json:\t\t${nft.json ? 'yes' : 'no'}\n` } : { exitCode: 1, stderr: 'unknown option' };
      if (call.args[0] === '--version') return { stdout: nft.version };
      if (call.args.includes('-j')) return nft.json ? { stdout: '{"nftables": []}' } : { exitCode: 1, stderr: 'Error: JSON support not compiled-in' };
      return { exitCode: 1, stderr: 'unexpected call' };
    });
    const { io: cli } = io({ executor: exec });
    expect(await runCli(['--kubeconfig', '/nonexistent'], cli)).toBe(1);
    expect(cli.err.join('')).toContain(`kproxy: error: nftables mode cannot run here: ${message}`);
    // Only version and capability queries ran: nothing was listed, checked against tables or applied.
    expect(exec.calls.every((c) => c.args[0] === '-V' || c.args[0] === '--version' || (c.args[0] === '-c' && c.stdin === undefined))).toBe(true);
  });

  it('exits 0 on SIGTERM even before start-up has finished', async () => {
    const exec = scriptedExecutor((call) =>
      call.args[0] === '-V' || call.args[0] === '--version' ? { stdout: 'nftables v1.0.6\n  json:\t\tyes\n' } : { stdout: '{"nftables": []}' },
    );
    const { io: cli } = io({ executor: exec, waitForSignal: () => Promise.resolve('SIGTERM') });
    const started = Date.now();
    expect(await runCli(['--master', 'http://127.0.0.1:1', '--hostname-override', 'n1'], cli)).toBe(0);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(cli.err.join('')).toMatch(/terminated before start-up finished/);
  });

  it('writes the defaulted configuration with --write-config-to', async () => {
    const { io: cli } = io();
    expect(await runCli(['--write-config-to', '/out.yaml', '--cluster-cidr', '10.244.0.0/16'], cli)).toBe(0);
    const written = decodeConfigFile(cli.files.get('/out.yaml') as string);
    expect(written.clusterCIDR).toBe('10.244.0.0/16');
    expect(written.mode).toBe('nftables');
  });

  it('--cleanup removes the rules of every mode and family, exit 0; a failure is exit 1', async () => {
    const ok = scriptedExecutor(() => ({ exitCode: 0 }));
    const a = io({ executor: ok });
    expect(await runCli(['--cleanup'], a.io)).toBe(0);
    expect(ok.calls.filter((c) => c.file === 'nft')).toHaveLength(2);
    const b = io();
    expect(await runCli(['--cleanup'], b.io)).toBe(1);
  });

  describe('with an API server', () => {
    let api: ApiServer;
    let dir: string;
    let kubeconfig: string;
    beforeAll(async () => {
      api = await startApiServer();
      dir = mkdtempSync(join(tmpdir(), 'kproxy-cli-'));
      kubeconfig = join(dir, 'kubeconfig');
      writeFileSync(kubeconfig, api.kubeconfigYaml());
      api.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'win-1' }, status: { addresses: [{ type: 'InternalIP', address: '192.0.2.30' }] } });
      api.create({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { namespace: 'default', name: 'web' },
        spec: { clusterIP: '10.96.0.30', clusterIPs: ['10.96.0.30'], ipFamilies: ['IPv4'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
      });
      api.create({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { namespace: 'default', name: 'web-1', labels: { 'kubernetes.io/service-name': 'web' } },
        addressType: 'IPv4',
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
        endpoints: [{ addresses: ['10.244.3.3'], nodeName: 'win-1' }],
      });
    });
    afterAll(async () => {
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('exits 1 when the config file changes (as kube-proxy does), and 0 on SIGTERM', async () => {
      const config = [
        'apiVersion: kubeproxy.config.k8s.io/v1alpha1',
        'kind: KubeProxyConfiguration',
        `clientConnection: {kubeconfig: ${JSON.stringify(kubeconfig)}}`,
        'healthzBindAddress: 127.0.0.1:0',
        'metricsBindAddress: ""',
        '',
      ].join('\n');
      let changed: () => void = () => undefined;
      let watched = '';
      let sigterm: (s: string) => void = () => undefined;
      const ok = scriptedExecutor((call) =>
        call.args[0] === '-V' || call.args[0] === '--version'
          ? { stdout: 'nftables v1.0.6 (Lester Gooch #5)\n  json:\t\tyes\n' }
          : { exitCode: 0, stdout: '{"nftables": [{"metainfo": {"json_schema_version": 1}}]}' },
      );
      const a = io({
        executor: ok,
        watchFile: (path, onChange) => {
          watched = path;
          changed = onChange;
          return () => undefined;
        },
      });
      a.io.files.set('/etc/kproxy/config.yaml', config);
      const exit = runCli(['--config', '/etc/kproxy/config.yaml', '--hostname-override', 'win-1'], a.io);
      let done = false;
      void exit.then(() => (done = true));
      for (let i = 0; i < 500 && watched === '' && !done; i++) await new Promise((r) => setTimeout(r, 10));
      expect(a.io.err.join('')).not.toMatch(/error/);
      expect(watched).toBe('/etc/kproxy/config.yaml');
      changed();
      expect(await exit).toBe(1);
      expect(a.io.err.join('')).toMatch(/configuration file \/etc\/kproxy\/config.yaml was updated/);

      const b = io({ executor: ok, waitForSignal: () => new Promise<string>((r) => (sigterm = r)) });
      b.io.files.set('/etc/kproxy/config.yaml', config);
      const exit2 = runCli(['--config', '/etc/kproxy/config.yaml', '--hostname-override', 'win-1'], b.io);
      await new Promise((r) => setTimeout(r, 200));
      sigterm('SIGTERM');
      expect(await exit2).toBe(0);
      expect(b.io.err.join('')).toMatch(/shutting down/);
    }, 30_000);

    it('kernelspace --dry-run prints the HNS objects for the cluster and exits 0', async () => {
      const { io: cli, exec } = io();
      const code = await runCli(['--proxy-mode', 'kernelspace', '--dry-run', '--kubeconfig', kubeconfig, '--hostname-override', 'win-1'], cli);
      expect(cli.err.join('')).not.toMatch(/error/i);
      expect(code).toBe(0);
      const text = cli.out.join('');
      expect(text).toMatch(/^# HNS objects for IPv4/);
      expect(text).toContain('10.96.0.30');
      expect(text).toContain('10.244.3.3');
      expect(exec.calls).toHaveLength(0);
    }, 30_000);
  });
});
