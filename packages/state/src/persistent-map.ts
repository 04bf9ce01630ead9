const BUCKETS = 256;

/**
 * An immutable ReadonlyMap with cheap versions: keys are spread over 256 buckets by a string hash; a new
 * version copies the bucket array and only the buckets it touches, so k updates cost O(k * n/256 + 256)
 * with no occasional full copy, and earlier versions stay valid and unchanged. Iteration order is by bucket
 * (not insertion); sort keys when order matters. Not a `Map` (`instanceof Map` is false).
 */
export class PersistentMap<V> implements ReadonlyMap<string, V> {
  readonly #buckets: readonly (ReadonlyMap<string, V> | undefined)[];
  readonly size: number;

  private constructor(buckets: readonly (ReadonlyMap<string, V> | undefined)[], size: number) {
    this.#buckets = buckets;
    this.size = size;
  }

  /** A version holding exactly `entries` (later duplicates win). */
  static of<V>(entries: Iterable<readonly [string, V]>): PersistentMap<V> {
    const buckets: (Map<string, V> | undefined)[] = new Array(BUCKETS).fill(undefined);
    let size = 0;
    for (const [k, v] of entries) {
      const i = bucketOf(k);
      let b = buckets[i];
      if (!b) b = buckets[i] = new Map();
      if (!b.has(k)) size++;
      b.set(k, v);
    }
    return new PersistentMap<V>(buckets, size);
  }

  /** A new version with `updates` applied (`undefined` deletes the key). This version is unchanged. */
  with(updates: ReadonlyMap<string, V | undefined>): PersistentMap<V> {
    if (updates.size === 0) return this;
    const buckets = [...this.#buckets];
    const copied = new Set<number>();
    let size = this.size;
    for (const [k, v] of updates) {
      const i = bucketOf(k);
      let b = buckets[i] as Map<string, V> | undefined;
      if (!copied.has(i)) {
        b = new Map(b ?? []);
        buckets[i] = b;
        copied.add(i);
      }
      const map = b as Map<string, V>;
      if (v === undefined) {
        if (map.delete(k)) size--;
      } else {
        if (!map.has(k)) size++;
        map.set(k, v);
      }
    }
    return new PersistentMap<V>(buckets, size);
  }

  get(key: string): V | undefined {
    return this.#buckets[bucketOf(key)]?.get(key);
  }

  has(key: string): boolean {
    return this.#buckets[bucketOf(key)]?.has(key) ?? false;
  }

  *entries(): MapIterator<[string, V]> {
    for (const b of this.#buckets) if (b) yield* b.entries();
  }

  *keys(): MapIterator<string> {
    for (const b of this.#buckets) if (b) yield* b.keys();
  }

  *values(): MapIterator<V> {
    for (const b of this.#buckets) if (b) yield* b.values();
  }

  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) callback.call(thisArg, v, k, this);
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }
}

// FNV-1a over UTF-16 code units: cheap and well spread for `ns/name:port/PROTO` keys.
function bucketOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % BUCKETS;
}
