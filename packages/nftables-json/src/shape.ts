/** Shape tests on untyped JSON values, shared by the validator and the text wire. */

/** A plain object (not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A non-negative safe integer. */
export function isUint(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** The single key of a one-key object (an expression, statement or command), undefined when it has none or several. No array is allocated. */
export function soleKey(o: Record<string, unknown>): string | undefined {
  let k: string | undefined;
  for (const key in o) {
    if (k !== undefined) return undefined;
    k = key;
  }
  return k;
}
