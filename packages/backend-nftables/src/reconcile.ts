import type { ProxyState } from '@kproxy/api';
import type { Expression, RulesetTable, SetKeyType } from '@kproxy/nftables-json';
import { baseObjects } from './base.ts';
import { countedSetOf, SET, SLOT_MAPS } from './names.ts';
import type { NftablesRenderOptions } from './context.ts';
import type { RenderResult } from './render.ts';
import { chainFingerprint, desiredRuleset, Emitter, emitRuleset } from './render.ts';
import type { ElementSpec, SetSpec } from './ruleset.ts';
import { elementId, elementVid, setSpecId, typeId, wantedElements } from './ruleset.ts';

function asList<T>(v: T | readonly T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? [...(v as readonly T[])] : [v as T];
}

function listedSpecId(set: { type?: SetKeyType; map?: SetKeyType; flags?: unknown; timeout?: number }): string {
  const type = set.type === undefined ? null : typeId(set.type);
  return JSON.stringify([type, set.map === undefined ? null : typeId(set.map), asList(set.flags as string | string[] | undefined).filter((f) => f !== 'dynamic').sort(), set.timeout ?? null]);
}

function isConcat(e: Expression): e is { concat: Expression[] } {
  return typeof e === 'object' && e !== null && !Array.isArray(e) && 'concat' in e;
}

function keyOf(e: unknown): { key: Expression; comment?: string } {
  // A set element is printed bare, or as `{"elem": {"val": ..., "comment": ...}}` when it has properties.
  if (e !== null && typeof e === 'object' && !Array.isArray(e) && 'elem' in e) {
    const inner = (e as { elem: { val: Expression; comment?: string } }).elem;
    return { key: inner.val, ...(inner.comment !== undefined ? { comment: inner.comment } : {}) };
  }
  return { key: e as Expression };
}

/**
 * Renders the transaction that turns the table as listed (`existing`, from one `nft -j list table`) into the
 * desired ruleset of `state`, writing only what is missing or different: the start-up path that must not
 * rewrite a large table from scratch, and the periodic full sync. Chains are compared by rule count and
 * the content fingerprint the renderer puts in each chain's last rule comment. When the fixed layout
 * differs (base chain hooks, set types: another version's table), the table is replaced atomically.
 * Without an existing table, this is the plain full render. Pure.
 */
