import { describe, expect, it } from '@jest/globals';
import { silentLogger, systemClock } from '@kproxy/api';
import type { Components, NodeContext, Packet, ServicePort, Trace } from '@kproxy/api';
import { scriptedExecutor } from '@kproxy/exec/testing';
import { fakeNftClient } from '@kproxy/nftables-json/testing';
import type { FakeNftClient } from '@kproxy/nftables-json/testing';
import { nftablesBackend } from './backend.ts';
import type { NftablesBackendOptions } from './backend.ts';
import { ep, node, stateOf, svcPort } from './testing/index.ts';

// Behaviour from shared/semantics.md, checked by tracing packets (the nftables-json tracer) through the
// ruleset the backend programmed into the semantic fake.

const components: Components = { logger: silentLogger, clock: systemClock, executor: scriptedExecutor() };

const POD = '10.0.0.5'; // in the cluster CIDR 10.0.0.0/8 of node()
const NODE = '192.168.0.2';
const OTHER_NODE_IP = '192.168.0.3';
const EXTERNAL = '203.0.113.5';

type Send = (p: Partial<Packet> & Pick<Packet, 'src' | 'dst' | 'dport'>) => Promise<Trace>;

async function worldOf(
  ports: readonly ServicePort[],
  nodeCtx: NodeContext = node(),
  options: NftablesBackendOptions = {},
  client: FakeNftClient = fakeNftClient(),
): Promise<Send> {
  const backend = nftablesBackend({ client: () => client, family: nodeCtx.family, ...options })(components);
  await backend.sync(stateOf(ports, nodeCtx));
  return (p) => {
    const hook = p.hook ?? (p.src === NODE || p.src === OTHER_NODE_IP ? 'output' : 'prerouting');
    return backend.explain({ family: nodeCtx.family, protocol: 'TCP', ...p, hook });
  };
}

const eps = (t: Trace) => t.endpoints.map((e) => `${e.ip}:${e.port}`).sort();

