const DELETED: unique symbol = Symbol('deleted');

/**
 * An immutable ReadonlyMap made of a shared, never-mutated base Map plus a small overlay of changes, so a
 * new version with k changes costs O(k) (plus an amortised flattening once the overlay grows past a
 * fraction of the base) while older versions stay valid. Iteration yields base entries first (in base
 * order, skipping overridden keys), then overlay additions. Not a `Map` (`instanceof Map` is false).
 */
export class OverlayMap<K, V> implements ReadonlyMap<K, V> {
  readonly #base: ReadonlyMap<K, V>;
  readonly #overlay: ReadonlyMap<K, V | typeof DELETED>;
  readonly size: number;

  private constructor(base: ReadonlyMap<K, V>, overlay: ReadonlyMap<K, V | typeof DELETED>, size: number) {
    this.#base = base;
    this.#overlay = overlay;
    this.size = size;
  }

  /** A version holding exactly `entries` (the map is copied). */
  static of<K, V>(entries: Iterable<readonly [K, V]>): OverlayMap<K, V> {
    const base = new Map<K, V>();
    for (const [k, v] of entries) base.set(k, v);
    return new OverlayMap<K, V>(base, new Map(), base.size);
  }

  /**
   * A new version with `updates` applied (`undefined` deletes the key). This version is unchanged.
   * Cost O(overlay + updates); flattens into a new base when the overlay exceeds `max(64, size/8)`.
   */
  with(updates: ReadonlyMap<K, V | undefined>): OverlayMap<K, V> {
    if (updates.size === 0) return this;
    const overlay = new Map(this.#overlay);
    let size = this.size;
    for (const [k, v] of updates) {
      const had = this.has(k);
      if (v === undefined) {
        if (!had) continue;
        if (this.#base.has(k)) overlay.set(k, DELETED);
        else overlay.delete(k);
        size--;
      } else {
        overlay.set(k, v);
        if (!had) size++;
      }
    }
    if (overlay.size > Math.max(64, size >> 3)) {
      const base = new Map<K, V>();
      for (const [k, v] of this.#base) {
        if (!overlay.has(k)) base.set(k, v);
      }
      for (const [k, v] of overlay) if (v !== DELETED) base.set(k, v as V);
      return new OverlayMap<K, V>(base, new Map(), base.size);
    }
    return new OverlayMap<K, V>(this.#base, overlay, size);
  }

  get(key: K): V | undefined {
    const o = this.#overlay.get(key);
    if (o !== undefined) return o === DELETED ? undefined : o;
    return this.#base.get(key);
  }

  has(key: K): boolean {
    const o = this.#overlay.get(key);
    if (o !== undefined) return o !== DELETED;
    return this.#base.has(key);
  }

  *entries(): MapIterator<[K, V]> {
    for (const [k, v] of this.#base) if (!this.#overlay.has(k)) yield [k, v];
    for (const [k, v] of this.#overlay) if (v !== DELETED) yield [k, v as V];
  }

  *keys(): MapIterator<K> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): MapIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  forEach(callback: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) callback.call(thisArg, v, k, this);
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }
}
