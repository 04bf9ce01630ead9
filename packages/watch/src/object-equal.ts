import { deepEqual, type KubeNode, type ObjectMeta } from '@kproxy/api';

type WithMeta = { metadata?: ObjectMeta };

function strip<T extends WithMeta>(obj: T): T {
  const md = obj.metadata as (ObjectMeta & { managedFields?: unknown }) | undefined;
  if (!md) return obj;
  return { ...obj, metadata: { ...md, resourceVersion: undefined, managedFields: undefined } };
}

/**
 * True when two versions of an object are the same for the proxy: equal except for
 * `metadata.resourceVersion` and `metadata.managedFields`, which change on writes that change nothing
 * else. Either side may be undefined (absent object). Pure.
 */
export function sameObject<T extends WithMeta>(a: T | undefined, b: T | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  return deepEqual(strip(a), strip(b));
}

/** The Node facts a proxy uses: labels (zone), pod CIDRs and addresses. Heartbeats and conditions are not. */
export function nodeFacts(node: KubeNode | undefined): unknown {
  if (!node) return undefined;
  return {
    labels: node.metadata.labels ?? {},
    podCIDR: node.spec?.podCIDR,
    podCIDRs: node.spec?.podCIDRs,
    addresses: node.status?.addresses,
  };
}

/** Recursively freezes plain data in place and returns it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}
