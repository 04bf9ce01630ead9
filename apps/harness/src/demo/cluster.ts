import type { KubeEndpointSlice, KubeNode, KubeService } from '@kproxy/api';

/** The demo's node, clients and address plan. */
export const DEMO = {
  node: 'demo-node',
  remoteNode: 'demo-node-b',
  nodeIP: '10.0.0.10',
  podCIDR: '10.244.1.0/24',
  clusterCIDR: '10.244.0.0/16',
  podClient: '10.244.1.250',
  externalClient: '203.0.113.10',
} as const;

/** A demo pod: name, address, whether it runs on the demo node. */
export interface DemoPod {
  readonly name: string;
  readonly ip: string;
  readonly local: boolean;
}

/** A demo Service with its pods and one port. */
export interface DemoService {
  readonly namespace: string;
  readonly name: string;
  readonly clusterIP: string;
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
  readonly targetPort: number;
  readonly nodePort?: number;
  readonly affinity?: boolean;
  readonly pods: readonly DemoPod[];
}

const pod = (name: string, ip: string, local = true): DemoPod => ({ name, ip, local });

/** The cluster before the change. */
export const BEFORE: readonly DemoService[] = [
  {
    namespace: 'shop', name: 'web', clusterIP: '10.96.0.10', port: 80, protocol: 'TCP', targetPort: 8080,
    pods: [pod('web-1', '10.244.1.11'), pod('web-2', '10.244.1.12'), pod('web-3', '10.244.2.13', false)],
  },
  {
    namespace: 'shop', name: 'checkout', clusterIP: '10.96.0.20', port: 80, protocol: 'TCP', targetPort: 9090, nodePort: 30080,
    pods: [pod('checkout-1', '10.244.1.21'), pod('checkout-2', '10.244.2.22', false)],
  },
  {
    namespace: 'auth', name: 'session', clusterIP: '10.96.0.30', port: 80, protocol: 'TCP', targetPort: 8080, affinity: true,
    pods: [pod('session-1', '10.244.1.31'), pod('session-2', '10.244.1.32'), pod('session-3', '10.244.2.33', false)],
  },
  {
    namespace: 'kube-system', name: 'dns', clusterIP: '10.96.0.53', port: 53, protocol: 'UDP', targetPort: 5353,
    pods: [pod('dns-1', '10.244.1.41'), pod('dns-2', '10.244.2.42', false)],
  },
];

const web = BEFORE[0]!;
const session = BEFORE[2]!;
const dns = BEFORE[3]!;

/** The service added by the change. */
export const ADDED: DemoService = {
  namespace: 'monitoring', name: 'metrics', clusterIP: '10.96.0.60', port: 9100, protocol: 'TCP', targetPort: 9100, nodePort: 30100,
  pods: [pod('metrics-1', '10.244.1.51')],
};

/** The cluster after the change: web scaled to one pod, checkout deleted, metrics added. */
export const AFTER: readonly DemoService[] = [{ ...web, pods: web.pods.slice(0, 1) }, session, dns, ADDED];

/** Every pod that ever exists in the demo (the topology is built once, for all of them). */
export function allPods(): DemoPod[] {
  const seen = new Map<string, DemoPod>();
  for (const s of [...BEFORE, ...AFTER]) for (const p of s.pods) seen.set(p.ip, p);
  return [...seen.values()];
}

/** The demo Node object. */
export function nodeObject(): KubeNode {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: DEMO.node, labels: { 'topology.kubernetes.io/zone': 'zone-a' } },
    spec: { podCIDR: DEMO.podCIDR, podCIDRs: [DEMO.podCIDR] },
    status: { addresses: [{ type: 'InternalIP', address: DEMO.nodeIP }] },
  };
}

/** The Service object of a demo service. */
export function serviceObject(s: DemoService): KubeService {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: s.name, namespace: s.namespace },
    spec: {
      type: s.nodePort ? 'NodePort' : 'ClusterIP',
      clusterIP: s.clusterIP,
      clusterIPs: [s.clusterIP],
      ipFamilies: ['IPv4'],
      selector: { app: s.name },
      ports: [{ name: 'main', port: s.port, protocol: s.protocol, targetPort: s.targetPort, ...(s.nodePort ? { nodePort: s.nodePort } : {}) }],
      ...(s.affinity ? { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } } } : {}),
    },
  };
}

/** The EndpointSlice object of a demo service (one slice, all pods ready). */
export function sliceObject(s: DemoService): KubeEndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${s.name}-demo`, namespace: s.namespace, labels: { 'kubernetes.io/service-name': s.name } },
    addressType: 'IPv4',
    ports: [{ name: 'main', port: s.targetPort, protocol: s.protocol }],
    endpoints: s.pods.map((p) => ({
      addresses: [p.ip],
      nodeName: p.local ? DEMO.node : DEMO.remoteNode,
      conditions: { ready: true },
      targetRef: { kind: 'Pod', namespace: s.namespace, name: p.name },
    })),
  };
}