export function reconcile(
  state: ProxyState,
  existing: RulesetTable | undefined,
  options: NftablesRenderOptions = {},
  listing: { readonly rulesListed: boolean; readonly slotsListed?: boolean; readonly hairpinListed?: boolean } = { rulesListed: true },
): RenderResult {
  const d = desiredRuleset(state, options);
  const rs = d.ruleset;
  const em = new Emitter(d.ctx, rs.sets);
  const table = { family: d.ctx.family, name: d.ctx.table };
  const result = (staleChains: string[]): RenderResult => ({
    transaction: em.tx,
    full: true,
    memo: { state, options, clusterIPs: d.clusterIPs, hairpin: d.hairpin, claims: d.claims },
    staleChains,
    liveChains: [...rs.chains.keys()],
    problems: d.problems,
  });

  const compatible =
    existing !== undefined &&
    [...rs.chains.values()].every((c) => {
      const have = existing.chains.get(c.name)?.chain;
      if (!c.base) return !have || have.hook === undefined;
      return have === undefined || (have.type === c.base.type && have.hook === c.base.hook && have.prio === c.base.prio && (have.policy ?? 'accept') === c.base.policy);
    }) &&
    [...rs.sets.values()].every((s) => {
      const have = existing.sets.get(s.name);
      return !have || s.dynamic === true || ((have.kind === 'map') === (s.map !== undefined) && listedSpecId(have.set) === setSpecId(s));
    }) &&
    [...existing.chains.values()].every((c) => c.chain.hook === undefined || rs.chains.has(c.chain.name));

  if (!compatible) {
    em.cmd({ add: { table } });
    if (existing) em.cmd({ delete: { table } });
    if (existing) em.cmd({ add: { table: { ...table, comment: 'rules for kube-proxy' } } });
    emitRuleset(em, rs);
    return result([]);
  }

  // Existing elements by set, then id: key and value+comment. Built once (the anchor checks and the element
  // diff both use it), so the reconcile stays linear in the number of elements.
  const listed = new Map<string, Map<string, { key: Expression; vid: string }>>();
  for (const [name, have] of existing.sets) {
    if (rs.sets.get(name)?.dynamic) continue;
    const m = new Map<string, { key: Expression; vid: string }>();
    const isPair = have.kind === 'map';
    for (const raw of have.elements) {
      const k = keyOf(isPair ? (raw as readonly [Expression, Expression])[0] : raw);
      const value = isPair ? (raw as readonly [Expression, Expression])[1] : undefined;
      m.set(elementId(k.key), { key: k.key, vid: elementVid({ value, ...(k.comment !== undefined ? { comment: k.comment } : {}) }) });
    }
    listed.set(name, m);
  }

  // 1. Empty the chains that differ or are no longer wanted (before sets their rules use go away).
  const stale: string[] = [];
  const rewrite = [];
  const create = [];
  // Without the rules (the cheap start-up listing), a port's chains are current when its anchor element
  // carries the fingerprint of exactly the chains and sets it wants; the fixed chains are taken as current
  // (the caller checked the `services` chain as a canary).
  const current = new Set<string>();
  if (!listing.rulesListed) {
    for (const c of baseObjects(d.ctx).chains) current.add(c.name);
    for (const port of d.ports.values()) {
      if (!port.anchor) continue;
      const found = listed.get(port.anchor.set)?.get(port.anchor.id)?.vid === port.anchor.vid;
      if (found && port.chains.every((c) => existing.chains.has(c))) for (const c of port.chains) current.add(c);
    }
  }
  // The counted sets' elements that differ between the listing and the wanted ruleset (both ways): their
  // comments fingerprint the keys' endpoint slots, so this is what the slot maps and the hairpin pairs, when
  // they were not listed, may differ by.
  const countedGone: { name: string; key: Expression; n: number; slotMap: string }[] = [];
  const countedNew: ElementSpec[] = [];
  if (listing.slotsListed === false || listing.hairpinListed === false) {
    for (const [name, seen] of listed) {
      const counted = countedSetOf(name);
      if (!counted) continue;
      const wanted = rs.elements.get(name);
      for (const [id, e] of seen) {
        const w = wanted?.get(id);
        if (!w || elementVid(w) !== e.vid) countedGone.push({ name, key: e.key, n: counted.n, slotMap: counted.slotMap });
      }
    }
    for (const [name, wanted] of rs.elements) {
      if (!countedSetOf(name)) continue;
      const seen = listed.get(name);
      for (const [id, w] of wanted) if (seen?.get(id)?.vid !== elementVid(w)) countedNew.push(w);
    }
  }

  // Without the hairpin set's elements (the cheap start-up listing): they are a function of every port's
  // endpoints, so they are current when every port's chains and counted-set elements are (their fingerprints
  // cover the endpoints), nothing is left over from ports that are gone, and no key is claimed twice (a losing
  // port's endpoints are in the set, but no fingerprint in the kernel covers them). Otherwise ask for them.
  const hairpinUnlisted = listing.hairpinListed === false;
  if (hairpinUnlisted) {
    const chainCurrent = (name: string): boolean => {
      if (!listing.rulesListed) return current.has(name);
      const want = rs.chains.get(name);
      const have = existing.chains.get(name);
      return want !== undefined && have !== undefined && have.rules.length === want.rules.length && have.rules[have.rules.length - 1]?.comment === chainFingerprint(want);
    };
    const trusted =
      countedGone.length === 0 &&
      countedNew.length === 0 &&
      !d.claims.hasConflicts() &&
      [...existing.chains.keys()].every((name) => rs.chains.has(name)) &&
      [...rs.chains.keys()].every(chainCurrent);
    if (!trusted) return { ...result([]), needsListing: [SET.hairpin] };
  }

  for (const [name, have] of existing.chains) {
    const want = rs.chains.get(name);
    if (!want) {
      // Unknown contents without a rule listing: flush in any case (flushing an empty chain is harmless).
      if (have.rules.length > 0 || !listing.rulesListed) em.flushChain(name);
      stale.push(name);
      continue;
    }
    if (!listing.rulesListed) {
      if (!current.has(name)) {
        em.flushChain(name);
        rewrite.push(want);
      }
      continue;
    }
    const fp = chainFingerprint(want);
    const last = have.rules[have.rules.length - 1];
    if (have.rules.length !== want.rules.length || last?.comment !== fp) {
      if (have.rules.length > 0) em.flushChain(name);
      rewrite.push(want);
    }
  }
  for (const c of rs.chains.values()) if (!existing.chains.has(c.name)) create.push(c);

  // 2. Elements: delete what is extra or different, in sets that stay.
  const addElems: ElementSpec[] = [];
  const delElems: ElementSpec[] = [];
  // Without the endpoint slot maps' elements (the cheap listing), a key's slots are current when its listed
  // counted-set element carries the same slot fingerprint; otherwise the listed key's slots (0..n-1, n from its
  // set's name) go and the wanted ones come.
  const slotsUnlisted = listing.slotsListed === false;
  if (slotsUnlisted) {
    for (const g of countedGone) {
      const parts = isConcat(g.key) ? g.key.concat : [g.key];
      for (let i = 0; i < g.n; i++) delElems.push({ set: g.slotMap, key: { concat: [...parts, i] } });
    }
    for (const w of countedNew) addElems.push(...(w.slots ?? []));
  }
  for (const [name, want] of rs.sets) {
    if (want.dynamic) continue;
    if (slotsUnlisted && SLOT_MAPS.has(name)) continue;
    if (hairpinUnlisted && name === SET.hairpin) continue;
    const wanted = wantedElements(rs, name);
    const seen = listed.get(name) ?? new Map<string, { key: Expression; vid: string }>();
    for (const [id, e] of seen) {
      const w = wanted.get(id);
      if (!w || elementVid(w) !== e.vid) delElems.push({ set: name, key: e.key });
    }
    for (const [id, w] of wanted) if (seen.get(id)?.vid !== elementVid(w)) addElems.push(w);
  }
  em.elements('delete', delElems);

  // 3. Sets: remove stale ones (affinity sets of services that went away), add missing ones.
  for (const [name, have] of existing.sets) {
    const want = rs.sets.get(name);
    if (!want || listedSpecId(have.set) !== setSpecId(want)) {
      em.deleteSet({ name, type: '', ...(have.kind === 'map' ? { map: 'verdict' } : {}) } as SetSpec);
    }
  }
  for (const [name, want] of rs.sets) {
    const have = existing.sets.get(name);
    if (!have || listedSpecId(have.set) !== setSpecId(want)) em.addSet(want);
  }

  // 4. Chains and rules, then the elements that jump to them.
  for (const c of create) em.addChain(c);
  for (const c of [...rewrite, ...create]) em.rules(c);
  em.elements('add', addElems);
  return result(stale.sort());
}
