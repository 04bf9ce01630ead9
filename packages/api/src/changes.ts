import { nodeContextEqual, servicePortEqual } from './equality.ts';
import type { ProxyState } from './model.ts';

/** What happened to one service port between two states. */
export type ChangeKind = 'added' | 'updated' | 'removed';

/**
 * The difference between two proxy states of one family: which service ports were added, updated or
 * removed, and whether node facts changed. Backends use it to write partial transactions.
 */
export interface ChangeSet {
  /** True when there was no previous state, the family changed, or node facts changed: render everything. */
  readonly full: boolean;
  readonly nodeChanged: boolean;
  /** Changed service ports by key. Unchanged ports are absent. */
  readonly changes: ReadonlyMap<string, ChangeKind>;
}

/** A change set that asks for a full sync. */
export const FULL_CHANGE_SET: ChangeSet = { full: true, nodeChanged: true, changes: new Map() };

/**
 * Computes the change set from `previous` to `next`. With `candidates` (the keys the watch layer reports
 * as touched), only those keys are compared, so the cost is O(changes) rather than O(services). Pure.
 */
export function diffStates(
  previous: ProxyState | undefined,
  next: ProxyState,
  candidates?: Iterable<string>,
): ChangeSet {
  if (!previous || previous.family !== next.family) {
    return { full: true, nodeChanged: true, changes: allAs(next, 'added') };
  }
  const nodeChanged = !nodeContextEqual(previous.node, next.node);
  const changes = new Map<string, ChangeKind>();
  const keys = candidates ?? new Set([...previous.servicePorts.keys(), ...next.servicePorts.keys()]);
  for (const key of keys) {
    const before = previous.servicePorts.get(key);
    const after = next.servicePorts.get(key);
    if (before && !after) changes.set(key, 'removed');
    else if (!before && after) changes.set(key, 'added');
    else if (before && after && !servicePortEqual(before, after)) changes.set(key, 'updated');
  }
  return { full: nodeChanged, nodeChanged, changes };
}

function allAs(state: ProxyState, kind: ChangeKind): Map<string, ChangeKind> {
  return new Map([...state.servicePorts.keys()].map((k) => [k, kind]));
}
