import { describe, expect, it } from '@jest/globals';
import type { IPFamily } from '@kproxy/api';
import { parseCommandLine } from '../cli/command-line.ts';
import { endpoint, FakeBackend, proxyState, servicePort } from '../../test/fakes.ts';
import { describePlans, planAll } from './diff.ts';
import { describeTrace, packetFromArgs, runExplain } from './explain.ts';

function explainArgs(argv: string[]) {
  const cl = parseCommandLine(['explain', ...argv]);
  if (!cl.explain) throw new Error('no explain args');
  return cl.explain;
}

describe('explain', () => {
  const args = explainArgs(['--src', '10.244.1.5', '--dst', '10.96.0.10', '--port', '80']);

  it('builds the packet', () => {
    expect(packetFromArgs(args)).toEqual({ family: 'IPv4', protocol: 'TCP', src: '10.244.1.5', dst: '10.96.0.10', dport: 80, hook: 'prerouting' });
    expect(packetFromArgs(explainArgs(['--src', 'fd00::1', '--dst', 'fd00::2', '--port', '53', '--proto', 'UDP', '--from-node'])).hook).toBe('output');
    expect(() => packetFromArgs(explainArgs(['--src', 'x', '--dst', '10.96.0.10', '--port', '80']))).toThrow(/"--src" flag: not an IP/);
    expect(() => packetFromArgs(explainArgs(['--src', 'fd00::1', '--dst', '10.96.0.10', '--port', '80']))).toThrow(/same IP family/);
  });

  it('says where a DNATed packet goes and why, with selection reasons from the state', async () => {
    const backend = new FakeBackend();
    backend.trace = {
      verdict: 'DNAT',
      servicePort: 'ns/web:http/TCP',
      endpoints: [{ ip: '10.244.1.7', port: 8080 }, { ip: '10.244.2.8', port: 8080 }],
      masquerade: false,
      affinity: true,
      path: ['nat-prerouting', 'services', 'service-ABC-ns/web/tcp/http'],
      reasons: [{ code: 'ClusterIP', message: 'destination is the cluster IP' }],
    };
    const sp = servicePort('web', [endpoint('10.244.1.7'), endpoint('10.244.2.8')], {
      sessionAffinity: { type: 'ClientIP', timeoutSeconds: 10800 },
    });
    const state = proxyState([
      { ...sp, selection: { ...sp.selection, reasons: [{ code: 'TopologyIgnoredMissingHints', message: 'topology ignored: an endpoint has no zone hints', subject: '10.244.2.8:8080' }] } },
    ]);
    const text = await runExplain({ args, backends: new Map<IPFamily, FakeBackend>([['IPv4', backend]]), mode: 'nftables', state });
    expect(text).toBe(
      [
        'Packet: TCP 10.244.1.5 -> 10.96.0.10:80 (IPv4, arriving from a pod or from outside the node), nftables rules.',
        'Matches service port ns/web:http/TCP.',
        'It is sent (DNAT) to one of 2 endpoints, chosen at random per connection:',
        '  - 10.244.1.7:8080',
        '  - 10.244.2.8:8080',
        'It is not masqueraded: the endpoint sees the client address 10.244.1.5.',
        'Session affinity (ClientIP): later connections from 10.244.1.5 stick to the same endpoint for 10800s of inactivity.',
        'Why:',
        '  - destination is the cluster IP [ClusterIP]',
        '  - topology ignored: an endpoint has no zone hints (10.244.2.8:8080) [TopologyIgnoredMissingHints]',
        'Path through the rules:',
        '  nat-prerouting',
        '  services',
        '  service-ABC-ns/web/tcp/http',
        '',
      ].join('\n'),
    );
  });

  it('explains rejects, drops and untouched packets', () => {
    const packet = packetFromArgs(args);
    const base = { endpoints: [], masquerade: false, affinity: false, path: [], reasons: [] };
    const noEndpoints = proxyState([servicePort('web', [])]);
    expect(describeTrace(packet, { ...base, verdict: 'REJECT', servicePort: 'ns/web:http/TCP' }, 'nftables', noEndpoints)).toMatch(
      /Matches service port ns\/web:http\/TCP, which rejects it: the client gets "connection refused"[\s\S]*has no endpoints at all/,
    );
    const localOnly = proxyState([
      servicePort('web', [endpoint('10.244.9.9')], { internalPolicyLocal: true, selection: { clusterEndpoints: [], localEndpoints: [], allReachableEndpoints: [], hasAnyEndpoints: true, reasons: [] } }),
    ]);
    expect(describeTrace(packet, { ...base, verdict: 'DROP', servicePort: 'ns/web:http/TCP' }, 'nftables', localOnly)).toMatch(
      /is dropped silently[\s\S]*none on this node, and a Local traffic policy applies/,
    );
    expect(describeTrace(packet, { ...base, verdict: 'PASS' }, 'nftables')).toMatch(/No nftables service rule matches: the packet is left untouched/);
    expect(describeTrace(packet, { ...base, verdict: 'DNAT', endpoints: [{ ip: '10.244.1.7', port: 80 }], masquerade: true }, 'nftables')).toMatch(
      /only endpoint 10.244.1.7:80\.\nIt is masqueraded/,
    );
  });

  it('prints JSON with --json, and refuses a family the node does not run', async () => {
    const backend = new FakeBackend();
    backend.trace = { verdict: 'PASS', endpoints: [], masquerade: false, affinity: false, path: [], reasons: [] };
    const json = await runExplain({ args: { ...args, json: true }, backends: new Map([['IPv4' as IPFamily, backend]]), mode: 'nftables' });
    expect(JSON.parse(json)).toMatchObject({ packet: { dst: '10.96.0.10' }, trace: { verdict: 'PASS' } });
    await expect(
      runExplain({ args: explainArgs(['--src', 'fd00::1', '--dst', 'fd00::2', '--port', '80']), backends: new Map([['IPv4' as IPFamily, backend]]), mode: 'nftables' }),
    ).rejects.toThrow(/runs no IPv6 proxier/);
  });
});

