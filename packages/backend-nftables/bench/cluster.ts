// The synthetic cluster the benchmarks load: service i has ClusterIP 172.(16+)..., `perService` endpoints on
// 10.x.y.z:8080, port 80/TCP, in namespace ns<i % 100>.
import type { ProxyState, ServicePort } from '@kproxy/api';
import { ep, node, stateOf, svcPort } from '../src/testing/index.ts';

/** The address `base.(i>>16).(i>>8).i` (bytes of `i`). */
export function ipOf(base: number, i: number): string {
  return `${base}.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
}

/** Service i's ClusterIP. */
export const clusterIPOf = (i: number): string => ipOf(172, 0x100000 + i);

/** Endpoint j of service i (generation `gen` shifts every address: a changed endpoint set). */
export const endpointIPOf = (i: number, j: number, perService: number, gen = 0): string => ipOf(10, 1 + i * perService + j + gen * 7);

export interface BenchServiceOptions {
  readonly perService: number;
  readonly gen?: number;
  /** Every tenth service gets a node port (30000 + i/10). */
  readonly nodePorts?: boolean;
}

/** Service port i of the synthetic cluster. */
export function benchService(i: number, o: BenchServiceOptions): ServicePort {
  const eps = [];
  for (let j = 0; j < o.perService; j++) eps.push(ep(endpointIPOf(i, j, o.perService, o.gen), 8080));
  const nodePort = o.nodePorts === true && i % 10 === 0 ? { nodePort: 30000 + i / 10 } : {};
  return svcPort({ ns: `ns${i % 100}`, svc: `svc${i}`, portName: 'http', clusterIP: clusterIPOf(i), port: 80, eps, ...nodePort });
}

/** Services `0 .. n-1` on a node with node ports on every address. */
export function benchState(n: number, o: BenchServiceOptions): ProxyState {
  const ports: ServicePort[] = [];
  for (let i = 0; i < n; i++) ports.push(benchService(i, o));
  return stateOf(ports, node({ nodePortAddresses: { kind: 'all' } }));
}
