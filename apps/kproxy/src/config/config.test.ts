import { describe, expect, it } from '@jest/globals';
import { parseCommandLine } from '../cli/command-line.ts';
import { decodeConfigFile } from './config-file.ts';
import { formatDuration, parseDuration } from './duration.ts';
import { defaultConfiguration } from './kube-proxy-configuration.ts';
import { modeSettings, resolveOptions } from './resolve.ts';
import { configurationToYaml } from './wire.ts';

const noFile = (path: string): string => {
  throw new Error(`ENOENT: no such file ${path}`);
};

function resolve(argv: string[], files: Record<string, string> = {}) {
  const cl = parseCommandLine(argv);
  return resolveOptions(cl.flags, (p) => files[p] ?? noFile(p));
}

const HEADER = 'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n';

describe('durations', () => {
  it.each([
    ['30s', 30_000],
    ['1m0s', 60_000],
    ['24h0m0s', 86_400_000],
    ['1.5h', 5_400_000],
    ['500ms', 500],
    ['0', 0],
    ['0s', 0],
    ['1h30m', 5_400_000],
  ])('parses %s', (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(['', '30', 's', '1x', '1m 0s', '--1s'])('refuses %j', (text) => expect(() => parseDuration(text)).toThrow(RangeError));
  it.each([0, 500, 1000, 30_000, 60_000, 90_000, 3_600_000, 86_400_000, 1500])('formats %d and reads it back', (ms) => {
    expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
  it('formats like Go', () => {
    expect(formatDuration(60_000)).toBe('1m0s');
    expect(formatDuration(86_400_000)).toBe('24h0m0s');
  });
});

describe('defaults', () => {
  it('are kube-proxy\'s, with nftables as the mode and [primary] node-port addresses', () => {
    const r = resolve([]);
    expect(r.config.mode).toBe('nftables');
    expect(r.modeDefaulted).toBe(true);
    expect(r.config.nodePortAddresses).toEqual(['primary']);
    expect(r.config.detectLocalMode).toBe('ClusterCIDR');
    expect(r.config.healthzBindAddress).toBe('0.0.0.0:10256');
    expect(r.config.metricsBindAddress).toBe('127.0.0.1:10249');
    expect(r.config.iptables).toEqual({ localhostNodePorts: true, masqueradeAll: false, masqueradeBit: 14, minSyncPeriod: 1000, syncPeriod: 30_000 });
    expect(r.config.conntrack.maxPerCore).toBe(32768);
    expect(r.config.conntrack.tcpEstablishedTimeout).toBe(86_400_000);
    expect(r.config.configSyncPeriod).toBe(900_000);
    expect(r.config.oomScoreAdj).toBe(-999);
    expect(modeSettings(r.config)).toEqual({ syncPeriodMs: 30_000, minSyncPeriodMs: 1000, masqueradeAll: false, masqueradeBit: 14 });
  });
});

describe('flags', () => {
  it('set config fields', () => {
    const r = resolve([
      '--kubeconfig', '/etc/kube/config',
      '--hostname-override=Node-1',
      '--proxy-mode', 'nftables',
      '--cluster-cidr', '10.244.0.0/16,fd00:10:244::/56',
      '--nodeport-addresses', '192.0.2.0/24', '--nodeport-addresses=198.51.100.0/24',
      '--masquerade-all',
      '--nftables-sync-period', '1m',
      '--nftables-min-sync-period=100ms',
      '--healthz-bind-address', '127.0.0.1:0',
      '-v=4',
      '--feature-gates', 'A=true,B=false',
      '--conntrack-tcp-be-liberal=false',
      '--master', 'http://127.0.0.1:6443',
    ]);
    expect(r.config.clientConnection.kubeconfig).toBe('/etc/kube/config');
    expect(r.config.hostnameOverride).toBe('node-1');
    expect(r.config.clusterCIDR).toBe('10.244.0.0/16,fd00:10:244::/56');
    expect(r.config.nodePortAddresses).toEqual(['192.0.2.0/24', '198.51.100.0/24']);
    expect(modeSettings(r.config)).toEqual({ syncPeriodMs: 60_000, minSyncPeriodMs: 100, masqueradeAll: true, masqueradeBit: 14 });
    expect(r.config.logging.verbosity).toBe(4);
    expect(r.config.featureGates).toEqual({ A: true, B: false });
    expect(r.config.conntrack.tcpBeLiberal).toBe(false);
    expect(r.master).toBe('http://127.0.0.1:6443');
    expect(r.config.healthzBindAddress).toBe('127.0.0.1:0');
  });

  it('accept kube-proxy\'s logging and init flags', () => {
    const r = resolve(['--log-flush-frequency', '10s', '--vmodule', 'proxier=4', '--init-only']);
    expect(r.config.logging.flushFrequency).toBe(10_000);
    expect(r.initOnly).toBe(true);
    expect(r.warnings.join('\n')).toMatch(/--vmodule is accepted but has no effect/);
  });

  it('pass feature gates on, warning only about gates kproxy does not know', () => {
    const r = resolve(['--feature-gates', 'PreferSameTrafficDistribution=false,SomethingElse=true']);
    expect(r.config.featureGates).toEqual({ PreferSameTrafficDistribution: false, SomethingElse: true });
    expect(r.warnings).toEqual(['feature gate SomethingElse is accepted but kproxy has no behaviour behind it']);
  });

  it('accept -v N, --v N and -vN', () => {
    for (const argv of [['-v', '3'], ['--v', '3'], ['-v3'], ['--v=3']]) expect(resolve(argv).config.logging.verbosity).toBe(3);
  });

  it('map the deprecated port flags onto the bind addresses, 0 disabling', () => {
    const r = resolve(['--healthz-port', '0', '--metrics-port', '9999']);
    expect(r.config.healthzBindAddress).toBe('');
    expect(r.config.metricsBindAddress).toBe('127.0.0.1:9999');
    expect(r.warnings.join('\n')).toMatch(/--healthz-port is deprecated/);
  });

  it.each([
    [['--no-such-flag'], /unknown flag: --no-such-flag/],
    [['--iptables-sync-period', 'soon'], /invalid argument "soon" for "--iptables-sync-period" flag/],
    [['--masquerade-all=maybe'], /invalid argument "maybe" for "--masquerade-all" flag/],
    [['--kube-api-burst', '1.5'], /invalid argument "1.5" for "--kube-api-burst" flag/],
    [['--feature-gates', 'A=yes'], /--feature-gates/],
    [['stray'], /does not take any arguments/],
    [['--kubeconfig'], /argument missing|--kubeconfig/],
    [['--proxy-mode', 'userspace'], /mode: must be one of iptables, ipvs, nftables, kernelspace/],
    [['--cluster-cidr', '10.0.0.0/33'], /clusterCIDR: "10.0.0.0\/33" is not a valid CIDR/],
    [['--cluster-cidr', '10.0.0.0/8,10.1.0.0/16'], /at most one CIDR per IP family/],
    [['--detect-local-mode', 'Magic'], /detectLocalMode: must be one of/],
    [['--detect-local-mode', 'BridgeInterface'], /bridgeInterface/],
    [['--detect-local-mode', 'BridgeInterface', '--pod-bridge-interface', 'br"0'], /bridgeInterface/],
    [['--detect-local-mode', 'InterfaceNamePrefix', '--pod-interface-name-prefix', 'veth*'], /interfaceNamePrefix/],
    [['--detect-local-mode', 'InterfaceNamePrefix', '--pod-interface-name-prefix', 'a\nb'], /interfaceNamePrefix/],
    [['--nodeport-addresses', 'primary,10.0.0.0/8'], /"primary" must be the only entry/],
    [['--nodeport-addresses', 'eth0'], /neither a CIDR nor "primary"/],
    [['--healthz-bind-address', 'localhost:10256'], /healthzBindAddress/],
    [['--nftables-min-sync-period', '1m', '--nftables-sync-period', '30s'], /minSyncPeriod: must not be greater/],
    [['--iptables-masquerade-bit', '32'], /masqueradeBit: must be within \[0, 31\]/],
    [['--oom-score-adj', '-1001'], /oomScoreAdj/],
    [['--hostname-override', '  '], /empty hostname-override is invalid/],
    [['--hostname-override', 'bad_name'], /hostnameOverride/],
    [['--logging-format', 'xml'], /logging.format/],
  ])('refuse %j', (argv, message) => {
    expect(() => resolve(argv)).toThrow(message);
    try {
      resolve(argv);
    } catch (err) {
      expect((err as Error).name).toBe('ConfigError');
    }
  });

  it('report every validation problem at once', () => {
    expect(() => resolve(['--proxy-mode', 'x', '--oom-score-adj', '5000'])).toThrow(/mode:[\s\S]*oomScoreAdj/);
  });

  it('print help', () => {
    const cl = parseCommandLine(['--help']);
    expect(cl.help).toMatch(/--proxy-mode/);
    expect(cl.help).toMatch(/--conntrack-min/);
  });
});

describe('config file', () => {
  const file = `${HEADER}mode: nftables
clusterCIDR: 10.244.0.0/16
clientConnection:
  kubeconfig: /var/lib/kproxy/kubeconfig
nftables:
  syncPeriod: 1m0s
  minSyncPeriod: 2s
  masqueradeAll: true
nodePortAddresses: [192.0.2.0/24]
healthzBindAddress: 0.0.0.0:12345
logging:
  verbosity: 2
hostnameOverride: from-file
featureGates: {}
`;

  it('is read over the defaults', () => {
    const r = resolve(['--config', '/cfg.yaml'], { '/cfg.yaml': file });
    expect(r.configFile).toBe('/cfg.yaml');
    expect(r.config.clientConnection.kubeconfig).toBe('/var/lib/kproxy/kubeconfig');
    expect(modeSettings(r.config)).toEqual({ syncPeriodMs: 60_000, minSyncPeriodMs: 2000, masqueradeAll: true, masqueradeBit: 14 });
    expect(r.config.nodePortAddresses).toEqual(['192.0.2.0/24']);
    expect(r.config.healthzBindAddress).toBe('0.0.0.0:12345');
    expect(r.config.metricsBindAddress).toBe('127.0.0.1:10249');
    expect(r.config.hostnameOverride).toBe('from-file');
  });

  it('wins over config flags, but -v, --logging-format and --hostname-override win over the file (kube-proxy precedence)', () => {
    const r = resolve(
      ['--config', '/cfg.yaml', '--proxy-mode', 'iptables', '--kubeconfig', '/other', '--cluster-cidr', '10.9.0.0/16', '-v', '5', '--hostname-override', 'Flag-Node'],
      { '/cfg.yaml': file },
    );
    expect(r.config.mode).toBe('nftables');
    expect(r.config.clientConnection.kubeconfig).toBe('/var/lib/kproxy/kubeconfig');
    expect(r.config.clusterCIDR).toBe('10.244.0.0/16');
    expect(r.config.logging.verbosity).toBe(5);
    expect(r.config.hostnameOverride).toBe('flag-node');
    expect(r.warnings.filter((w) => /ignored because --config/.test(w))).toHaveLength(3);
  });

  it('is JSON too', () => {
    const json = JSON.stringify({ apiVersion: 'kubeproxy.config.k8s.io/v1alpha1', kind: 'KubeProxyConfiguration', mode: 'nftables', iptables: { syncPeriod: '10s' } });
    expect(resolve(['--config', '/c.json'], { '/c.json': json }).config.iptables.syncPeriod).toBe(10_000);
  });

  it.each([
    ['unknown top-level field', `${HEADER}bogus: 1\n`, /unknown field "bogus" in KubeProxyConfiguration/],
    ['unknown nested field', `${HEADER}nftables:\n  tableName: x\n`, /unknown field "nftables.tableName"/],
    ['wrong type', `${HEADER}nftables:\n  syncPeriod: 30\n`, /config field nftables.syncPeriod: want a duration string/],
    ['bad duration', `${HEADER}iptables:\n  syncPeriod: soon\n`, /iptables.syncPeriod/],
    ['string for bool', `${HEADER}bindAddressHardFail: "yes"\n`, /bindAddressHardFail: want true or false/],
    ['float for int', `${HEADER}oomScoreAdj: 1.5\n`, /oomScoreAdj: want an integer/],
    ['wrong apiVersion', 'apiVersion: kubeproxy.config.k8s.io/v1alpha2\nkind: KubeProxyConfiguration\n', /apiVersion must be kubeproxy.config.k8s.io\/v1alpha1/],
    ['wrong kind', 'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeletConfiguration\n', /kind must be KubeProxyConfiguration/],
    ['not an object', '- a\n- b\n', /want a KubeProxyConfiguration object/],
    ['bad YAML', `${HEADER}mode: [nftables\n`, /not valid YAML/],
    ['invalid value', `${HEADER}mode: userspace\n`, /mode: must be one of/],
    ['bad feature gate value', `${HEADER}featureGates:\n  X: maybe\n`, /featureGates.X: want true or false/],
    ['a __proto__ field', `${HEADER}__proto__:\n  toString: x\n`, /unknown field "__proto__"/],
    ['a bad feature gate name', `${HEADER}featureGates:\n  "a b": true\n`, /"a b" is not a feature gate name/],
    ['a constructor field', `${HEADER}iptables:\n  constructor: x\n`, /unknown field "iptables.constructor"/],
  ])('refuses %s', (_name, text, message) => {
    expect(() => resolve(['--config', '/c.yaml'], { '/c.yaml': text })).toThrow(message);
  });

  it('never writes to Object.prototype', () => {
    expect(() => resolve(['--config', '/c.yaml'], { '/c.yaml': `${HEADER}__proto__:\n  toString: x\n` })).toThrow();
    expect(typeof Object.prototype.toString).toBe('function');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('names the file it cannot read', () => {
    expect(() => resolve(['--config', '/missing.yaml'])).toThrow(/cannot read config file \/missing.yaml/);
  });

  it('round-trips through --write-config-to\'s YAML', () => {
    const r = resolve(['--nftables-sync-period', '45s', '--cluster-cidr', '10.244.0.0/16']);
    const again = decodeConfigFile(configurationToYaml(r.config));
    expect(again).toEqual(r.config);
    expect(configurationToYaml(defaultConfiguration())).toMatch(/syncPeriod: 30s/);
  });
});

describe('subcommands', () => {
  it('parses explain', () => {
    const cl = parseCommandLine(['explain', '--src', '10.0.0.1', '--dst', '10.96.0.10', '--port', '53', '--proto', 'udp', '--kubeconfig', '/k']);
    expect(cl.command).toBe('explain');
    expect(cl.explain).toEqual({ src: '10.0.0.1', dst: '10.96.0.10', port: 53, proto: 'UDP', fromNode: false, json: false });
    expect(cl.flags.get('kubeconfig')).toBe('/k');
  });
  it('defaults explain to TCP and refuses bad ports, protocols and missing flags', () => {
    expect(parseCommandLine(['explain', '--src', 'a', '--dst', 'b', '--port', '80']).explain?.proto).toBe('TCP');
    expect(() => parseCommandLine(['explain', '--src', 'a', '--dst', 'b', '--port', '0'])).toThrow(/--port/);
    expect(() => parseCommandLine(['explain', '--src', 'a', '--dst', 'b', '--port', '80', '--proto', 'icmp'])).toThrow(/--proto/);
    expect(() => parseCommandLine(['explain', '--src', 'a', '--port', '80'])).toThrow(/--dst/);
  });
  it('parses diff and refuses explain-only flags there', () => {
    expect(parseCommandLine(['diff', '--json']).diff).toEqual({ json: true });
    expect(() => parseCommandLine(['diff', '--src', '1.2.3.4'])).toThrow(/unknown flag: --src/);
  });
});
