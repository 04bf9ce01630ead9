import type { DemoService } from './cluster.ts';
import { DEMO } from './cluster.ts';

/** Who sends a demo probe. */
export type DemoClient = 'pod' | 'external' | 'node';

/** One probe of the demo, with what a correct proxy makes of it. */
export interface DemoProbe {
  readonly title: string;
  readonly client: DemoClient;
  readonly proto: 'tcp' | 'udp';
  readonly dst: string;
  readonly port: number;
  readonly connections: number;
  /** Answers from exactly these pods (`ip:port`), or `refused` / `no answer`. */
  readonly expect: readonly string[] | 'refused' | 'no answer';
  /** Whether the pods must see the client's own address (false) or a node address (true). */
  readonly masq?: boolean;
  /** Every connection must land on the same pod (ClientIP affinity). */
  readonly sticky?: boolean;
}

const ep = (s: DemoService): string[] => s.pods.map((p) => `${p.ip}:${s.targetPort}`);

/** The probes for a cluster state; services missing from `services` are probed as gone. Pure. */
export function demoProbes(services: readonly DemoService[], gone: readonly DemoService[]): DemoProbe[] {
  const out: DemoProbe[] = [];
  for (const s of services) {
    const name = `${s.namespace}/${s.name}`;
    const proto = s.protocol === 'UDP' ? 'udp' : 'tcp';
    // Enough connections that a correct proxy reaches every pod: missing one of N in 10N+10 random picks
    // has a probability below 1e-6 (N <= 3), so a red line means a real problem, not bad luck.
    const n = s.affinity ? 8 : 10 * s.pods.length + 10;
    out.push({ title: `${name} ClusterIP`, client: 'pod', proto, dst: s.clusterIP, port: s.port, connections: n, expect: ep(s), masq: false, ...(s.affinity ? { sticky: true } : {}) });
    if (s.nodePort) {
      out.push({ title: `${name} NodePort`, client: 'external', proto, dst: DEMO.nodeIP, port: s.nodePort, connections: 10 * s.pods.length + 10, expect: ep(s), masq: true });
    }
    if (s.name === 'web') out.push({ title: `${name} ClusterIP from the node`, client: 'node', proto, dst: s.clusterIP, port: s.port, connections: 10 * s.pods.length + 10, expect: ep(s), masq: true });
  }
  for (const s of gone) {
    const name = `${s.namespace}/${s.name}`;
    // A deleted ClusterIP is just an address nobody owns (silence); a deleted node port is a closed port on the node.
    out.push({ title: `${name} ClusterIP (deleted)`, client: 'pod', proto: 'tcp', dst: s.clusterIP, port: s.port, connections: 1, expect: 'no answer' });
    if (s.nodePort) out.push({ title: `${name} NodePort (deleted)`, client: 'external', proto: 'tcp', dst: DEMO.nodeIP, port: s.nodePort, connections: 1, expect: 'refused' });
  }
  return out;
}
