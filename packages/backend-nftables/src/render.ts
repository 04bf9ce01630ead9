import { diffStates, nodeContextEqual } from '@kproxy/api';
import type { ChangeSet, ProxyState, ServicePort } from '@kproxy/api';
import { Transaction } from '@kproxy/nftables-json';
import type { Command, Expression, Family, MapElement } from '@kproxy/nftables-json';
import { baseObjects } from './base.ts';
import type { NftablesRenderOptions, RenderContext } from './context.ts';
import { renderContext } from './context.ts';
import { Claims, claimKey, claimOf } from './claims.ts';
import type { Claim } from './claims.ts';
import { Counts } from './counts.ts';
import { fingerprint, SET } from './names.ts';
import { renderServicePort } from './port.ts';
import type { RenderedPort } from './port.ts';
import type { ChainSpec, ElementSpec, Ruleset, SetSpec } from './ruleset.ts';
import { elementId, elementVid, emptyRuleset, hairpinElement, putElement, rulesId, setSpecId } from './ruleset.ts';

/** What a render remembers for the next partial render. Immutable; safe to keep or drop. */
export interface RenderMemo {
  readonly state: ProxyState;
  readonly options: NftablesRenderOptions;
  /** Reference counts of the shared `cluster-ips` elements. */
  readonly clusterIPs: Counts;
  /** Reference counts of the shared hairpin elements (endpoint IPs). */
  readonly hairpin: Counts;
  /** Which ports claim each per-port map element (first claim wins). */
  readonly claims: Claims;
}

/** Options of one render. */
export interface RenderOptions extends NftablesRenderOptions {
  /** Changes since `previous.state`, when the caller knows them (skips the diff). */
  readonly changes?: ChangeSet;
  /** Render everything even when a partial render is possible. */
  readonly full?: boolean;
}

/** A rendered transaction and what to remember for the next one. */
export interface RenderResult {
  readonly transaction: Transaction;
  readonly full: boolean;
  readonly memo: RenderMemo;
  /** Chains this transaction empties because nothing uses them any more: delete them in a later transaction. */
  readonly staleChains: readonly string[];
  /** Chains this transaction (re)writes or needs; a pending deletion of one of them must be cancelled. */
  readonly liveChains: readonly string[];
  /** Values skipped as invalid, by service port key. */
  readonly problems: ReadonlyMap<string, readonly string[]>;
  /**
   * Sets whose elements a reconcile over a partial listing could not do without (the listing left them out
   * and something changed): list them and reconcile again. The transaction is empty then.
   */
  readonly needsListing?: readonly string[];
}

/** Rules with a content hash in the last rule's comment, so a later reconcile can compare chains cheaply. */
export function chainFingerprint(chain: ChainSpec): string {
  return chain.fp ?? `kp:${fingerprint(rulesId(chain.rules))}`;
}

