import type { NodeContext, ServicePort } from './model.ts';

/**
 * Structural equality for plain data (objects, arrays, primitives, Maps, Sets). Key order of objects does
 * not matter; array order does. Pure; never throws.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !deepEqual(v, b.get(k))) return false;
    return true;
  }
  if (a instanceof Set) {
    if (!(b instanceof Set) || a.size !== b.size) return false;
    for (const v of a) if (!b.has(v)) return false;
    return true;
  }
  if (b instanceof Map || b instanceof Set) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/**
 * True when two service ports would render the same rules. `selection.reasons` and
 * `lastChangeTriggerTime` are ignored: they explain or time a change but do not change rules. Pure.
 */
export function servicePortEqual(a: ServicePort, b: ServicePort): boolean {
  const strip = (p: ServicePort) => ({
    ...p,
    lastChangeTriggerTime: undefined,
    selection: { ...p.selection, reasons: undefined },
  });
  return deepEqual(strip(a), strip(b));
}

/** True when two node contexts are the same. Pure. */
export function nodeContextEqual(a: NodeContext, b: NodeContext): boolean {
  return deepEqual(a, b);
}
