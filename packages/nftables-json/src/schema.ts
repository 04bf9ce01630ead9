/**
 * A typed model of the libnftables JSON schema (libnftables-json(5), `nft -j`), for the subset kproxy
 * emits and reads back. The types describe the exact JSON shapes: what we send to `nft -j -f -` and what
 * `nft -j list ...` prints. Where nft prints a value in more than one way (a single flag as a string, several
 * as an array), the type admits both.
 */

/** Address families of nftables tables. */
export type Family = 'ip' | 'ip6' | 'inet' | 'arp' | 'bridge' | 'netdev';

/** Every family, in a stable order. */
export const FAMILIES: readonly Family[] = ['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev'];

/** Netfilter hooks a base chain can attach to. */
export type Hook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting' | 'ingress' | 'egress';

/** Every hook, in a stable order. */
export const HOOKS: readonly Hook[] = ['prerouting', 'input', 'forward', 'output', 'postrouting', 'ingress', 'egress'];

/** Base chain types. */
export type ChainType = 'filter' | 'nat' | 'route';

/** Base chain policies. */
export type ChainPolicy = 'accept' | 'drop';

/**
 * Set and map flags. `dynamic` is printed/accepted by newer nft only: nft 1.0.6's JSON parser refuses it, and
 * the transaction builder does too (a set written by an `update` statement becomes dynamic implicitly).
 */
export type SetFlag = 'constant' | 'interval' | 'timeout' | 'dynamic';

/** Set lookup policy. */
export type SetPolicy = 'performance' | 'memory';

/**
 * A set's key type: one data type name (`ipv4_addr`, `inet_service`, `inet_proto`, `ipv6_addr`, `mark`,
 * ...), or an array of them for a concatenation (`ipv4_addr . inet_proto . inet_service`).
 */
export type SetKeyType = string | readonly string[];

// ---------------------------------------------------------------------------------------------------------
// Objects

/** `{"table": ...}`. */
export interface TableObject {
  readonly family: Family;
  readonly name: string;
  /** Kernel handle; printed by `list`, accepted by `delete` instead of `name`. */
  readonly handle?: number;
  readonly comment?: string;
  readonly flags?: string | readonly string[];
}

/** `{"chain": ...}`. A base chain has `type`, `hook` and `prio` (and optionally `policy`). */
export interface ChainObject {
  readonly family: Family;
  readonly table: string;
  readonly name: string;
  readonly handle?: number;
  /** For `rename` only (not used by kproxy). */
  readonly newname?: string;
  readonly type?: ChainType;
  readonly hook?: Hook;
  /** Numeric priority (`dstnat` is -100, `filter` 0, `srcnat` 100 in ip/ip6/inet). */
  readonly prio?: number;
  /** Device of a netdev base chain. */
  readonly dev?: string;
  readonly policy?: ChainPolicy;
  readonly comment?: string;
}

/** `{"rule": ...}`. */
export interface RuleObject {
  readonly family: Family;
  readonly table: string;
  readonly chain: string;
  /** The statements, in order. Required by add/insert/replace. */
  readonly expr?: readonly Statement[];
  /**
   * The rule's handle. Identifies the rule for delete/replace; for insert, the rule to insert before. (For
   * add, nft 1.0.6 ignores it and appends; the transaction builder refuses that combination.)
   */
  readonly handle?: number;
  /** Position for add/insert, as an alternative to `handle`. */
  readonly index?: number;
  readonly comment?: string;
}