// Both layouts: data maps for the ports that can use them (the default), and a chain per service port for all.
describe.each([
  ['data maps', {}],
  ['chains only', { dataMaps: false }],
] as [string, NftablesBackendOptions][])('conformance through the tracer over the fake (%s)', (_layout, layout) => {
  const world = (ports: readonly ServicePort[], nodeCtx: NodeContext = node(), options: NftablesBackendOptions = {}, client?: FakeNftClient) =>
    worldOf(ports, nodeCtx, { ...layout, ...options }, client);
  const svc1 = svcPort({ eps: [ep('10.180.0.1', 80), ep('10.180.0.2', 80, { isLocal: true })] });

  it('ClusterIP: DNAT to every endpoint; pods not masqueraded, node and outside masqueraded', async () => {
    const send = await world([svc1]);
    const fromPod = await send({ src: POD, dst: '172.30.0.41', dport: 80 });
    expect(fromPod.verdict).toBe('DNAT');
    expect(eps(fromPod)).toEqual(['10.180.0.1:80', '10.180.0.2:80']);
    expect(fromPod.masquerade).toBe(false);
    expect(fromPod.servicePort).toBe('ns1/svc1:p80/TCP');
    expect((await send({ src: NODE, dst: '172.30.0.41', dport: 80 })).masquerade).toBe(true);
    expect((await send({ src: EXTERNAL, dst: '172.30.0.41', dport: 80 })).masquerade).toBe(true);
  });

  it('unknown port or protocol on an allocated ClusterIP is rejected; unallocated service IP dropped', async () => {
    const send = await world([svc1], node(), { serviceCIDRs: ['172.30.0.0/16'] });
    expect((await send({ src: POD, dst: '172.30.0.41', dport: 81 })).verdict).toBe('REJECT');
    expect((await send({ src: POD, dst: '172.30.0.41', dport: 80, protocol: 'UDP' })).verdict).toBe('REJECT');
    expect((await send({ src: POD, dst: '172.30.0.99', dport: 80 })).verdict).toBe('DROP');
    expect((await send({ src: POD, dst: '8.8.8.8', dport: 80 })).verdict).toBe('PASS');
  });

  it('multi-port and TCP/UDP/SCTP on one port number are independent service ports', async () => {
    const send = await world([
      svcPort({ portName: 'tcp', protocol: 'TCP', port: 53, eps: [ep('10.180.0.1', 5353)] }),
      svcPort({ portName: 'udp', protocol: 'UDP', port: 53, eps: [ep('10.180.0.2', 5353)] }),
      svcPort({ portName: 'sctp', protocol: 'SCTP', port: 53, eps: [ep('10.180.0.3', 5353)] }),
      svcPort({ portName: 'http', protocol: 'TCP', port: 8080, eps: [ep('10.180.0.4', 80)] }),
    ]);
    expect(eps(await send({ src: POD, dst: '172.30.0.41', dport: 53, protocol: 'TCP' }))).toEqual(['10.180.0.1:5353']);
    expect(eps(await send({ src: POD, dst: '172.30.0.41', dport: 53, protocol: 'UDP' }))).toEqual(['10.180.0.2:5353']);
    expect(eps(await send({ src: POD, dst: '172.30.0.41', dport: 53, protocol: 'SCTP' }))).toEqual(['10.180.0.3:5353']);
    expect(eps(await send({ src: POD, dst: '172.30.0.41', dport: 8080 }))).toEqual(['10.180.0.4:80']);
  });

  it('no usable endpoint: REJECT from every entry point', async () => {
    const send = await world([
      svcPort({ nodePort: 3006, externalIPs: ['192.168.99.6'], loadBalancerIPs: ['1.2.3.6'], eps: [ep('10.180.0.6', 80, { ready: false, serving: false })] }),
    ]);
    for (const [src, dst, dport] of [
      [POD, '172.30.0.41', 80],
      [EXTERNAL, '192.168.99.6', 80],
      [EXTERNAL, '1.2.3.6', 80],
      [EXTERNAL, NODE, 3006],
      [POD, NODE, 3006],
    ] as const) {
      expect([src, dst, dport, (await send({ src, dst, dport })).verdict]).toEqual([src, dst, dport, 'REJECT']);
    }
  });

  it('serving+terminating endpoints are used when none is ready', async () => {
    const send = await world([
      svcPort({ eps: [ep('10.180.0.4', 80, { ready: false, serving: true, terminating: true }), ep('10.180.0.5', 80, { ready: false, serving: false, terminating: true })] }),
    ]);
    expect(eps(await send({ src: POD, dst: '172.30.0.41', dport: 80 }))).toEqual(['10.180.0.4:80']);
  });

  it('internalTrafficPolicy Local: local endpoints only, DROP without them; masquerading unchanged', async () => {
    const send = await world([
      svcPort({ internalPolicyLocal: true, eps: [ep('10.180.0.1', 80), ep('10.180.0.2', 80, { isLocal: true })] }),
      svcPort({ svc: 'remote', clusterIP: '172.30.0.42', internalPolicyLocal: true, eps: [ep('10.180.0.3', 80)] }),
    ]);
    const t = await send({ src: POD, dst: '172.30.0.41', dport: 80 });
    expect(eps(t)).toEqual(['10.180.0.2:80']);
    expect((await send({ src: NODE, dst: '172.30.0.41', dport: 80 })).masquerade).toBe(true);
    expect((await send({ src: POD, dst: '172.30.0.42', dport: 80 })).verdict).toBe('DROP');
  });

  describe('externalTrafficPolicy Local', () => {
    const lb = svcPort({
      nodePort: 3001,
      loadBalancerIPs: ['1.2.3.4'],
      externalIPs: ['192.168.99.11'],
      externalPolicyLocal: true,
      eps: [ep('10.180.0.2', 80, { isLocal: true }), ep('10.180.0.3', 80)],
    });
    const nolocal = svcPort({ svc: 'nolocal', clusterIP: '172.30.0.43', nodePort: 3002, loadBalancerIPs: ['1.2.3.5'], externalPolicyLocal: true, eps: [ep('10.180.0.4', 80)] });

    it('outside traffic reaches local endpoints only, unmasqueraded', async () => {
      const send = await world([lb, nolocal]);
      for (const [dst, dport] of [['1.2.3.4', 80], ['192.168.99.11', 80], [NODE, 3001]] as const) {
        const t = await send({ src: EXTERNAL, dst, dport });
        expect([dst, eps(t), t.masquerade]).toEqual([dst, ['10.180.0.2:80'], false]);
      }
    });

    it('pods short-circuit to every endpoint unmasqueraded; the node to every endpoint, masqueraded', async () => {
      const send = await world([lb, nolocal]);
      const pod = await send({ src: POD, dst: '1.2.3.4', dport: 80 });
      expect([eps(pod), pod.masquerade]).toEqual([['10.180.0.2:80', '10.180.0.3:80'], false]);
      const fromNode = await send({ src: NODE, dst: NODE, dport: 3001 });
      expect([eps(fromNode), fromNode.masquerade]).toEqual([['10.180.0.2:80', '10.180.0.3:80'], true]);
    });

    it('without local endpoints: outside traffic DROPped, pods still served', async () => {
      const send = await world([lb, nolocal]);
      expect((await send({ src: EXTERNAL, dst: '1.2.3.5', dport: 80 })).verdict).toBe('DROP');
      expect((await send({ src: EXTERNAL, dst: NODE, dport: 3002 })).verdict).toBe('DROP');
      expect(eps(await send({ src: POD, dst: '1.2.3.5', dport: 80 }))).toEqual(['10.180.0.4:80']);
    });
  });

  it('externalTrafficPolicy Cluster: external IPs, LB IPs and node ports go everywhere, masqueraded', async () => {
    const send = await world([svcPort({ nodePort: 3001, loadBalancerIPs: ['1.2.3.4'], externalIPs: ['192.168.99.1'], eps: [ep('10.180.0.1', 80), ep('10.180.0.2', 80, { isLocal: true })] })]);
    for (const [src, dst, dport] of [[EXTERNAL, '1.2.3.4', 80], [EXTERNAL, '192.168.99.1', 80], [EXTERNAL, NODE, 3001], [POD, '1.2.3.4', 80]] as const) {
      const t = await send({ src, dst, dport });
      expect([dst, eps(t), t.masquerade]).toEqual([dst, ['10.180.0.1:80', '10.180.0.2:80'], true]);
    }
  });

  it('node ports only on the node-port addresses (ips) or on every local address (all), never on loopback', async () => {
    const p = svcPort({ nodePort: 3001, eps: [ep('10.180.0.1', 80)] });
    const ips = await world([p], node({ nodeIPs: [NODE, OTHER_NODE_IP], nodePortAddresses: { kind: 'ips', ips: [NODE] } }));
    expect((await ips({ src: EXTERNAL, dst: NODE, dport: 3001 })).verdict).toBe('DNAT');
    expect((await ips({ src: EXTERNAL, dst: OTHER_NODE_IP, dport: 3001 })).verdict).toBe('PASS');
    const all = await world([p], node({ nodeIPs: [NODE, OTHER_NODE_IP], nodePortAddresses: { kind: 'all' } }));
    expect((await all({ src: EXTERNAL, dst: OTHER_NODE_IP, dport: 3001 })).verdict).toBe('DNAT');
    expect((await all({ src: NODE, dst: '127.0.0.1', dport: 3001 })).verdict).toBe('PASS');
  });

  describe('loadBalancerSourceRanges', () => {
    const p = svcPort({ nodePort: 3001, loadBalancerIPs: ['1.2.3.4'], loadBalancerSourceRanges: ['203.0.113.0/25', '192.168.0.0/24'], eps: [ep('10.180.0.1', 80)] });
    it('allows sources in the ranges, drops others, and only for the LB IPs', async () => {
      const send = await world([p]);
      expect((await send({ src: EXTERNAL, dst: '1.2.3.4', dport: 80 })).verdict).toBe('DNAT');
      expect((await send({ src: '198.51.100.1', dst: '1.2.3.4', dport: 80 })).verdict).toBe('DROP');
      expect((await send({ src: POD, dst: '1.2.3.4', dport: 80 })).verdict).toBe('DROP');
      expect((await send({ src: '198.51.100.1', dst: NODE, dport: 3001 })).verdict).toBe('DNAT');
      expect((await send({ src: '198.51.100.1', dst: '172.30.0.41', dport: 80 })).verdict).toBe('DNAT');
    });
    it('allows the node, and the LB IP as a source when a range contains a node IP', async () => {
      const send = await world([p]);
      expect((await send({ src: NODE, dst: '1.2.3.4', dport: 80 })).verdict).toBe('DNAT');
      expect((await send({ src: '1.2.3.4', dst: '1.2.3.4', dport: 80 })).verdict).toBe('DNAT');
      const strict = await world([svcPort({ ...p, loadBalancerSourceRanges: ['203.0.113.0/25'], loadBalancerIPs: ['1.2.3.4'], nodePort: 3001, eps: [ep('10.180.0.1', 80)] })]);
      expect((await strict({ src: '1.2.3.4', dst: '1.2.3.4', dport: 80 })).verdict).toBe('DROP');
    });
  });

  it('hairpin: an endpoint reaching itself through the service is masqueraded', async () => {
    const send = await world([svcPort({ eps: [ep('10.180.0.1', 80)] })]);
    const t = await send({ src: '10.180.0.1', dst: '172.30.0.41', dport: 80 });
    expect([eps(t), t.masquerade]).toEqual([['10.180.0.1:80'], true]);
    const other = await send({ src: '10.180.0.9', dst: '172.30.0.41', dport: 80 });
    expect(other.masquerade).toBe(false);
  });

  it('masqueradeAll masquerades pod traffic; with no detector, outside traffic to a ClusterIP is not masqueraded', async () => {
    const all = await world([svc1], node({ masqueradeAll: true }));
    expect((await all({ src: POD, dst: '172.30.0.41', dport: 80 })).masquerade).toBe(true);
    const none = await world([svc1], node({ localDetector: { mode: 'None' } }));
    expect((await none({ src: EXTERNAL, dst: '172.30.0.41', dport: 80 })).masquerade).toBe(false);
  });

  it('interface-based local detectors', async () => {
    const bridge = await world([svc1], node({ localDetector: { mode: 'BridgeInterface', interfaceName: 'cbr0' } }));
    expect((await bridge({ src: '172.16.0.5', dst: '172.30.0.41', dport: 80, iifname: 'cbr0' })).masquerade).toBe(false);
    expect((await bridge({ src: '172.16.0.5', dst: '172.30.0.41', dport: 80, iifname: 'eth0' })).masquerade).toBe(true);
    const prefix = await world([svc1], node({ localDetector: { mode: 'InterfaceNamePrefix', interfacePrefix: 'veth' } }));
    expect((await prefix({ src: '172.16.0.5', dst: '172.30.0.41', dport: 80, iifname: 'veth12ab' })).masquerade).toBe(false);
    expect((await prefix({ src: '172.16.0.5', dst: '172.30.0.41', dport: 80, iifname: 'eth0' })).masquerade).toBe(true);
  });

  it('ClientIP affinity is applied through per-endpoint timeout sets', async () => {
    const send = await world([svcPort({ sessionAffinity: { type: 'ClientIP', timeoutSeconds: 60 }, eps: [ep('10.180.0.1', 80), ep('10.180.0.2', 80)] })]);
    const t = await send({ src: POD, dst: '172.30.0.41', dport: 80 });
    expect(t.affinity).toBe(true);
    expect(eps(t)).toEqual(['10.180.0.1:80', '10.180.0.2:80']);
    const plain = await world([svc1]);
    expect((await plain({ src: POD, dst: '172.30.0.41', dport: 80 })).affinity).toBe(false);
  });

  it('dual-stack is two backends, each with its own table, never mixing families', async () => {
    const client = fakeNftClient();
    const v4 = await world([svc1], node(), {}, client);
    const v6node = node({ family: 'IPv6' });
    const v6 = await world(
      [svcPort({ family: 'IPv6', clusterIP: 'fd00:172:30::41', eps: [ep('fd00:10::1', 80), ep('fd00:10::2', 80)] })],
      v6node,
      {},
      client,
    );
    expect(eps(await v4({ src: POD, dst: '172.30.0.41', dport: 80 }))).toEqual(['10.180.0.1:80', '10.180.0.2:80']);
    const t6 = await v6({ src: 'fd00:10::99', dst: 'fd00:172:30::41', dport: 80 });
    expect([t6.verdict, eps(t6), t6.masquerade]).toEqual(['DNAT', ['fd00:10::1:80', 'fd00:10::2:80'], false]);
    expect((await v6({ src: '2001:db8::1', dst: 'fd00:172:30::41', dport: 80 })).masquerade).toBe(true);
    expect(client.ruleset.snapshot().tables.map((t) => `${t.table.family} ${t.table.name}`).sort()).toEqual(['ip kube-proxy', 'ip6 kube-proxy']);
  });

  it('explain carries the selection reasons of the matched service port', async () => {
    const p = { ...svc1, selection: { ...svc1.selection, reasons: [{ code: 'TopologyIgnoredMissingHints', message: 'x' }] } };
    const send = await world([p]);
    expect((await send({ src: POD, dst: '172.30.0.41', dport: 80 })).reasons.map((r) => r.code)).toEqual(['TopologyIgnoredMissingHints']);
  });
});
