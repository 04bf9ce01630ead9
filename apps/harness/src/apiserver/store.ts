/**
 * The API server's storage: objects per resource type, one global resource version counter (like etcd's
 * revision), an event history for watches to resume from, compaction, and live watch fan-out with label
 * and field selectors. Synchronous: every write is dispatched to all open watches before it returns, so a
 * test that changes objects and then closes watches sees a consistent order.
 */
import { randomUUID } from 'node:crypto';
import { ApiError } from './api-error.ts';
import { Allocator, defaultEndpointSlice, defaultService } from './defaults.ts';
import { fieldsMatch, type FieldSelector } from './field-selector.ts';
import { labelsMatch, type LabelSelector } from './label-selector.ts';
import { applyJsonPatch } from './json-patch.ts';
import { applyMergePatch } from './merge-patch.ts';
import { apiVersionOf, type ResourceType } from './resources.ts';

/** A plain Kubernetes object as JSON. */
export type KubeObject = Record<string, unknown> & {
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    [field: string]: unknown;
  };
};

/** Watch event types. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** A stored object with its cached JSON text. */
interface Stored {
  readonly obj: KubeObject;
  readonly json: string;
}

interface HistoryEvent {
  readonly rv: number;
  readonly type: ResourceType;
  readonly deleted: boolean;
  readonly previous?: Stored;
  readonly current: Stored;
}

/** What selects the objects a list or watch sees. */
export interface Selection {
  readonly namespace?: string;
  readonly labels: LabelSelector;
  readonly fields: FieldSelector;
}

/** One open watch, fed by the store. */
export interface WatchSink {
  readonly type: ResourceType;
  readonly selection: Selection;
  /** Sends one newline-terminated JSON event line. */
  send(line: string): void;
}

/** A page of a list. */
export interface ListResult {
  readonly resourceVersion: string;
  readonly items: readonly string[];
  readonly continueToken?: string;
  readonly remainingItemCount?: number;
}

/** Options of the store. */
export interface StoreOptions {
  /** Events kept for watches to resume from; older ones are compacted. Default 500,000. */
  readonly maxHistory?: number;
  /** Apply the API server's defaulting (allocated cluster IPs, port protocols...). Default true. */
  readonly defaulting?: boolean;
}

function matches(sel: Selection, obj: KubeObject): boolean {
  const md = obj.metadata;
  if (sel.namespace !== undefined && md?.namespace !== sel.namespace) return false;
  return labelsMatch(sel.labels, md?.labels) && fieldsMatch(sel.fields, md);
}

function eventLine(type: WatchEventType, json: string): string {
  return `{"type":"${type}","object":${json}}\n`;
}

function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** In-memory object storage with resource versions, history and watch fan-out. */
export class ObjectStore {
  #rv = 1000;
  /** Events with rv <= #compacted are gone. */
  #compacted = 1000;
  readonly #objects = new Map<string, Map<string, Stored>>();
  /** Sorted keys per type, rebuilt lazily after inserts/deletes. */
  readonly #sortedKeys = new Map<string, string[] | undefined>();
  #history: HistoryEvent[] = [];
  #historyStart = 0;
  readonly #watches = new Set<WatchSink>();
  readonly #allocator = new Allocator();
  readonly #maxHistory: number;
  readonly #defaulting: boolean;

  constructor(options: StoreOptions = {}) {
    this.#maxHistory = options.maxHistory ?? 500_000;
    this.#defaulting = options.defaulting ?? true;
  }

  /** The current resource version. */
  get resourceVersion(): number {
    return this.#rv;
  }

  /** The oldest resource version a watch may resume from. */
  get compactedResourceVersion(): number {
    return this.#compacted;
  }

  /** Number of open watches. */
  get watchCount(): number {
    return this.#watches.size;
  }

  /** Forgets all history: watches resuming from any older resource version get `410 Gone`. */
  compact(): void {
    this.#compacted = this.#rv;
    this.#history = [];
    this.#historyStart = 0;
  }

