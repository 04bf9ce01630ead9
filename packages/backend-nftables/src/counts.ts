/**
 * An immutable multiset of strings with cheap derived versions: `with(changes)` returns a new value
 * sharing the bulk of its storage with this one (a base map plus a small overlay), so a partial render
 * costs O(change), not O(cluster), and never mutates the previous render's memo.
 */
export class Counts {
  readonly #base: ReadonlyMap<string, number>;
  readonly #overlay: ReadonlyMap<string, number>;

  private constructor(base: ReadonlyMap<string, number>, overlay: ReadonlyMap<string, number>) {
    this.#base = base;
    this.#overlay = overlay;
  }

  /** Counts built from a list (each occurrence counts once). */
  static of(values: Iterable<string>): Counts {
    const m = new Map<string, number>();
    for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
    return new Counts(m, new Map());
  }

  /** How many times `value` is counted. */
  get(value: string): number {
    return this.#overlay.get(value) ?? this.#base.get(value) ?? 0;
  }

  /**
   * Applies `delta` (value -> +n/-n) and reports which values appeared (0 -> >0) and disappeared (>0 -> 0).
   */
  with(delta: ReadonlyMap<string, number>): { counts: Counts; appeared: string[]; disappeared: string[] } {
    const overlay = new Map(this.#overlay);
    const appeared: string[] = [];
    const disappeared: string[] = [];
    for (const [value, d] of delta) {
      if (d === 0) continue;
      const before = this.get(value);
      const after = Math.max(0, before + d);
      overlay.set(value, after);
      if (before === 0 && after > 0) appeared.push(value);
      if (before > 0 && after === 0) disappeared.push(value);
    }
    // Fold the overlay into a fresh base once it grows, so lookups stay O(1) and overlays stay small.
    if (overlay.size > 2048) {
      const base = new Map(this.#base);
      for (const [k, v] of overlay) {
        if (v === 0) base.delete(k);
        else base.set(k, v);
      }
      return { counts: new Counts(base, new Map()), appeared: appeared.sort(), disappeared: disappeared.sort() };
    }
    return { counts: new Counts(this.#base, overlay), appeared: appeared.sort(), disappeared: disappeared.sort() };
  }

  /** Every value with a positive count, in first-counted order (deterministic for a deterministic input). */
  values(): string[] {
    if (this.#overlay.size === 0) {
      const all: string[] = [];
      for (const [k, v] of this.#base) if (v > 0) all.push(k);
      return all;
    }
    const out = new Set<string>();
    for (const [k, v] of this.#base) if (v > 0 && (this.#overlay.get(k) ?? v) > 0) out.add(k);
    for (const [k, v] of this.#overlay) if (v > 0) out.add(k);
    return [...out];
  }
}
