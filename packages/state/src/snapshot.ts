import type { KubeEndpointSlice, KubeNode, KubeService } from '@kproxy/api';

/**
 * What the watch layer hands the state builder: every Service and its EndpointSlices (both families; the
 * builder picks its own), keyed `namespace/name`, and this proxy's own Node when known. Immutable: the
 * watch layer produces a new snapshot (sharing unchanged objects) for every sync.
 */
export interface ClusterSnapshot {
  readonly services: ReadonlyMap<string, KubeService>;
  /** Slices by the Service they belong to (`kubernetes.io/service-name` label, same namespace). */
  readonly slicesByService: ReadonlyMap<string, readonly KubeEndpointSlice[]>;
  readonly node?: KubeNode;
}

/** The `namespace/name` key of a Service or other namespaced object. Pure. */
export function serviceKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
