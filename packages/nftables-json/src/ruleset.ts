import type {
  ChainObject,
  Family,
  ListItem,
  ListOutput,
  MapElement,
  MapObject,
  MetainfoObject,
  RuleObject,
  SetElement,
  SetObject,
  TableObject,
} from './schema.ts';

/**
 * A ruleset as a structure: tables holding chains (with their rules, in order) and sets/maps (with their
 * elements). Built from `nft -j list ...` output by `parseRuleset`, printed back in the same JSON shape by
 * `rulesetToJSON`. The objects are the JSON objects nft printed, unchanged (elements and rules split out).
 */
export interface Ruleset {
  readonly tables: readonly RulesetTable[];
}

/** One table of a ruleset. Maps keep nft's listing order. */
export interface RulesetTable {
  readonly table: TableObject;
  readonly chains: ReadonlyMap<string, RulesetChain>;
  /** Named sets and maps, by name (sets and maps share one namespace per table). */
  readonly sets: ReadonlyMap<string, RulesetSet>;
}

/** A chain and its rules, in evaluation order. */
export interface RulesetChain {
  readonly chain: ChainObject;
  readonly rules: readonly RuleObject[];
}

/** A named set or map and its elements. `set` has no `elem`; the elements are in `elements`. */
export type RulesetSet =
  | { readonly kind: 'set'; readonly set: SetObject; readonly elements: readonly SetElement[] }
  | { readonly kind: 'map'; readonly set: MapObject; readonly elements: readonly MapElement[] };

/** Key of a table in a ruleset: `family name`. */
export function tableKey(family: Family, name: string): string {
  return `${family} ${name}`;
}

/** Finds a table of a ruleset. */
export function findTable(ruleset: Ruleset, family: Family, name: string): RulesetTable | undefined {
  return ruleset.tables.find((t) => t.table.family === family && t.table.name === name);
}

function without<T extends object, K extends keyof T>(obj: T, key: K): Omit<T, K> {
  const copy = { ...obj };
  delete copy[key];
  return copy;
}

/**
 * Builds the structure from `nft -j list ruleset|table|chain|set|map|chains` output (the parsed object or its
 * text). A partial listing (a chain, a set) names no table object: its table appears with `family` and `name`
 * only. Rejects a rule of a chain that was not listed.
 */
export function parseRuleset(output: ListOutput | string): Ruleset {
  const doc = (typeof output === 'string' ? JSON.parse(output) : output) as ListOutput;
  if (doc === null || typeof doc !== 'object' || !Array.isArray(doc.nftables)) {
    throw new TypeError('not nft -j list output: missing "nftables" array');
  }
  const tables = new Map<string, { table: TableObject; chains: Map<string, { chain: ChainObject; rules: RuleObject[] }>; sets: Map<string, RulesetSet> }>();
  const tableOf = (family: Family, name: string, _what: string) => {
    let t = tables.get(tableKey(family, name));
    if (t === undefined) {
      t = { table: { family, name }, chains: new Map(), sets: new Map() };
      tables.set(tableKey(family, name), t);
    }
    return t;
  };
  for (const item of doc.nftables as readonly ListItem[]) {
    if ('metainfo' in item) continue;
    if ('table' in item) {
      const known = tables.get(tableKey(item.table.family, item.table.name));
      if (known !== undefined) known.table = item.table;
      else tables.set(tableKey(item.table.family, item.table.name), { table: item.table, chains: new Map(), sets: new Map() });
    } else if ('chain' in item) {
      tableOf(item.chain.family, item.chain.table, `chain ${item.chain.name}`).chains.set(item.chain.name, { chain: item.chain, rules: [] });
    } else if ('set' in item) {
      tableOf(item.set.family, item.set.table, `set ${item.set.name}`).sets.set(item.set.name, {
        kind: 'set',
        set: without(item.set, 'elem'),
        elements: item.set.elem ?? [],
      });
    } else if ('map' in item) {
      tableOf(item.map.family, item.map.table, `map ${item.map.name}`).sets.set(item.map.name, {
        kind: 'map',
        set: without(item.map, 'elem'),
        elements: item.map.elem ?? [],
      });
    } else if ('rule' in item) {
      const chain = tableOf(item.rule.family, item.rule.table, `rule in ${item.rule.chain}`).chains.get(item.rule.chain);
      if (chain === undefined) throw new TypeError(`rule refers to chain ${item.rule.chain}, which was not listed`);
      chain.rules.push(item.rule);
    }
    // Other objects (flowtables, counters, quotas...) are outside the model and ignored.
  }
  return { tables: [...tables.values()] };
}

/**
 * Prints a ruleset in the shape of `nft -j list ruleset` (or `list table` for a one-table ruleset): metainfo,
 * then per table the table, its sets and maps, its chains, and the rules chain by chain.
 */
export function rulesetToJSON(ruleset: Ruleset, metainfo?: MetainfoObject): ListOutput {
  const items: ListItem[] = [];
  if (metainfo !== undefined) items.push({ metainfo });
  for (const t of ruleset.tables) {
    items.push({ table: t.table });
    for (const s of t.sets.values()) {
      if (s.kind === 'set') items.push({ set: s.elements.length === 0 ? s.set : { ...s.set, elem: s.elements } });
      else items.push({ map: s.elements.length === 0 ? s.set : { ...s.set, elem: s.elements } });
    }
    for (const c of t.chains.values()) items.push({ chain: c.chain });
    for (const c of t.chains.values()) for (const r of c.rules) items.push({ rule: r });
  }
  return { nftables: items };
}