/** `{"set": ...}`. */
export interface SetObject {
  readonly family: Family;
  readonly table: string;
  readonly name: string;
  readonly handle?: number;
  /** Key type. Required by add/create. */
  readonly type?: SetKeyType;
  readonly policy?: SetPolicy;
  readonly flags?: SetFlag | readonly SetFlag[];
  /** Initial elements (add/create) or the current ones (list). */
  readonly elem?: readonly SetElement[];
  /** Default element timeout in seconds. */
  readonly timeout?: number;
  readonly 'gc-interval'?: number;
  readonly size?: number;
  readonly comment?: string;
  /**
   * kproxy extension, not libnftables JSON: declare the key (and a map's data) by example expressions, as
   * nft's `typeof` does. Needed when a key part has no sized type name, e.g. `numgen` (an `integer`), which
   * neither a `type` declaration nor nft 1.0.6's JSON parser can express. Only the text wire can send it;
   * `type` (and `map`) must still be given, as nft lists them (`integer` for `numgen`), for the fake, the
   * validator and comparisons with listings.
   */
  readonly typeof?: SetTypeof;
}

/** A set's key (and map data) declared by expressions: `typeof ip daddr . numgen random mod 1 : ip daddr`. */
export interface SetTypeof {
  readonly key: Expression;
  readonly data?: Expression;
}

/** `{"map": ...}`: a set whose elements map keys to data (`map`), e.g. `verdict` or `ipv4_addr . inet_service`. */
export interface MapObject extends Omit<SetObject, 'elem'> {
  /** Data type of the values. Required by add/create. */
  readonly map?: SetKeyType;
  readonly elem?: readonly MapElement[];
}

/** `{"element": ...}`: elements of a named set or map, for add/create/delete. */
export interface ElementObject {
  readonly family: Family;
  readonly table: string;
  /** The set's or map's name. */
  readonly name: string;
  readonly elem: readonly (SetElement | MapElement)[];
}

/** One element of a set: a key expression, or `{"elem": ...}` carrying per-element timeout/comment. */
export type SetElement = Expression;

/** One element of a map: `[key, data]`. */
export type MapElement = readonly [Expression, Expression];

/** The objects a command can name, keyed by kind exactly as in the JSON (`{"chain": {...}}`). */
export type NftObject =
  | { readonly table: TableObject }
  | { readonly chain: ChainObject }
  | { readonly rule: RuleObject }
  | { readonly set: SetObject }
  | { readonly map: MapObject }
  | { readonly element: ElementObject };

/** The kinds of `NftObject`. */
export type ObjectKind = 'table' | 'chain' | 'rule' | 'set' | 'map' | 'element';

/** Every object kind, in the order a ruleset lists them. */
export const OBJECT_KINDS: readonly ObjectKind[] = ['table', 'chain', 'set', 'map', 'element', 'rule'];

/** The object of kind `K`. */
export type ObjectOf<K extends ObjectKind> = K extends 'table'
  ? TableObject
  : K extends 'chain'
    ? ChainObject
    : K extends 'rule'
      ? RuleObject
      : K extends 'set'
        ? SetObject
        : K extends 'map'
          ? MapObject
          : ElementObject;

/** `{"metainfo": ...}`, the first item of every `nft -j list` output. */
export interface MetainfoObject {
  readonly version?: string;
  readonly release_name?: string;
  readonly json_schema_version?: number;
}

// ---------------------------------------------------------------------------------------------------------
// Commands

/** Command verbs kproxy uses. */
export type CommandVerb = 'add' | 'create' | 'insert' | 'replace' | 'delete' | 'flush' | 'list';

/** Every command verb. */
export const COMMAND_VERBS: readonly CommandVerb[] = ['add', 'create', 'insert', 'replace', 'delete', 'flush', 'list'];

