import { InvalidCommandError } from './errors.ts';
import type {
  ChainObject,
  Command,
  CommandVerb,
  ElementObject,
  Family,
  MapObject,
  NftablesDocument,
  RuleObject,
  SetObject,
  TableObject,
} from './schema.ts';
import { commandText } from './text.ts';
import { commandProblem } from './validate.ts';

/** Family and table filled into objects that omit them (knftables' "default table"). */
export interface TransactionDefaults {
  readonly family?: Family;
  readonly table?: string;
}

/** An object whose `family`/`table` may be left to the transaction's defaults. */
export type Scoped<T> = Omit<T, 'family' | 'table'> & { readonly family?: Family; readonly table?: string };

/** A table whose family and name may be left to the transaction's defaults. */
export type TableInput = Omit<TableObject, 'family' | 'name'> & { readonly family?: Family; readonly name?: string };

/** An object as given to a transaction method. */
export type ObjectInput =
  | { readonly table: TableInput }
  | { readonly chain: Scoped<ChainObject> }
  | { readonly rule: Scoped<RuleObject> }
  | { readonly set: Scoped<SetObject> }
  | { readonly map: Scoped<MapObject> }
  | { readonly element: Scoped<ElementObject> };

/** What `flush` accepts. */
export type FlushInput =
  | { readonly table: TableInput }
  | { readonly chain: Scoped<ChainObject> }
  | { readonly set: Scoped<SetObject> }
  | { readonly map: Scoped<MapObject> };

/**
 * A batch of nftables commands, applied atomically by `NftClient.apply` (`nft -j -f -`). Commands are
 * validated as they are added (names, families, required fields, expression shapes); an invalid one is not
 * recorded, the first error is kept in `error`, and a client refuses to apply a transaction that has one.
 *
 * ```ts
 * const tx = new Transaction({ family: 'ip', table: 'kube-proxy' });
 * tx.add({ table: {} }).add({ chain: { name: 'services' } }).flush({ chain: { name: 'services' } });
 * tx.add({ rule: { chain: 'services', expr: [{ accept: null }] } });
 * await client.apply(tx);
 * ```
 */
export class Transaction {
  readonly #defaults: TransactionDefaults;
  readonly #commands: Command[] = [];
  /** Statement objects already validated in this transaction (renderers share them between rules). */
  readonly #validStatements = new WeakSet<object>();
  #error: InvalidCommandError | undefined;

  constructor(defaults: TransactionDefaults = {}) {
    this.#defaults = defaults;
  }

  /** The family/table filled into objects that omit them. */
  get defaults(): TransactionDefaults {
    return this.#defaults;
  }

  /** The recorded commands, in order. */
  get commands(): readonly Command[] {
    return this.#commands;
  }

  /** Number of recorded commands. */
  get size(): number {
    return this.#commands.length;
  }

  /** The first validation error, if any command was refused. */
  get error(): InvalidCommandError | undefined {
    return this.#error;
  }

  /** `add`: create the object if missing (a rule is appended; elements are added, existing ones kept). */
  add(obj: ObjectInput): this {
    return this.#record('add', obj);
  }

  /** `create`: like add, but an existing object or element makes the whole transaction fail. */
  create(obj: Exclude<ObjectInput, { readonly rule: unknown }>): this {
    return this.#record('create', obj);
  }

  /** `insert`: prepend a rule to its chain (or insert it before the rule with `handle`). */
  insert(obj: { readonly rule: Scoped<RuleObject> }): this {
    return this.#record('insert', obj);
  }

  /** `replace`: replace the rule with `handle`. */
  replace(obj: { readonly rule: Scoped<RuleObject> }): this {
    return this.#record('replace', obj);
  }

  /** `delete`: remove an object (by name, or by handle) or some elements; a missing one fails the transaction. */
  delete(obj: ObjectInput): this {
    return this.#record('delete', obj);
  }

  /** `flush`: remove every rule of a chain or table, or every element of a set or map. */
  flush(obj: FlushInput): this {
    return this.#record('flush', obj);
  }

  /** Appends already-built commands (validated like the others). */
  push(...commands: readonly Command[]): this {
    for (const cmd of commands) this.#check(cmd);
    return this;
  }

  /** The exact document sent to `nft -j -f -`. */
  toJSON(): NftablesDocument {
    return { nftables: this.#commands };
  }

  /** The document as the exact text sent to nft's standard input. */
  serialize(): string {
    return JSON.stringify(this.toJSON());
  }

  /** A readable text form (one nft-like line per command), for logs and `kproxy diff`. */
  toString(): string {
    return this.#commands.map((c) => commandText(c)).join('\n');
  }

  #record(verb: CommandVerb, obj: ObjectInput | FlushInput): this {
    const kinds = Object.keys(obj);
    if (kinds.length !== 1) {
      this.#fail(`${verb} must name exactly one object, got ${JSON.stringify(kinds)}`);
      return this;
    }
    const kind = kinds[0] ?? '';
    const body = (obj as Record<string, Record<string, unknown> | undefined>)[kind] ?? {};
    const filled: Record<string, unknown> = { family: body['family'] ?? this.#defaults.family };
    if (kind === 'table') {
      filled['name'] = body['name'] ?? (body['handle'] === undefined ? this.#defaults.table : undefined);
    } else {
      filled['table'] = body['table'] ?? this.#defaults.table;
    }
    for (const [k, v] of Object.entries(body)) {
      if (k !== 'family' && k !== 'table' && !(kind === 'table' && k === 'name') && v !== undefined) filled[k] = v;
    }
    if (filled['name'] === undefined) delete filled['name'];
    this.#check({ [verb]: { [kind]: filled } } as unknown as Command);
    return this;
  }

  #check(cmd: Command): void {
    const problem = commandProblem(cmd, this.#validStatements);
    if (problem === undefined) {
      this.#commands.push(cmd);
      return;
    }
    let where = '';
    try {
      where = `: ${commandText(cmd)}`;
    } catch {
      where = `: ${JSON.stringify(cmd)}`;
    }
    this.#fail(`${problem}${where.length > 400 ? `${where.slice(0, 400)}...` : where}`);
  }

  #fail(message: string): void {
    this.#error ??= new InvalidCommandError(`invalid nftables command #${this.#commands.length}: ${message}`, this.#commands.length);
  }
}

/**
 * The document to send for `tx`: a Transaction's own (its first recorded error thrown instead), or a raw
 * document whose every command is validated first. Shared by the nft client and the fake, so both refuse
 * exactly the same input before anything is applied. Throws `InvalidCommandError`.
 */
export function documentOf(tx: Transaction | NftablesDocument): NftablesDocument {
  if (tx instanceof Transaction) {
    if (tx.error !== undefined) throw tx.error;
    return tx.toJSON();
  }
  tx.nftables.forEach((cmd, i) => {
    const problem = commandProblem(cmd);
    if (problem !== undefined) throw new InvalidCommandError(`invalid nftables command #${i}: ${problem}`, i);
  });
  return tx;
}
