import type { ElementSpec } from './ruleset.ts';
import { claimGroup } from './names.ts';
import { elementId, elementVid } from './ruleset.ts';

/** One service port's claim on a map or set element. */
export interface Claim {
  /** The claiming service port's key. */
  readonly port: string;
  readonly element: ElementSpec;
  /** `elementVid(element)`, precomputed. */
  readonly vid: string;
}

/** The identity of an element across sets: its key within its claim group (see `claimGroup`). */
export function claimKey(e: ElementSpec): string {
  return `${claimGroup(e.set)}\u0000${elementId(e.key)}`;
}

/** A claim of `element` by `port`. Its `vid` names the set too: a key may move between sets of its group. */
export function claimOf(port: string, element: ElementSpec): Claim {
  return { port, element, vid: `${element.set}\u0000${elementVid(element)}` };
}

/**
 * Which service ports claim each per-port element, sorted by port key. The first claim wins, so two
 * ports claiming one key (two Services with the same external IP, port and protocol) resolve the same way
 * in a full render and after any sequence of partial renders. Immutable, with cheap derived versions (a
 * shared base map plus a small overlay), like `Counts`.
 */
export class Claims {
  readonly #base: ReadonlyMap<string, readonly Claim[]>;
  readonly #overlay: ReadonlyMap<string, readonly Claim[]>;

  private constructor(base: ReadonlyMap<string, readonly Claim[]>, overlay: ReadonlyMap<string, readonly Claim[]>) {
    this.#base = base;
    this.#overlay = overlay;
  }

  /** Claims built from claims given in port-key order. */
  static of(claims: Iterable<Claim>): Claims {
    const m = new Map<string, Claim[]>();
    for (const c of claims) {
      const k = claimKey(c.element);
      const l = m.get(k);
      if (l) l.push(c);
      else m.set(k, [c]);
    }
    return new Claims(m, new Map());
  }

  /** The claims on one element key, winner first; empty when none. */
  get(key: string): readonly Claim[] {
    return this.#overlay.get(key) ?? this.#base.get(key) ?? [];
  }

  /** The winning claims, in first-claimed order. */
  winners(): Claim[] {
    const out: Claim[] = [];
    for (const [k, l] of this.#base) {
      const cur = this.#overlay.get(k) ?? l;
      if (cur.length) out.push(cur[0] as Claim);
    }
    for (const [k, l] of this.#overlay) if (!this.#base.has(k) && l.length) out.push(l[0] as Claim);
    return out;
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