/** `{"add": obj}`: create, or do nothing if it exists (tables, chains, sets, elements); rules are appended. */
export interface AddCommand {
  readonly add: NftObject;
}
/** `{"create": obj}`: like add, but an existing object (or element) is an error. */
export interface CreateCommand {
  readonly create: NftObject;
}
/** `{"insert": {"rule": ...}}`: prepend a rule (or insert before `handle`). */
export interface InsertCommand {
  readonly insert: { readonly rule: RuleObject };
}
/** `{"replace": {"rule": ...}}`: replace the rule with `handle`. */
export interface ReplaceCommand {
  readonly replace: { readonly rule: RuleObject };
}
/** `{"delete": obj}`: remove an object (by name or handle) or elements; missing is an error. */
export interface DeleteCommand {
  readonly delete: NftObject;
}
/** `{"flush": obj}`: empty a table (its chains' rules and sets' elements), a chain, a set or a map. */
export interface FlushCommand {
  readonly flush:
    | { readonly table: TableObject }
    | { readonly chain: ChainObject }
    | { readonly set: SetObject }
    | { readonly map: MapObject }
    | { readonly ruleset: null };
}
/** `{"list": obj}`. */
export interface ListCommand {
  readonly list:
    | { readonly table: TableObject }
    | { readonly chain: ChainObject }
    | { readonly set: SetObject }
    | { readonly map: MapObject }
    | { readonly ruleset: null }
    | { readonly tables: null };
}

/** One command of a batch. */
export type Command =
  | AddCommand
  | CreateCommand
  | InsertCommand
  | ReplaceCommand
  | DeleteCommand
  | FlushCommand
  | ListCommand;

/** The document `nft -j -f -` reads: `{"nftables": [command, ...]}`. */
export interface NftablesDocument {
  readonly nftables: readonly Command[];
}

/** One item of `nft -j list ...` output. */
export type ListItem =
  | { readonly metainfo: MetainfoObject }
  | { readonly table: TableObject }
  | { readonly chain: ChainObject }
  | { readonly rule: RuleObject }
  | { readonly set: SetObject }
  | { readonly map: MapObject };

/** What `nft -j list ...` prints: `{"nftables": [metainfo, table, chain..., set..., map..., rule...]}`. */
export interface ListOutput {
  readonly nftables: readonly ListItem[];
}

// ---------------------------------------------------------------------------------------------------------
// Expressions

/** Header fields of `{"payload": ...}` kproxy uses (`th` is the transport header of any protocol). */
export type PayloadProtocol = 'ip' | 'ip6' | 'th' | 'tcp' | 'udp' | 'sctp' | 'ether' | 'icmp' | 'icmpv6';

/** `{"payload": {"protocol": "ip", "field": "saddr"}}`. */
export interface PayloadExpr {
  readonly payload:
    | { readonly protocol: PayloadProtocol | string; readonly field: string }
    | { readonly base: 'll' | 'nh' | 'th'; readonly offset: number; readonly len: number };
}

/** Meta keys kproxy uses. */
export type MetaKey = 'l4proto' | 'nfproto' | 'mark' | 'iifname' | 'oifname' | 'iif' | 'oif' | 'protocol';

/** `{"meta": {"key": "mark"}}`. */
export interface MetaExpr {
  readonly meta: { readonly key: MetaKey | string };
}

/** `{"ct": {"key": "state"}}`. */
export interface CtExpr {
  readonly ct: { readonly key: 'state' | 'status' | 'mark' | string; readonly family?: 'ip' | 'ip6'; readonly dir?: 'original' | 'reply' };
}

/** Flags of `fib`: which packet fields form the lookup key. */
export type FibFlag = 'saddr' | 'daddr' | 'mark' | 'iif' | 'oif';

/** `{"fib": {"result": "type", "flags": ["daddr"]}}` (`fib daddr type`; `fib daddr . iif type` has both). */
export interface FibExpr {
  readonly fib: { readonly result: 'oif' | 'oifname' | 'type'; readonly flags?: FibFlag | readonly FibFlag[] };
}

/** `{"numgen": {"mode": "random", "mod": N, "offset": 0}}`. */
export interface NumgenExpr {
  readonly numgen: { readonly mode: 'random' | 'inc'; readonly mod: number; readonly offset?: number };
}

/** `{"concat": [a, b, ...]}`: a concatenation (`ip daddr . meta l4proto . th dport`). */
export interface ConcatExpr {
  readonly concat: readonly Expression[];
}

