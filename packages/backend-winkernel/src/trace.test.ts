import { describe, expect, it } from '@jest/globals';
import { silentLogger, systemClock } from '@kproxy/api';
import type { Components, Packet } from '@kproxy/api';
import { ep, NODE_IP, state, svc, terminating } from '../test/fixtures.ts';
import { fakeWinkernel } from './testing/fake-winkernel.ts';
import { traceHns } from './trace.ts';

const components: Components = {
  logger: silentLogger,
  clock: systemClock,
  executor: { run: () => Promise.reject(new Error('no processes')) },
};

const POD = '10.244.1.250';
const EXTERNAL = '203.0.113.10';

function packet(dst: string, dport: number, over: Partial<Packet> = {}): Packet {
  return { family: 'IPv4', protocol: 'TCP', src: POD, dst, dport, hook: 'prerouting', ...over };
}

async function programmed() {
  const { backend, hns } = fakeWinkernel({ family: 'IPv4', components });
  await backend.sync(
    state([
      svc({
        name: 'web', clusterIP: '10.96.0.10', nodePort: 30080, externalIPs: ['198.51.100.5'], loadBalancerIPs: ['198.51.100.7'],
        endpoints: [ep('10.244.1.5', { isLocal: true }), ep('10.244.2.7')],
      }),
      svc({
        name: 'local', clusterIP: '10.96.0.20', nodePort: 30090, externalPolicyLocal: true, affinity: 600,
        endpoints: [ep('10.244.1.6', { isLocal: true }), ep('10.244.2.8')],
      }),
      svc({ name: 'empty', clusterIP: '10.96.0.30', nodePort: 30100 }),
      svc({ name: 'dns', protocol: 'UDP', clusterIP: '10.96.0.53', port: 53, endpoints: [ep('10.244.2.9', { port: 53 })] }),
      svc({ name: 'going', clusterIP: '10.96.0.40', endpoints: [terminating('10.244.2.10')] }),
    ]),
  );
  return { backend, hns };
}

const ends = (...ips: string[]) => ips.map((ip) => ({ ip, port: 8080 }));

describe('traceHns / explain', () => {
  it('DNATs a ClusterIP packet to every endpoint of its load balancer', async () => {
    const { backend } = await programmed();
    const t = await backend.explain(packet('10.96.0.10', 80));
    expect(t.verdict).toBe('DNAT');
    expect(t.servicePort).toBe('default/web:p/TCP');
    expect(t.endpoints).toEqual(ends('10.244.1.5', '10.244.2.7'));
    expect(t.masquerade).toBe(false);
    expect(t.affinity).toBe(false);
    expect(t.path[0]).toMatch(/^loadbalancer \S+ 10\.96\.0\.10:80\/TCP/);
  });

  it('matches node ports on node IPs only, external IPs and ingress IPs on their VIP', async () => {
    const { backend } = await programmed();
    const np = await backend.explain(packet(NODE_IP, 30080, { src: EXTERNAL }));
    expect(np.verdict).toBe('DNAT');
    expect(np.endpoints).toEqual(ends('10.244.1.5', '10.244.2.7'));
    expect(np.masquerade).toBe(true);
    expect((await backend.explain(packet('192.168.1.99', 30080, { src: EXTERNAL }))).verdict).toBe('PASS');
    expect((await backend.explain(packet('198.51.100.5', 80, { src: EXTERNAL }))).endpoints).toEqual(ends('10.244.1.5', '10.244.2.7'));
    expect((await backend.explain(packet('198.51.100.7', 80, { src: EXTERNAL }))).verdict).toBe('DNAT');
  });

  it('keeps the client address with DSR and sends eTP Local node-port traffic to local endpoints only', async () => {
    const { backend } = await programmed();
    const t = await backend.explain(packet(NODE_IP, 30090, { src: EXTERNAL }));
    expect(t.endpoints).toEqual(ends('10.244.1.6'));
    expect(t.masquerade).toBe(false);
    expect(t.affinity).toBe(true);
    expect(t.reasons.map((r) => r.code)).toEqual(['DirectServerReturn', 'SourceIPAffinity']);
    // Its ClusterIP still balances over every endpoint.
    expect((await backend.explain(packet('10.96.0.20', 80))).endpoints).toEqual(ends('10.244.1.6', '10.244.2.8'));
  });

  it('passes packets no load balancer takes: Windows has no REJECT or DROP for services', async () => {
    const { backend } = await programmed();
    for (const p of [packet('10.96.0.30', 80), packet(NODE_IP, 30100), packet('10.96.0.40', 80), packet('10.96.0.10', 81)]) {
      const t = await backend.explain(p);
      expect(t.verdict).toBe('PASS');
      expect(t.reasons[0]?.code).toBe('NoHnsLoadBalancer');
      expect(t.reasons[0]?.message).toContain('no REJECT or DROP');
    }
    expect((await backend.explain(packet('10.1.2.3', 80))).reasons[0]?.message).not.toContain('REJECT');
  });

  it('tells protocols apart and uses the internal port', async () => {
    const { backend } = await programmed();
    expect((await backend.explain(packet('10.96.0.53', 53, { protocol: 'UDP' }))).endpoints).toEqual([{ ip: '10.244.2.9', port: 53 }]);
    expect((await backend.explain(packet('10.96.0.53', 53, { protocol: 'TCP' }))).verdict).toBe('PASS');
  });

  it('masquerades ClusterIP traffic the node itself sends', async () => {
    const { backend } = await programmed();
    expect((await backend.explain(packet('10.96.0.10', 80, { src: NODE_IP, hook: 'output' }))).masquerade).toBe(true);
  });

  it('reports endpoint ids that no longer exist', () => {
    const t = traceHns(
      {
        endpoints: [],
        loadBalancers: [
          {
            id: 'lb', sourceVip: '', frontendVips: ['10.96.0.10'], flags: 0, hostComputeEndpoints: ['gone'],
            portMappings: [{ protocol: 6, internalPort: 8080, externalPort: 80, distributionType: 'None', flags: 0 }],
          },
        ],
      },
      packet('10.96.0.10', 80),
      { nodeIPs: [] },
    );
    expect(t.verdict).toBe('DROP');
    expect(t.reasons[0]?.code).toBe('DanglingEndpointId');
  });
});