describe('diff', () => {
  it('shows the exact text the next sync would send, per family', async () => {
    const v4 = new FakeBackend('IPv4');
    v4.planText = 'add element ip kube-proxy service-ips { 10.96.0.10 . tcp . 80 : goto service-X }';
    const v6 = new FakeBackend('IPv6');
    const plans = await planAll(
      new Map<IPFamily, FakeBackend>([['IPv4', v4], ['IPv6', v6]]),
      new Map([['IPv4', proxyState([servicePort('web', [])])], ['IPv6', proxyState([], 'IPv6')]]),
    );
    expect(describePlans(plans)).toBe(
      'IPv4 (nftables): the next sync would send 1 operation (partial):\n' +
        'add element ip kube-proxy service-ips { 10.96.0.10 . tcp . 80 : goto service-X }\n' +
        '\nIPv6 (nftables): no changes; the kernel already matches the cluster.\n',
    );
    expect(v4.syncs).toHaveLength(0);
    expect(JSON.parse(describePlans(plans, true))).toHaveLength(2);
  });
});

describe('matchServicePort', () => {
  it('finds the service port by VIP and port, or by node port on a node IP, with the protocol', async () => {
    const { matchServicePort } = await import('./explain.ts');
    const state = proxyState([
      servicePort('web', [], { externalIPs: ['198.51.100.7'], nodePort: 30080 }),
      servicePort('dns', [], { protocol: 'UDP', port: 53, clusterIP: '10.96.0.53' }),
    ]);
    const p = (dst: string, dport: number, protocol: 'TCP' | 'UDP' = 'TCP') => ({ family: 'IPv4' as const, protocol, src: '10.0.0.1', dst, dport, hook: 'prerouting' as const });
    expect(matchServicePort(state, p('10.96.0.10', 80))).toBe('ns/web:http/TCP');
    expect(matchServicePort(state, p('198.51.100.7', 80))).toBe('ns/web:http/TCP');
    expect(matchServicePort(state, p('192.0.2.10', 30080))).toBe('ns/web:http/TCP');
    expect(matchServicePort(state, p('10.96.0.53', 53, 'UDP'))).toBe('ns/dns:http/UDP');
    expect(matchServicePort(state, p('10.96.0.53', 53, 'TCP'))).toBeUndefined();
    expect(matchServicePort(state, p('10.96.0.10', 81))).toBeUndefined();
  });
});

describe('explain with service reasons', () => {
  it('adds the reasons recorded while building the matched Service', async () => {
    const backend = new FakeBackend();
    backend.trace = { verdict: 'DNAT', endpoints: [{ ip: '10.244.1.7', port: 8080 }], masquerade: false, affinity: false, path: [], reasons: [] };
    const state = proxyState([servicePort('web', [endpoint('10.244.1.7')])]);
    const asked: string[] = [];
    const text = await runExplain({
      args: explainArgs(['--src', '10.244.1.5', '--dst', '10.96.0.10', '--port', '80']),
      backends: new Map<IPFamily, FakeBackend>([['IPv4', backend]]),
      mode: 'nftables',
      state,
      serviceReasons: (key) => {
        asked.push(key);
        return [{ code: 'InvalidSourceRange', message: 'loadBalancerSourceRanges entry skipped', subject: '10.0.0.0/33' }];
      },
    });
    expect(asked).toEqual(['ns/web:http/TCP']);
    expect(text).toContain('Matches service port ns/web:http/TCP.');
    expect(text).toContain('  - loadBalancerSourceRanges entry skipped (10.0.0.0/33) [InvalidSourceRange]');
  });
});