  #table(type: ResourceType): Map<string, Stored> {
    let t = this.#objects.get(type.plural);
    if (!t) {
      t = new Map();
      this.#objects.set(type.plural, t);
    }
    return t;
  }

  #key(type: ResourceType, namespace: string | undefined, name: string): string {
    return type.namespaced ? `${namespace ?? ''}/${name}` : name;
  }

  /** The stored object, or undefined. */
  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.#table(type).get(this.#key(type, namespace, name))?.obj;
  }

  /** JSON text of the stored object; throws NotFound. */
  getJson(type: ResourceType, namespace: string | undefined, name: string): string {
    const s = this.#table(type).get(this.#key(type, namespace, name));
    if (!s) throw notFound(type, name);
    return s.json;
  }

  /** Every stored object of a type, in key order. */
  all(type: ResourceType): KubeObject[] {
    const table = this.#table(type);
    return this.#sorted(type).map((k) => (table.get(k) as Stored).obj);
  }

  #sorted(type: ResourceType): string[] {
    let keys = this.#sortedKeys.get(type.plural);
    if (!keys) {
      keys = [...this.#table(type).keys()].sort();
      this.#sortedKeys.set(type.plural, keys);
    }
    return keys;
  }

  /** Lists objects, optionally a page of at most `limit` starting after the continue token. */
  list(type: ResourceType, sel: Selection, limit?: number, continueToken?: string): ListResult {
    const table = this.#table(type);
    let keys = this.#sorted(type);
    let rv = this.#rv;
    if (continueToken) {
      const token = decodeContinue(continueToken);
      if (token.rv < this.#compacted) {
        throw new ApiError(
          410,
          'Expired',
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
        );
      }
      rv = token.rv;
      keys = keys.slice(upperBound(keys, token.key));
    }
    const items: string[] = [];
    let last: string | undefined;
    let i = 0;
    for (; i < keys.length; i++) {
      if (limit && items.length >= limit) break;
      const s = table.get(keys[i]) as Stored;
      if (!matches(sel, s.obj)) continue;
      items.push(s.json);
      last = keys[i];
    }
    if (limit && i < keys.length && last !== undefined) {
      let remaining = 0;
      for (; i < keys.length; i++) if (matches(sel, (table.get(keys[i]) as Stored).obj)) remaining++;
      if (remaining > 0) {
        return { resourceVersion: String(rv), items, continueToken: encodeContinue(rv, last), remainingItemCount: remaining };
      }
    }
    return { resourceVersion: String(rv), items };
  }

  /** Creates an object; 409 AlreadyExists when it exists. Returns the stored object. */
  create(type: ResourceType, namespace: string | undefined, input: KubeObject): KubeObject {
    const obj = this.#prepare(type, namespace, input);
    const md = obj.metadata as Record<string, unknown>;
    const key = this.#key(type, md.namespace as string | undefined, md.name as string);
    const table = this.#table(type);
    if (table.has(key)) {
      throw new ApiError(409, 'AlreadyExists', `${type.plural} "${md.name}" already exists`, {
        name: md.name as string,
        kind: type.plural,
      });
    }
    md.uid = randomUUID();
    md.creationTimestamp = rfc3339(Date.now());
    delete md.deletionTimestamp;
    this.#default(type, obj);
    return this.#write(type, key, obj, undefined);
  }

  /**
   * Replaces an object (PUT). A `metadata.resourceVersion` in the input must match the stored one (409
   * Conflict otherwise). With `subresource: 'status'` only `status` is taken from the input.
   */
  update(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    input: KubeObject,
    subresource?: 'status',
  ): KubeObject {
    const key = this.#key(type, namespace, name);
    const prev = this.#table(type).get(key);
    if (!prev) throw notFound(type, name);
    let obj = this.#prepare(type, namespace, input, name);
    const md = obj.metadata as Record<string, unknown>;
    const prevMd = prev.obj.metadata as Record<string, unknown>;
    if (md.resourceVersion !== undefined && md.resourceVersion !== '' && md.resourceVersion !== prevMd.resourceVersion) {
      throw new ApiError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${type.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        { name, kind: type.plural },
      );
    }
    if (subresource === 'status') {
      obj = { ...structuredClone(prev.obj), status: obj.status };
    } else {
      md.uid = prevMd.uid;
      md.creationTimestamp = prevMd.creationTimestamp;
      if (type.kind === 'Service' && prev.obj.status !== undefined) obj.status = structuredClone(prev.obj.status);
      this.#default(type, obj, prev.obj);
    }
    return this.#write(type, key, obj, prev);
  }

  /** Applies a merge, strategic-merge (treated as merge) or JSON (RFC 6902) patch. */
  patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    kind: 'merge' | 'strategic' | 'json',
    subresource?: 'status',
  ): KubeObject {
    const key = this.#key(type, namespace, name);
    const prev = this.#table(type).get(key);
    if (!prev) throw notFound(type, name);
    const merged = (
      kind === 'json'
        ? applyJsonPatch(prev.obj, patch)
        : applyMergePatch(structuredClone(prev.obj), patch, kind === 'strategic')
    ) as KubeObject;
    if (merged === null || typeof merged !== 'object' || Array.isArray(merged)) {
      throw new ApiError(422, 'Invalid', 'the patched object is not an object');
    }
    const md = (merged.metadata ?? {}) as Record<string, unknown>;
    // A merge patch carries a resourceVersion only as an explicit precondition; a JSON patch that leaves the
    // resourceVersion as it was is not one either.
    const patchRV = kind === 'json' ? undefined : (patch as KubeObject | null)?.metadata?.resourceVersion;
    if (patchRV === undefined) md.resourceVersion = kind === 'json' && md.resourceVersion !== prev.obj.metadata?.resourceVersion ? md.resourceVersion : undefined;
    merged.metadata = md;
    return this.update(type, namespace, name, merged, subresource);
  }

  /** Deletes an object and returns its last state (with the deletion's resource version). */
  delete(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const key = this.#key(type, namespace, name);
    const table = this.#table(type);
    const prev = table.get(key);
    if (!prev) throw notFound(type, name);
    table.delete(key);
    this.#sortedKeys.set(type.plural, undefined);
    const rv = ++this.#rv;
    const obj = { ...prev.obj, metadata: { ...prev.obj.metadata, resourceVersion: String(rv) } } as KubeObject;
    const current = { obj, json: JSON.stringify(obj) };
    this.#record({ rv, type, deleted: true, previous: prev, current });
    return obj;
  }

  /**
   * Opens a watch. From `resourceVersion` (exclusive) the retained history is replayed first; with no
   * resource version (or `0`) every current object is sent as ADDED. Returns a function that closes it.
   * Throws `ApiError` 410 when the resource version has been compacted.
   */
  watch(sink: WatchSink, resourceVersion: string | undefined): () => void {
    const rv = resourceVersion === undefined || resourceVersion === '' ? 0 : Number(resourceVersion);
    if (!Number.isInteger(rv) || rv < 0) {
      throw new ApiError(400, 'BadRequest', `invalid resource version "${resourceVersion}"`);
    }
    if (rv === 0) {
      const table = this.#table(sink.type);
      for (const key of this.#sorted(sink.type)) {
        const s = table.get(key) as Stored;
        if (matches(sink.selection, s.obj)) sink.send(eventLine('ADDED', s.json));
      }
    } else {
      if (rv < this.#compacted) {
        throw new ApiError(410, 'Expired', `too old resource version: ${rv} (${this.#compacted})`);
      }
      for (let i = this.#historyStart; i < this.#history.length; i++) {
        const ev = this.#history[i];
        if (ev.rv > rv && ev.type === sink.type) this.#deliver(sink, ev);
      }
    }
    this.#watches.add(sink);
    return () => this.#watches.delete(sink);
  }

  #prepare(type: ResourceType, namespace: string | undefined, input: KubeObject, name?: string): KubeObject {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      throw new ApiError(400, 'BadRequest', 'the body must be a JSON object');
    }
    const obj = structuredClone(input);
    if (obj.kind !== undefined && obj.kind !== type.kind) {
      throw new ApiError(400, 'BadRequest', `the body kind ${String(obj.kind)} does not match ${type.kind}`);
    }
    obj.kind = type.kind;
    obj.apiVersion = apiVersionOf(type);
    const md = (obj.metadata && typeof obj.metadata === 'object' ? obj.metadata : {}) as Record<string, unknown>;
    obj.metadata = md;
    if (name !== undefined) {
      if (md.name !== undefined && md.name !== name) {
        throw new ApiError(400, 'BadRequest', `the name of the object (${String(md.name)}) does not match the name on the URL (${name})`);
      }
      md.name = name;
    }
    if ((md.name === undefined || md.name === '') && typeof md.generateName === 'string') {
      md.name = `${md.generateName}${Math.random().toString(36).slice(2, 7)}`;
    }
    if (typeof md.name !== 'string' || md.name === '') {
      throw new ApiError(422, 'Invalid', `${type.kind} is invalid: metadata.name: Required value`);
    }
    if (type.namespaced) {
      const ns = namespace ?? (md.namespace as string | undefined) ?? 'default';
      if (md.namespace !== undefined && md.namespace !== ns) {
        throw new ApiError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
      }
      md.namespace = ns;
    } else {
      delete md.namespace;
    }
    return obj;
  }

  #default(type: ResourceType, obj: KubeObject, previous?: KubeObject): void {
    if (!this.#defaulting) return;
    if (type.kind === 'Service') defaultService(obj, this.#allocator, previous);
    else if (type.kind === 'EndpointSlice') defaultEndpointSlice(obj);
  }

  #write(type: ResourceType, key: string, obj: KubeObject, prev: Stored | undefined): KubeObject {
    const rv = ++this.#rv;
    (obj.metadata as Record<string, unknown>).resourceVersion = String(rv);
    const current = { obj, json: JSON.stringify(obj) };
    const table = this.#table(type);
    if (!table.has(key)) this.#sortedKeys.set(type.plural, undefined);
    table.set(key, current);
    this.#record({ rv, type, deleted: false, previous: prev, current });
    return obj;
  }

  #record(ev: HistoryEvent): void {
    this.#history.push(ev);
    if (this.#history.length - this.#historyStart > this.#maxHistory) {
      this.#compacted = this.#history[this.#historyStart].rv;
      this.#historyStart++;
      if (this.#historyStart > 4096 && this.#historyStart * 2 > this.#history.length) {
        this.#history = this.#history.slice(this.#historyStart);
        this.#historyStart = 0;
      }
    }
    for (const sink of this.#watches) if (sink.type === ev.type) this.#deliver(sink, ev);
  }

  #deliver(sink: WatchSink, ev: HistoryEvent): void {
    if (ev.deleted) {
      if (matches(sink.selection, ev.current.obj)) sink.send(eventLine('DELETED', ev.current.json));
      return;
    }
    const before = ev.previous !== undefined && matches(sink.selection, ev.previous.obj);
    const now = matches(sink.selection, ev.current.obj);
    // An object entering or leaving a selector's view is an ADDED or DELETED for that watch, as upstream.
    if (now) sink.send(eventLine(before ? 'MODIFIED' : 'ADDED', ev.current.json));
    else if (before) sink.send(eventLine('DELETED', ev.current.json));
  }
}

