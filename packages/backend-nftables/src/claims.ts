import type { ElementSpec } from './ruleset.ts';
import { claimGroup } from './names.ts';
import { elementId, elementVid } from './ruleset.ts';

/** One service port's claim on a map or set element. */
export interface Claim {
  /** The claiming service port's key. */
  readonly port: string;
  readonly element: ElementSpec;
  /** `elementId(element.key)`. */
  readonly id: string;
  /** The set and `elementVid(element)`: a key may move between the sets of its group. Computed on first use. */
  readonly vid: string;
}

const GROUPS = new Map<string, string>();

/** `claimGroup`, memoised (a render asks for every element; there are a few dozen set names). */
function groupOf(set: string): string {
  let g = GROUPS.get(set);
  if (g === undefined) {
    g = claimGroup(set);
    if (GROUPS.size < 4096) GROUPS.set(set, g);
  }
  return g;
}

/** The claim key of the element with `elementId` `id` in `set`. */
function keyIn(set: string, id: string): string {
  return `${groupOf(set)}\u0000${id}`;
}

/** The identity of an element across sets: its key within its claim group (see `claimGroup`). */
export function claimKey(e: ElementSpec): string {
  return keyIn(e.set, elementId(e.key));
}

class ClaimOf implements Claim {
  readonly port: string;
  readonly element: ElementSpec;
  readonly id: string;
  #vid: string | undefined;
  constructor(port: string, element: ElementSpec, id: string) {
    this.port = port;
    this.element = element;
    this.id = id;
  }
  get vid(): string {
    return (this.#vid ??= `${this.element.set}\u0000${elementVid(this.element)}`);
  }
}

/** A claim of `element` by `port`. */
export function claimOf(port: string, element: ElementSpec): Claim {
  return new ClaimOf(port, element, elementId(element.key));
}



/**
 * Which service ports claim each per-port element, sorted by port key. The first claim wins, so two
 * ports claiming one key (two Services with the same external IP, port and protocol) resolve the same way
 * in a full render and after any sequence of partial renders. Immutable, with cheap derived versions (a
 * shared base map plus a small overlay), like `Counts`.
 */
type Entry = Claim | readonly Claim[];

/** The claims of an entry (a lone claim is stored bare: nearly every key has one). */
function listOf(e: Entry | undefined): readonly Claim[] {
  return e === undefined ? [] : Array.isArray(e) ? e : [e as Claim];
}

export class Claims {
  readonly #base: ReadonlyMap<string, Entry>;
  readonly #overlay: ReadonlyMap<string, readonly Claim[]>;

  private constructor(base: ReadonlyMap<string, Entry>, overlay: ReadonlyMap<string, readonly Claim[]>) {
    this.#base = base;
    this.#overlay = overlay;
  }

  /** Claims built from claims given in port-key order. */
  static of(claims: Iterable<Claim>): Claims {
    const m = new Map<string, Entry>();
    for (const c of claims) {
      const k = keyIn(c.element.set, c.id);
      const e = m.get(k);
      if (e === undefined) m.set(k, c);
      else m.set(k, [...listOf(e), c]);
    }
    return new Claims(m, new Map());
  }

  /** The claims on one element key, winner first; empty when none. */
  get(key: string): readonly Claim[] {
    return this.#overlay.get(key) ?? listOf(this.#base.get(key));
  }

  /** The winning claims, in first-claimed order. */
  winners(): Claim[] {
    const out: Claim[] = [];
    for (const [k, e] of this.#base) {
      const cur = this.#overlay.get(k);
      if (cur === undefined) out.push(Array.isArray(e) ? (e[0] as Claim) : (e as Claim));
      else if (cur.length) out.push(cur[0] as Claim);
    }
    for (const [k, l] of this.#overlay) if (!this.#base.has(k) && l.length) out.push(l[0] as Claim);
    return out;
  }

  /** Whether some element key is claimed by more than one port. */
  hasConflicts(): boolean {
    for (const e of this.#base.values()) if (Array.isArray(e) && e.length > 1) return true;
    for (const l of this.#overlay.values()) if (l.length > 1) return true;
    return false;
  }

  /** A new value with the claim lists of `updates` replaced. */
  with(updates: ReadonlyMap<string, readonly Claim[]>): Claims {
    const overlay = new Map(this.#overlay);
    for (const [k, l] of updates) overlay.set(k, l);
    if (overlay.size > 2048) {
      const base = new Map(this.#base);
      for (const [k, l] of overlay) {
        if (l.length === 0) base.delete(k);
        else base.set(k, l);
      }
      return new Claims(base, new Map());
    }
    return new Claims(this.#base, overlay);
  }
}