/** `{"set": [...]}`: an anonymous set; elements are values, or `[key, data]` in a map/vmap. */
export interface SetExpr {
  readonly set: readonly (Expression | MapElement)[];
}

/** `{"map": {"key": k, "data": d}}`: a map lookup (`data` is an anonymous set of pairs or `"@name"`). */
export interface MapExpr {
  readonly map: { readonly key: Expression; readonly data: Expression };
}

/** `{"prefix": {"addr": "10.0.0.0", "len": 8}}`: a CIDR value. */
export interface PrefixExpr {
  readonly prefix: { readonly addr: Expression; readonly len: number };
}

/** `{"range": [low, high]}`: an inclusive range value. */
export interface RangeExpr {
  readonly range: readonly [Expression, Expression];
}

/** `{"elem": {"val": v, "timeout": s}}`: a set element with per-element properties. */
export interface ElemExpr {
  readonly elem: {
    readonly val: Expression;
    /** Seconds. */
    readonly timeout?: number;
    /** Seconds left; printed by list for elements with a timeout. */
    readonly expires?: number;
    readonly comment?: string;
  };
}

/** Binary operators as expressions: `{"|": [a, b]}` (`meta mark | 0x4000`). */
export type BinaryOperator = '|' | '&' | '^' | '<<' | '>>';

/** `{"|": [a, b]}` and friends. */
export type BinaryOpExpr =
  | { readonly '|': readonly [Expression, Expression] }
  | { readonly '&': readonly [Expression, Expression] }
  | { readonly '^': readonly [Expression, Expression] }
  | { readonly '<<': readonly [Expression, Expression] }
  | { readonly '>>': readonly [Expression, Expression] };

/** `{"jump": {"target": "chain"}}` / `{"goto": ...}`. */
export interface JumpVerdict {
  readonly jump: { readonly target: string };
}
/** `{"goto": {"target": "chain"}}`. */
export interface GotoVerdict {
  readonly goto: { readonly target: string };
}
/** Verdicts without argument: `{"accept": null}` etc. */
export type SimpleVerdict =
  | { readonly accept: null }
  | { readonly drop: null }
  | { readonly continue: null }
  | { readonly return: null };

/** A verdict, usable as a statement and as the data of a verdict map. */
export type Verdict = SimpleVerdict | JumpVerdict | GotoVerdict;

/**
 * An expression. Immediates are JSON scalars: addresses and symbolic constants (`"tcp"`, `"local"`,
 * `"established"`) are strings, ports and marks numbers; a string starting with `@` names a set or map.
 */
export type Expression =
  | string
  | number
  | boolean
  | readonly Expression[]
  | PayloadExpr
  | MetaExpr
  | CtExpr
  | FibExpr
  | NumgenExpr
  | ConcatExpr
  | SetExpr
  | MapExpr
  | PrefixExpr
  | RangeExpr
  | ElemExpr
  | BinaryOpExpr
  | Verdict;

// ---------------------------------------------------------------------------------------------------------
// Statements

/** Relational operators of `match`. `in` tests flags (`ct state established,related`) or membership. */
export type MatchOp = '==' | '!=' | '<' | '>' | '<=' | '>=' | 'in';

/** `{"match": {"op": "==", "left": l, "right": r}}`. */
export interface MatchStmt {
  readonly match: { readonly op: MatchOp; readonly left: Expression; readonly right: Expression };
}

/** `{"counter": null}` (input) or `{"counter": {"packets": 0, "bytes": 0}}` (as listed). */
export interface CounterStmt {
  readonly counter: null | { readonly packets: number; readonly bytes: number };
}

/** `{"reject": null}` or `{"reject": {"type": "tcp reset"}}` / `{"type": "icmpx", "expr": "port-unreachable"}`. */
export interface RejectStmt {
  readonly reject: null | { readonly type?: 'tcp reset' | 'icmp' | 'icmpv6' | 'icmpx'; readonly expr?: string };
}