function notFound(type: ResourceType, name: string): ApiError {
  const resource = type.group === '' ? type.plural : `${type.plural}.${type.group}`;
  return new ApiError(404, 'NotFound', `${resource} "${name}" not found`, {
    name,
    kind: type.plural,
    ...(type.group ? { group: type.group } : {}),
  });
}

function encodeContinue(rv: number, key: string): string {
  return Buffer.from(JSON.stringify({ v: 'harness/1', rv, key })).toString('base64url');
}

function decodeContinue(token: string): { rv: number; key: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { rv: unknown; key: unknown };
    if (typeof parsed.rv === 'number' && typeof parsed.key === 'string') return { rv: parsed.rv, key: parsed.key };
  } catch {
    // fall through to the error below
  }
  throw new ApiError(400, 'BadRequest', 'invalid continue token');
}

/** Index of the first key greater than `key` in sorted `keys`. */
function upperBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid] <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The BOOKMARK event line for a type at a resource version. */
export function bookmarkLine(type: ResourceType, rv: number): string {
  return eventLine(
    'BOOKMARK',
    JSON.stringify({ kind: type.kind, apiVersion: apiVersionOf(type), metadata: { resourceVersion: String(rv) } }),
  );
}

/** The ERROR event line carrying a Status. */
export function errorLine(err: ApiError): string {
  return eventLine('ERROR', JSON.stringify(err.toStatus()));
}
