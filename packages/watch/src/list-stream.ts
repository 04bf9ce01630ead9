/**
 * Incremental parser for Kubernetes list responses (`{"kind":..,"metadata":{..},"items":[{..},..]}`): each
 * element of `items` is parsed as soon as its bytes have arrived, so a 30 MB list never exists as one
 * buffer or one string. Works on UTF-8 bytes: every byte JSON structure depends on is ASCII, and UTF-8
 * multi-byte sequences never contain ASCII bytes, so scanning bytes is exact.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJ = 0x7b;
const CLOSE_OBJ = 0x7d;
const OPEN_ARR = 0x5b;
const CLOSE_ARR = 0x5d;

const decoder = new TextDecoder();

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Incremental list-response parser: `new ListStreamParser(onItem)`, feed the body's chunks in order with
 * `push`, then call `end()`; `onItem` receives each element of `items` as soon as it is complete, and
 * `metadata` holds the list's metadata (resourceVersion, continue).
 */
export class ListStreamParser<T> {
  /** Nesting depth of objects and arrays. */
  #depth = 0;
  #inString = false;
  #escape = false;
  /** Bytes of the string token being read at depth 1 (candidate key), when any. */
  #keyParts: Uint8Array[] | undefined;
  #keyStart = -1;
  #lastKey = '';
  /** Capturing a value (an item, or the metadata object): its bytes so far and where it ends. */
  #capture: { parts: Uint8Array[]; start: number; closeDepth: number; kind: 'item' | 'metadata' } | undefined;
  #inItems = false;
  #sawRoot = false;
  readonly #onItem: (item: T) => void;
  /** The list's `metadata`, once seen. */
  metadata: { resourceVersion?: string; continue?: string } | undefined;

  constructor(onItem: (item: T) => void) {
    this.#onItem = onItem;
  }

  /** Consumes one chunk. Throws `SyntaxError` when the body is not a JSON object of the expected shape. */
  push(chunk: Uint8Array): void {
    let depth = this.#depth;
    let inString = this.#inString;
    let escape = this.#escape;
    if (this.#capture) this.#capture.start = 0;
    if (this.#keyParts) this.#keyStart = 0;
    // Most bytes are inside strings: jump through them with indexOf (native) instead of byte by byte.
    let nextQuote = -2;
    let nextBackslash = -2;
    for (let i = 0; i < chunk.length; i++) {
      if (inString) {
        if (escape) {
          escape = false;
          continue;
        }
        if (nextQuote !== -1 && nextQuote < i) nextQuote = chunk.indexOf(QUOTE, i);
        if (nextBackslash !== -1 && nextBackslash < i) nextBackslash = chunk.indexOf(BACKSLASH, i);
        if (nextBackslash !== -1 && (nextQuote === -1 || nextBackslash < nextQuote)) {
          i = nextBackslash;
          escape = true;
          continue;
        }
        if (nextQuote === -1) break;
        i = nextQuote;
      }
      const c = chunk[i];
      if (inString) {
        if (c === QUOTE) {
          inString = false;
          if (depth === 1 && this.#keyParts) {
            this.#keyParts.push(chunk.subarray(this.#keyStart, i));
            this.#lastKey = decoder.decode(concat(this.#keyParts));
            this.#keyParts = undefined;
          }
        }
        continue;
      }
      if (c === QUOTE) {
        inString = true;
        if (depth === 1 && !this.#capture) {
          this.#keyParts = [];
          this.#keyStart = i + 1;
        }
      } else if (c === OPEN_OBJ || c === OPEN_ARR) {
        if (depth === 0) {
          if (c !== OPEN_OBJ || this.#sawRoot) throw new SyntaxError('a list response must be one JSON object');
          this.#sawRoot = true;
        } else if (depth === 1 && c === OPEN_ARR && this.#lastKey === 'items') {
          this.#inItems = true;
        } else if (depth === 1 && c === OPEN_OBJ && this.#lastKey === 'metadata') {
          this.#capture = { parts: [], start: i, closeDepth: 1, kind: 'metadata' };
        } else if (depth === 2 && this.#inItems && !this.#capture) {
          this.#capture = { parts: [], start: i, closeDepth: 2, kind: 'item' };
        }
        depth++;
      } else if (c === CLOSE_OBJ || c === CLOSE_ARR) {
        depth--;
        if (depth < 0) throw new SyntaxError('unbalanced JSON');
        if (this.#capture && depth === this.#capture.closeDepth) {
          const cap = this.#capture;
          cap.parts.push(chunk.subarray(cap.start, i + 1));
          this.#capture = undefined;
          const value: unknown = JSON.parse(decoder.decode(concat(cap.parts)));
          if (cap.kind === 'item') this.#onItem(value as T);
          else this.metadata = value as { resourceVersion?: string; continue?: string };
        } else if (depth === 1 && this.#inItems && c === CLOSE_ARR) {
          this.#inItems = false;
        }
      }
    }
    if (this.#capture) this.#capture.parts.push(chunk.subarray(this.#capture.start));
    if (this.#keyParts) this.#keyParts.push(chunk.subarray(this.#keyStart));
    this.#depth = depth;
    this.#inString = inString;
    this.#escape = escape;
  }

  /** Checks that the body was complete. */
  end(): void {
    if (!this.#sawRoot || this.#depth !== 0 || this.#inString) throw new SyntaxError('truncated list response');
  }
}