/** Emits commands into a transaction, grouping element additions and deletions per set. */
class Emitter {
  readonly tx: Transaction;
  readonly #ctx: RenderContext;
  readonly #sets: ReadonlyMap<string, SetSpec>;
  constructor(ctx: RenderContext, sets: ReadonlyMap<string, SetSpec>) {
    this.#ctx = ctx;
    this.#sets = sets;
    this.tx = new Transaction({ family: ctx.family, table: ctx.table });
  }
  get #scope(): { family: Family; table: string } {
    return { family: this.#ctx.family, table: this.#ctx.table };
  }
  cmd(c: Command): void {
    this.tx.push(c);
  }
  addSet(s: SetSpec): void {
    const body = {
      ...this.#scope,
      name: s.name,
      type: s.type,
      ...(s.map ? { map: s.map } : {}),
      ...(s.typeof ? { typeof: s.typeof } : {}),
      ...(s.flags ? { flags: s.flags } : {}),
      ...(s.timeout ? { timeout: s.timeout } : {}),
      ...(s.comment ? { comment: s.comment } : {}),
    };
    this.cmd(s.map ? { add: { map: body } } : { add: { set: body } });
  }
  deleteSet(s: SetSpec): void {
    const body = { ...this.#scope, name: s.name };
    this.cmd(s.map ? { delete: { map: body } } : { delete: { set: body } });
  }
  addChain(c: ChainSpec): void {
    this.cmd({ add: { chain: { ...this.#scope, name: c.name, ...(c.base ?? {}) } } });
  }
  flushChain(name: string): void {
    this.cmd({ flush: { chain: { ...this.#scope, name } } });
  }
  deleteChain(name: string): void {
    this.cmd({ delete: { chain: { ...this.#scope, name } } });
  }
  rules(c: ChainSpec): void {
    const fp = chainFingerprint(c);
    c.rules.forEach((expr, i) => {
      this.cmd({
        add: { rule: { ...this.#scope, chain: c.name, expr, ...(i === c.rules.length - 1 ? { comment: fp } : {}) } },
      });
    });
  }
  elements(verb: 'add' | 'delete', elems: readonly ElementSpec[]): void {
    const bySet = new Map<string, ElementSpec[]>();
    for (const e of elems) {
      const l = bySet.get(e.set);
      if (l) l.push(e);
      else bySet.set(e.set, [e]);
    }
    for (const [name, list] of [...bySet].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const isMap = this.#sets.get(name)?.map !== undefined;
      const elem: (Expression | MapElement)[] = list.map((e) => {
        const key: Expression = verb === 'add' && e.comment !== undefined ? { elem: { val: e.key, comment: e.comment } } : e.key;
        return isMap && verb === 'add' ? ([key, e.value as Expression] as MapElement) : key;
      });
      const element = { ...this.#scope, name, elem };
      this.cmd(verb === 'add' ? { add: { element } } : { delete: { element } });
    }
  }
}

/** A port's first element, which carries the fingerprint of the port's chains and sets. */
export interface Anchor {
  readonly set: string;
  /** `elementId` of its key. */
  readonly id: string;
  /** `elementVid`: value and comment. */
  readonly vid: string;
}

/**
 * The whole desired ruleset of a state, plus the port renders and shared reference counts. Pure.
 */
export function desiredRuleset(state: ProxyState, options: NftablesRenderOptions = {}): {
  ruleset: Ruleset;
  ctx: RenderContext;
  clusterIPs: Counts;
  hairpin: Counts;
  claims: Claims;
  /** Per port: its chains and its anchor element (set, element id and expected value+comment). */
  ports: Map<string, { chains: string[]; anchor?: Anchor }>;
  problems: Map<string, readonly string[]>;
} {
  const ctx = renderContext(state, options);
  const rs: { -readonly [K in keyof Ruleset]: Ruleset[K] } = emptyRuleset();
  const base = baseObjects(ctx);
  for (const s of base.sets) rs.sets.set(s.name, s);
  for (const c of base.chains) rs.chains.set(c.name, c);
  for (const e of base.elements) putElement(rs, e);
  const clusterIPs: string[] = [];
  const hairpin: string[] = [];
  const problems = new Map<string, readonly string[]>();
  const claimList: Claim[] = [];
  const ports = new Map<string, { chains: string[]; anchor?: Anchor }>();
  for (const [key, sp] of sortedEntries(state)) {
    const p = renderServicePort(sp, ctx);
    const first = p.elements[0];
    ports.set(key, { chains: p.chains.map((c) => c.name), ...(first?.comment ? { anchor: { set: first.set, id: elementId(first.key), vid: elementVid(first) } } : {}) });
    if (p.problems.length) problems.set(key, p.problems);
    for (const c of p.chains) rs.chains.set(c.name, c);
    for (const s of p.sets) rs.sets.set(s.name, s);
    for (const e of p.elements) claimList.push(claimOf(key, e));
    clusterIPs.push(...p.clusterIPs);
    hairpin.push(...p.hairpinIPs);
  }
  const claims = Claims.of(claimList);
  for (const c of claims.winners()) putElement(rs, c.element, c.id);
  const ciCounts = Counts.of(clusterIPs);
  const hpCounts = Counts.of(hairpin);
  for (const ip of ciCounts.values()) putElement(rs, { set: SET.clusterIPs, key: ip });
  rs.hairpinIPs = [...hpCounts.values()];
  return { ruleset: rs, ctx, clusterIPs: ciCounts, hairpin: hpCounts, claims, ports, problems };
}

function sortedEntries(state: ProxyState): [string, ServicePort][] {
  return [...state.servicePorts.keys()].sort().map((k) => [k, state.servicePorts.get(k) as ServicePort]);
}

/** Emits a whole ruleset into an (already table-scoped) emitter: sets, chains, rules, elements. */
export function emitRuleset(em: Emitter, rs: Ruleset): void {
  for (const s of rs.sets.values()) em.addSet(s);
  for (const c of rs.chains.values()) em.addChain(c);
  for (const c of rs.chains.values()) em.rules(c);
  const elems: ElementSpec[] = [];
  for (const m of rs.elements.values()) {
    for (const e of m.values()) {
      elems.push(e);
      if (e.slots) for (const d of e.slots) elems.push(d);
    }
  }
  for (const ip of rs.hairpinIPs ?? []) elems.push(hairpinElement(ip));
  em.elements('add', elems);
}

export { Emitter };

/**
 * Renders `state` as one nftables transaction. Without `previous` (or with `full`, or when node facts or
 * options changed), the transaction replaces the whole table atomically (`add table`, `delete table`,
 * `add table`, everything). With `previous`, it writes only what changed since `previous.state`: map and
 * set elements, the chains of changed service ports (`flush` + rules), new chains and sets; chains no
 * longer used are flushed now and reported in `staleChains` for deletion in a later transaction. Pure.
 */
export function render(state: ProxyState, previous?: RenderMemo, options: RenderOptions = {}): RenderResult {
  const renderOpts: NftablesRenderOptions = { table: options.table, serviceCIDRs: options.serviceCIDRs, dataMaps: options.dataMaps };
  const canPartial =
    previous !== undefined &&
    !options.full &&
    previous.state.family === state.family &&
    nodeContextEqual(previous.state.node, state.node) &&
    JSON.stringify(previous.options) === JSON.stringify(renderOpts);
  if (!canPartial) return renderFull(state, renderOpts);
  return renderPartial(state, previous, renderOpts, options.changes);
}

function renderFull(state: ProxyState, options: NftablesRenderOptions): RenderResult {
  const d = desiredRuleset(state, options);
  const em = new Emitter(d.ctx, d.ruleset.sets);
  const table = { family: d.ctx.family, name: d.ctx.table };
  em.cmd({ add: { table } });
  em.cmd({ delete: { table } });
  em.cmd({ add: { table: { ...table, comment: 'rules for kube-proxy' } } });
  emitRuleset(em, d.ruleset);
  return {
    transaction: em.tx,
    full: true,
    memo: { state, options, clusterIPs: d.clusterIPs, hairpin: d.hairpin, claims: d.claims },
    staleChains: [],
    liveChains: [...d.ruleset.chains.keys()],
    problems: d.problems,
  };
}

function renderPartial(
  state: ProxyState,
  previous: RenderMemo,
  options: NftablesRenderOptions,
  changes: ChangeSet | undefined,
): RenderResult {
  const ctx = renderContext(state, options);
  const prevCtx = renderContext(previous.state, options);
  const changed = changes && !changes.full ? changes.changes : diffStates(previous.state, state).changes;
  const keys = [...changed.keys()].sort();

  const oldChains = new Map<string, ChainSpec>();
  const newChains = new Map<string, ChainSpec>();
  const oldSets = new Map<string, SetSpec>();
  const newSets = new Map<string, SetSpec>();
  const touched = new Map<string, Claim[]>();
  const ciDelta = new Map<string, number>();
  const hpDelta = new Map<string, number>();
  const problems = new Map<string, readonly string[]>();
  const bump = (m: Map<string, number>, k: string, d: number) => m.set(k, (m.get(k) ?? 0) + d);
  const claimsOf = (k: string): Claim[] => touched.get(k) ?? [...previous.claims.get(k)];
  const collect = (key: string, p: RenderedPort, chains: Map<string, ChainSpec>, sets: Map<string, SetSpec>, sign: number) => {
    for (const c of p.chains) chains.set(c.name, c);
    for (const s of p.sets) sets.set(s.name, s);
    for (const e of p.elements) {
      const k = claimKey(e);
      const list = claimsOf(k).filter((c) => c.port !== key);
      if (sign > 0) {
        // Keep the list sorted by port key: the first claim wins, as in a full render.
        const at = list.findIndex((c) => c.port > key);
        list.splice(at < 0 ? list.length : at, 0, claimOf(key, e));
      }
      touched.set(k, list);
    }
    for (const ip of p.clusterIPs) bump(ciDelta, ip, sign);
    for (const ip of p.hairpinIPs) bump(hpDelta, ip, sign);
  };
  for (const key of keys) {
    const before = previous.state.servicePorts.get(key);
    const after = state.servicePorts.get(key);
    if (before) collect(key, renderServicePort(before, prevCtx), oldChains, oldSets, -1);
    if (after) {
      const p = renderServicePort(after, ctx);
      if (p.problems.length) problems.set(key, p.problems);
      collect(key, p, newChains, newSets, +1);
    }
  }
  const ci = previous.clusterIPs.with(ciDelta);
  const hp = previous.hairpin.with(hpDelta);

  const allSets = new Map<string, SetSpec>(baseObjects(ctx).sets.map((s) => [s.name, s]));
  const em = new Emitter(ctx, allSets);

  // Order matters within one transaction: empty chains before the sets their rules reference go away,
  // sets before the rules that reference them, chains before the elements that jump to them.
  const stale: string[] = [];
  const rewritten: ChainSpec[] = [];
  const added: ChainSpec[] = [];
  for (const [name, c] of oldChains) {
    const n = newChains.get(name);
    if (!n) {
      em.flushChain(name);
      stale.push(name);
    } else if (chainFingerprint(n) !== chainFingerprint(c) || rulesId(n.rules) !== rulesId(c.rules)) {
      em.flushChain(name);
      rewritten.push(n);
    }
  }
  for (const [name, c] of newChains) if (!oldChains.has(name)) added.push(c);

  const delElems: ElementSpec[] = [];
  const addElems: ElementSpec[] = [];
  for (const [k, list] of touched) {
    const was = previous.claims.get(k)[0];
    const now = list[0];
    // An element's slots go and come with it (its comment fingerprints them, so new slots change its vid).
    if (was && (!now || now.vid !== was.vid)) delElems.push(was.element, ...(was.element.slots ?? []));
    if (now && (!was || now.vid !== was.vid)) addElems.push(now.element, ...(now.element.slots ?? []));
  }
  for (const ip of ci.disappeared) delElems.push({ set: SET.clusterIPs, key: ip });
  for (const ip of hp.disappeared) delElems.push(hairpinElement(ip));
  for (const ip of ci.appeared) addElems.push({ set: SET.clusterIPs, key: ip });
  for (const ip of hp.appeared) addElems.push(hairpinElement(ip));
  em.elements('delete', delElems);

  for (const [name, s] of oldSets) {
    const n = newSets.get(name);
    if (!n || setSpecId(n) !== setSpecId(s)) em.deleteSet(s);
  }
  for (const [name, s] of newSets) {
    const o = oldSets.get(name);
    if (!o || setSpecId(o) !== setSpecId(s)) em.addSet(s);
  }
  for (const c of added) em.addChain(c);
  for (const c of [...rewritten, ...added]) em.rules(c);
  em.elements('add', addElems);

  return {
    transaction: em.tx,
    full: false,
    memo: { state, options, clusterIPs: ci.counts, hairpin: hp.counts, claims: previous.claims.with(touched) },
    staleChains: stale.sort(),
    liveChains: [...newChains.keys()].sort(),
    problems,
  };
}

