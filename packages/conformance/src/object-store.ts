import type { KubeEndpointSlice, KubeNode, KubeService } from '@kproxy/api';
import { objectKey } from './load.ts';
import type { ObjectRef, ScenarioObject } from './scenario.ts';

/**
 * The Kubernetes objects a scenario has applied so far, by kind, namespace and name. Runners use it to
 * check `update`/`delete` preconditions and to hand a whole snapshot to a state builder.
 */
export class ObjectStore {
  readonly #objects = new Map<string, ScenarioObject>();

  /** Creates or replaces each object. */
  apply(objects: readonly ScenarioObject[]): void {
    for (const o of objects) this.#objects.set(objectKey(o), o);
  }

  /** Replaces each object; throws naming the first one that does not exist (nothing is changed then). */
  update(objects: readonly ScenarioObject[]): void {
    const missing = objects.find((o) => !this.#objects.has(objectKey(o)));
    if (missing) throw new Error(`update of ${objectKey(missing)}, which does not exist`);
    this.apply(objects);
  }

  /** Removes each object; throws naming the first one that does not exist (nothing is changed then). */
  delete(refs: readonly ObjectRef[]): void {
    const missing = refs.find((r) => !this.#objects.has(objectKey(r)));
    if (missing) throw new Error(`delete of ${objectKey(missing)}, which does not exist`);
    for (const r of refs) this.#objects.delete(objectKey(r));
  }

  /** Every Service, in key order. */
  services(): KubeService[] {
    return this.#of('Service') as KubeService[];
  }

  /** Every EndpointSlice, in key order. */
  slices(): KubeEndpointSlice[] {
    return this.#of('EndpointSlice') as KubeEndpointSlice[];
  }

  /** The Node, if one is applied. */
  node(): KubeNode | undefined {
    return (this.#of('Node') as KubeNode[])[0];
  }

  #of(kind: ScenarioObject['kind']): unknown[] {
    return [...this.#objects.entries()]
      .filter(([, o]) => o.kind === kind)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, o]) => o.object);
  }
}
