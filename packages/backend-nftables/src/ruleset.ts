import type {
  ChainPolicy,
  ChainType,
  Expression,
  Hook,
  SetFlag,
  SetKeyType,
  SetTypeof,
  Statement,
} from '@kproxy/nftables-json';
import { concat } from './exprs.ts';
import { SET, SLOT_MAPS } from './names.ts';

/**
 * The backend's own description of a desired ruleset: chains with their rules, sets/maps with their specs,
 * and elements keyed by a canonical id. Full renders, partial renders and the start-up reconcile all diff
 * values of these types and turn the difference into commands.
 */

/** A base chain's hook. */
export interface BaseChainSpec {
  readonly type: ChainType;
  readonly hook: Hook;
  readonly prio: number;
  readonly policy: ChainPolicy;
}

/** A chain and its rules (each rule a list of statements). */
export interface ChainSpec {
  readonly name: string;
  readonly base?: BaseChainSpec;
  readonly rules: readonly (readonly Statement[])[];
  /** Content fingerprint of `rules`, when already computed (see `chainFingerprint`). */
  readonly fp?: string;
}

/** A named set (`map` undefined) or map. */
export interface SetSpec {
  readonly name: string;
  readonly type: SetKeyType;
  /** Data type of a map (`verdict`, or `ipv4_addr . inet_service` as a list). */
  readonly map?: SetKeyType;
  /** Key and data declared by example (needed for a `numgen` part); `type`/`map` say what nft lists. */
  readonly typeof?: SetTypeof;
  readonly flags?: readonly SetFlag[];
  /** Default element timeout in seconds (dynamic affinity sets). */
  readonly timeout?: number;
  /** Elements are written by the packet path (`update @set`), never by the backend. */
  readonly dynamic?: boolean;
  readonly comment?: string;
}

/** One element of a named set or map. */
export interface ElementSpec {
  readonly set: string;
  readonly key: Expression;
  readonly value?: Expression;
  /**
   * Element comment: the owning port's content fingerprint on its anchor element; on a counted-set element
   * (data maps), the fingerprint of its `slots` (so a listing of the small counted sets tells whether the big
   * slot maps hold the right endpoints for the key).
   */
  readonly comment?: string;
  /**
   * Elements that exist exactly when this one does, written and removed with it: a counted-set element's
   * endpoint slots (`key . i : endpoint . port` in `service-endpoints` / `nodeport-endpoints`).
   */
  readonly slots?: readonly ElementSpec[];
}

/** Canonical identity of an element's key within its set. */
export function elementId(key: Expression): string {
  // Fast paths for the shapes the renderer emits (a bare value, a concatenation of scalars); the id only
  // has to be unique within one set, whose key type fixes the shape.
  if (typeof key === 'string' || typeof key === 'number') return String(key);
  if (typeof key === 'object' && key !== null && 'concat' in key) {
    const parts = (key as { concat: readonly Expression[] }).concat;
    if (parts.every((p) => typeof p === 'string' || typeof p === 'number')) return parts.join(' . ');
  }
  return JSON.stringify(key);
}

/** Canonical form of an element's value, for change detection. */
export function valueId(value: Expression | undefined): string {
  return value === undefined ? '' : JSON.stringify(value);
}

/** Canonical form of what an element carries besides its key (value and comment), for change detection. */
export function elementVid(e: Pick<ElementSpec, 'value' | 'comment'>): string {
  return `${valueId(e.value)}#${e.comment ?? ''}`;
}

/** Canonical form of a chain's rules, for change detection. */
export function rulesId(rules: readonly (readonly Statement[])[]): string {
  return JSON.stringify(rules);
}

/** Canonical form of a set's spec: two specs with the same id need no re-creation. */
export function setSpecId(spec: SetSpec): string {
  return JSON.stringify([typeId(spec.type), spec.map === undefined ? null : typeId(spec.map), [...(spec.flags ?? [])].sort(), spec.timeout ?? null]);
}

/**
 * Canonical form of a set key or map data type: nft lists a one-part type as a string, a concatenated map
 * data type as one string (`ipv4_addr . inet_service`), and a concatenated key as a list.
 */
export function typeId(t: SetKeyType): string {
  const parts = typeof t === 'string' ? t.split(' . ') : t;
  return parts.join(' . ');
}

/** The objects one service port contributes to the ruleset. */
export interface PortObjects {
  readonly chains: readonly ChainSpec[];
  readonly sets: readonly SetSpec[];
  readonly elements: readonly ElementSpec[];
  /** Shared, reference-counted elements: the cluster IP (`cluster-ips`). */
  readonly clusterIPs: readonly string[];
  /** Shared, reference-counted elements: endpoint IPs of the hairpin set. */
  readonly hairpinIPs: readonly string[];
}

/** A whole desired ruleset. */
export interface Ruleset {
  readonly chains: Map<string, ChainSpec>;
  readonly sets: Map<string, SetSpec>;
  /**
   * Elements by set name, then by `elementId`. Endpoint slots are not here: they hang off their counted-set
   * element (`ElementSpec.slots`; `slotElements` collects them by slot map).
   */
  readonly elements: Map<string, Map<string, ElementSpec>>;
  /**
   * The endpoint IPs of the hairpin set, when its elements (`ip . ip`, one per address: 100,000 at 10,000
   * services) are not in `elements` (built only when a reconcile compares them: `wantedElements`).
   */
  readonly hairpinIPs?: readonly string[];
}

/** The wanted elements of one endpoint slot map, by `elementId`: the slots of every counted-set element. */
export function slotElements(ruleset: Ruleset, slotMap: string): Map<string, ElementSpec> {
  const out = new Map<string, ElementSpec>();
  for (const m of ruleset.elements.values()) {
    for (const e of m.values()) for (const d of e.slots ?? []) if (d.set === slotMap) out.set(elementId(d.key), d);
  }
  return out;
}

/** An empty ruleset. */
export function emptyRuleset(): Ruleset {
  return { chains: new Map(), sets: new Map(), elements: new Map() };
}

/** The hairpin element of one endpoint IP: `ip . ip`. */
export function hairpinElement(ip: string): ElementSpec {
  return { set: SET.hairpin, key: concat(ip, ip) };
}

/** The wanted elements of one set by `elementId`, including those kept out of `elements` (slots, hairpin). */
export function wantedElements(ruleset: Ruleset, set: string): Map<string, ElementSpec> {
  if (set === SET.hairpin && ruleset.hairpinIPs) {
    const out = new Map<string, ElementSpec>();
    for (const ip of ruleset.hairpinIPs) {
      const e = hairpinElement(ip);
      out.set(elementId(e.key), e);
    }
    return out;
  }
  if (SLOT_MAPS.has(set)) return slotElements(ruleset, set);
  return ruleset.elements.get(set) ?? new Map<string, ElementSpec>();
}

/** Adds an element to a ruleset (last write wins). `id` is `elementId(element.key)` when already known. */
export function putElement(ruleset: Ruleset, element: ElementSpec, id?: string): void {
  let m = ruleset.elements.get(element.set);
  if (!m) {
    m = new Map();
    ruleset.elements.set(element.set, m);
  }
  m.set(id ?? elementId(element.key), element);
}