/** `{"mangle": {"key": {"meta": {"key": "mark"}}, "value": expr}}`: `meta mark set ...`. */
export interface MangleStmt {
  readonly mangle: { readonly key: Expression; readonly value: Expression };
}

/** NAT statement flags. */
export type NatFlag = 'random' | 'fully-random' | 'persistent';

/** Body of dnat/snat. `family` is required in `inet` tables. */
export interface NatBody {
  readonly addr?: Expression;
  readonly port?: Expression;
  readonly family?: 'ip' | 'ip6';
  readonly flags?: NatFlag | readonly NatFlag[];
}

/** `{"dnat": {"addr": "10.0.0.1", "port": 80}}`. */
export interface DnatStmt {
  readonly dnat: NatBody;
}
/** `{"snat": ...}`. */
export interface SnatStmt {
  readonly snat: NatBody;
}
/** `{"masquerade": null}` or `{"masquerade": {"flags": "fully-random"}}`. */
export interface MasqueradeStmt {
  readonly masquerade: null | { readonly port?: Expression; readonly flags?: NatFlag | readonly NatFlag[] };
}

/** `{"vmap": {"key": k, "data": d}}`: a verdict map statement (`data` anonymous set of pairs or `"@map"`). */
export interface VmapStmt {
  readonly vmap: { readonly key: Expression; readonly data: Expression };
}

/**
 * `{"set": {"op": "update", "elem": e, "set": "@name"}}`: add/update an element of a dynamic set from the
 * packet (`update @affinity { ip saddr timeout 10800s }` has `elem` = `{"elem": {"val": ..., "timeout": ...}}`).
 */
export interface SetStmt {
  readonly set: { readonly op: 'add' | 'update' | 'delete'; readonly elem: Expression; readonly set: string };
}

/** `{"notrack": null}`. */
export interface NotrackStmt {
  readonly notrack: null;
}

/** A statement of a rule. */
export type Statement =
  | MatchStmt
  | CounterStmt
  | Verdict
  | RejectStmt
  | MangleStmt
  | DnatStmt
  | SnatStmt
  | MasqueradeStmt
  | VmapStmt
  | SetStmt
  | NotrackStmt;

// ---------------------------------------------------------------------------------------------------------
// Helpers over the model

/** The kind of an object (`{"chain": ...}` is `chain`). */
export function objectKind(obj: NftObject): ObjectKind {
  for (const kind of OBJECT_KINDS) if (kind in obj) return kind;
  throw new TypeError(`not an nftables object: ${JSON.stringify(obj)}`);
}

/** The verb of a command (`{"add": ...}` is `add`). */
export function commandVerb(cmd: Command): CommandVerb {
  for (const verb of COMMAND_VERBS) if (verb in cmd) return verb;
  throw new TypeError(`not an nftables command: ${JSON.stringify(cmd)}`);
}

/** The object body of a command (its single key's value's single value). */
export function commandObject(cmd: Command): { readonly kind: ObjectKind | 'ruleset' | 'tables'; readonly body: unknown } {
  const inner = (cmd as unknown as Record<string, Record<string, unknown>>)[commandVerb(cmd)];
  if (inner === null || typeof inner !== 'object') throw new TypeError(`malformed command ${JSON.stringify(cmd)}`);
  const keys = Object.keys(inner);
  if (keys.length !== 1) throw new TypeError(`command must name exactly one object: ${JSON.stringify(cmd)}`);
  const kind = keys[0] as ObjectKind | 'ruleset' | 'tables';
  return { kind, body: inner[kind] };
}

/** Base chain priorities by name, for the ip/ip6/inet families (nft's `dstnat`, `filter`, ...). */
export const PRIORITY = {
  raw: -300,
  mangle: -150,
  dstnat: -100,
  filter: 0,
  security: 50,
  srcnat: 100,
} as const;
