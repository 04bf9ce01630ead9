/**
 * The embedded Kubernetes API server: node:http on loopback serving Services, EndpointSlices and Nodes the
 * way kube-apiserver does, closely enough that unchanged `@kubernetes/client-node` informers and `kubectl`
 * work against it. Plus a programmatic API for tests and scenarios, and a fault knob.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { ApiError, statusObject } from './api-error.ts';
import {
  coreVersionsDocument,
  groupDocument,
  groupListDocument,
  resourceListDocument,
  versionDocument,
} from './discovery.ts';
import { parseFieldSelector } from './field-selector.ts';
import { kubeConfigFor, kubeconfigYaml } from './kubeconfig.ts';
import { parseLabelSelector, SelectorParseError } from './label-selector.ts';
import { parseManifests } from './manifests.ts';
import { typeForKind, typeForPath, type ResourceType } from './resources.ts';
import { toTable, wantsTable } from './table.ts';
import { bookmarkLine, errorLine, ObjectStore, type KubeObject, type Selection, type WatchSink } from './store.ts';

export type { KubeObject } from './store.ts';

/** Options of `startApiServer`. */
export interface ApiServerOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  readonly port?: number;
  /** Interval between BOOKMARK events on watches that allow them. Default 60 s (as upstream, roughly). */
  readonly bookmarkIntervalMs?: number;
  /**
   * How a watch from a compacted resource version fails: `event` (default, as kube-apiserver: HTTP 200 and
   * one ERROR event carrying a 410 Status) or `status` (an HTTP 410 response with the Status as body).
   */
  readonly goneAs?: 'event' | 'status';
  /** Events kept for watches to resume from. Default 500,000. */
  readonly maxHistory?: number;
  /** Apply API-server defaulting (cluster IP and node port allocation, protocols...). Default true. */
  readonly defaulting?: boolean;
}

/** Names one object for the programmatic API. */
export interface ObjectRef {
  readonly kind: string;
  readonly apiVersion?: string;
  readonly namespace?: string;
  readonly name: string;
}

/** One served request, for tests that count or inspect traffic. */
export interface RequestRecord {
  readonly method: string;
  /** Path and query. */
  readonly url: string;
  readonly status: number;
  /** True for watch requests. */
  readonly watch: boolean;
  /** `Date.now()` when the request arrived. */
  readonly at: number;
}

/** Knobs that make the server misbehave on purpose. */
export interface FaultKnob {
  /** Ends every open watch: gracefully (end of the chunked stream, default) or by destroying the socket. */
  closeWatches(options?: { readonly abrupt?: boolean }): number;
  /** Compacts history: any watch or continue token from an older resource version gets 410 Gone. */
  expireResourceVersions(): void;
  /** The next `count` resource requests (list, watch, get, writes; not discovery) fail with `status`. */
  failNext(count: number, status?: number): void;
  /** Delays every response by `ms` (0 turns it off). */
  setLatency(ms: number): void;
  /** Requests still to be failed. */
  readonly pendingFailures: number;
}

/** A running embedded API server. */
export interface ApiServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** The current resource version. */
  readonly resourceVersion: string;
  /** Number of open watch connections. */
  readonly watchCount: number;
  /** The most recent requests (at most 10,000), oldest first. */
  readonly requests: readonly RequestRecord[];
  readonly faults: FaultKnob;
  /** Creates the object, or replaces it when it exists. Returns the stored object (a copy). */
  apply(obj: KubeObject): KubeObject;
  /** Creates; throws `ApiError` 409 when it exists. */
  create(obj: KubeObject): KubeObject;
  /** Replaces; throws `ApiError` 404 when missing, 409 on a resourceVersion mismatch. */
  update(obj: KubeObject): KubeObject;
  /** Merge-patches (RFC 7386). */
  patch(ref: ObjectRef, patch: unknown): KubeObject;
  /** Deletes; throws `ApiError` 404 when missing. Returns the last state. */
  delete(ref: ObjectRef | KubeObject): KubeObject;
  /** The stored object (a copy), or undefined. */
  get(ref: ObjectRef): KubeObject | undefined;
  /** Copies of every stored object, of one kind or of all kinds, in key order. */
  objects(kind?: string): KubeObject[];
  /** Applies every object of a multi-document YAML manifest (`List` kinds are flattened). */
  loadYaml(text: string): KubeObject[];
  /** A client-node KubeConfig for this server (plain http, no auth). */
  kubeConfig(): KubeConfig;
  /** Kubeconfig YAML for this server, for kubectl's `--kubeconfig`. */
  kubeconfigYaml(): string;
  /** Closes every connection and the listener. */
  close(): Promise<void>;
}

const MAX_REQUEST_LOG = 10_000;
const PATCH_TYPES: Record<string, 'merge' | 'strategic' | 'json'> = {
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/json-patch+json': 'json',
};
const MAX_BODY = 64 * 1024 * 1024;

/** Starts the API server on 127.0.0.1 and resolves when it listens. */
export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  const store = new ObjectStore({ maxHistory: options.maxHistory, defaulting: options.defaulting });
  const bookmarkIntervalMs = options.bookmarkIntervalMs ?? 60_000;
  const goneAs = options.goneAs ?? 'event';
  const openWatches = new Set<{ res: http.ServerResponse; end: (abrupt: boolean) => void }>();
  const requests: RequestRecord[] = [];
  let failRemaining = 0;
  let failStatus = 500;
  let latencyMs = 0;
  let address = '127.0.0.1:0';

  const record = (r: RequestRecord) => {
    requests.push(r);
    if (requests.length > MAX_REQUEST_LOG) requests.splice(0, requests.length - MAX_REQUEST_LOG);
  };

  const send = (res: http.ServerResponse, code: number, body: unknown) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const sendError = (res: http.ServerResponse, err: unknown) => {
    if (err instanceof ApiError) send(res, err.code, err.toStatus());
    else if (err instanceof SelectorParseError) send(res, 400, statusObject(400, 'BadRequest', err.message));
    else send(res, 500, statusObject(500, 'InternalError', `Internal error occurred: ${String(err)}`));
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? 'GET';
    const isWatch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
    res.on('finish', () => record({ method, url: req.url ?? '/', status: res.statusCode, watch: isWatch, at: Date.now() }));
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));

    // Discovery and version: never subject to injected failures.
    if (method === 'GET') {
      const doc = discovery(parts, address);
      if (doc !== undefined) return send(res, 200, doc);
    }
    const route = resourceRoute(parts);
    if (!route) {
      return send(res, 404, statusObject(404, 'NotFound', 'the server could not find the requested resource'));
    }
    if (failRemaining > 0) {
      failRemaining--;
      return send(res, failStatus, statusObject(failStatus, failStatus === 500 ? 'InternalError' : 'ServiceUnavailable', 'injected failure'));
    }
    const { type, namespace, name, subresource } = route;
    try {
      if (name === undefined) {
        if (method === 'GET' && isWatch) return serveWatch(req, res, type, namespace, url.searchParams);
        if (method === 'GET') return serveList(res, type, namespace, url.searchParams, wantsTable(req.headers.accept));
        if (method === 'POST') {
          const body = (await readBody(req)) as KubeObject;
          return send(res, 201, store.create(type, namespace, body));
        }
        return send(res, 405, statusObject(405, 'MethodNotAllowed', `${method} is not supported on a collection`));
      }
      switch (method) {
        case 'GET':
          if (wantsTable(req.headers.accept)) {
            const one = JSON.parse(store.getJson(type, namespace, name)) as KubeObject;
            return send(res, 200, toTable(type.kind, [one], String(store.resourceVersion)));
          }
          return send(res, 200, store.getJson(type, namespace, name));
        case 'PUT': {
          const body = (await readBody(req)) as KubeObject;
          return send(res, 200, store.update(type, namespace, name, body, subresource));
        }
        case 'PATCH': {
          const ctype = (req.headers['content-type'] ?? '').split(';')[0].trim();
          const kind = PATCH_TYPES[ctype];
          if (!kind) {
            throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_TYPES).join(', ')}`);
          }
          const patch = await readBody(req);
          return send(res, 200, store.patch(type, namespace, name, patch, kind, subresource));
        }
        case 'DELETE':
          await readBody(req, true);
          return send(res, 200, store.delete(type, namespace, name));
        default:
          return send(res, 405, statusObject(405, 'MethodNotAllowed', `${method} is not supported`));
      }
    } catch (err) {
      sendError(res, err);
    }
  }

  function selection(namespace: string | undefined, params: URLSearchParams): Selection {
    return {
      namespace,
      labels: parseLabelSelector(params.get('labelSelector')),
      fields: parseFieldSelector(params.get('fieldSelector')),
    };
  }

  function serveList(
    res: http.ServerResponse,
    type: ResourceType,
    namespace: string | undefined,
    params: URLSearchParams,
    table: boolean,
  ) {
    const limit = Number(params.get('limit') ?? 0);
    const page = store.list(
      type,
      selection(namespace, params),
      Number.isInteger(limit) && limit > 0 ? limit : undefined,
      params.get('continue') ?? undefined,
    );
    if (table) {
      const items = page.items.map((j) => JSON.parse(j) as KubeObject);
      const doc = toTable(type.kind, items, page.resourceVersion);
      if (page.continueToken) (doc.metadata as Record<string, unknown>).continue = page.continueToken;
      return send(res, 200, doc);
    }
    const meta: Record<string, unknown> = { resourceVersion: page.resourceVersion };
    if (page.continueToken) {
      meta.continue = page.continueToken;
      meta.remainingItemCount = page.remainingItemCount;
    }
    const head = `{"kind":"${type.listKind}","apiVersion":"${type.group ? `${type.group}/${type.version}` : type.version}","metadata":${JSON.stringify(meta)},"items":[`;
    const chunks = [head];
    for (let i = 0; i < page.items.length; i++) chunks.push(i === 0 ? page.items[i] : `,${page.items[i]}`);
    chunks.push(']}');
    send(res, 200, chunks.join(''));
  }

  function serveWatch(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    type: ResourceType,
    namespace: string | undefined,
    params: URLSearchParams,
  ) {
    const sel = selection(namespace, params);
    let closeStore: (() => void) | undefined;
    const timers: NodeJS.Timeout[] = [];
    const entry = {
      res,
      end: (abrupt: boolean) => {
        cleanup();
        if (abrupt) res.destroy();
        else res.end();
      },
    };
    const cleanup = () => {
      closeStore?.();
      closeStore = undefined;
      for (const t of timers) clearTimeout(t);
      openWatches.delete(entry);
    };
    const table = wantsTable(req.headers.accept);
    // kubectl asks for Table events; everyone else gets the objects themselves.
    const toLine = (line: string): string => {
      if (!table) return line;
      const ev = JSON.parse(line) as { type: string; object: KubeObject };
      if (ev.type === 'BOOKMARK' || ev.type === 'ERROR') return line;
      const rv = String(ev.object.metadata?.resourceVersion ?? store.resourceVersion);
      return `${JSON.stringify({ type: ev.type, object: toTable(type.kind, [ev.object], rv) })}\n`;
    };
    const sink: WatchSink = { type, selection: sel, send: (line) => void res.write(toLine(line)) };
    res.statusCode = 200;
    res.setHeader('content-type', 'application/json');
    res.setHeader('cache-control', 'no-cache, private');
    try {
      closeStore = store.watch(sink, params.get('resourceVersion') ?? undefined);
    } catch (err) {
      if (err instanceof ApiError && err.code === 410 && goneAs === 'event') {
        res.end(errorLine(err));
        return;
      }
      throw err;
    }
    res.flushHeaders();
    openWatches.add(entry);
    req.on('close', cleanup);
    res.on('close', cleanup);
    const timeoutSeconds = Number(params.get('timeoutSeconds') ?? 0);
    if (timeoutSeconds > 0) timers.push(setTimeout(() => entry.end(false), timeoutSeconds * 1000));
    if (params.get('allowWatchBookmarks') === 'true') {
      timers.push(
        setInterval(() => {
          if (!res.writableEnded) res.write(bookmarkLine(type, store.resourceVersion));
        }, bookmarkIntervalMs),
      );
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, err);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  address = `127.0.0.1:${port}`;
  const url = `http://${address}`;

  const typeOf = (obj: { kind?: unknown; apiVersion?: unknown }): ResourceType => {
    const type = typeForKind(
      typeof obj.kind === 'string' ? obj.kind : undefined,
      typeof obj.apiVersion === 'string' ? obj.apiVersion : undefined,
    );
    if (!type) throw new ApiError(400, 'BadRequest', `kind ${String(obj.kind)} (${String(obj.apiVersion)}) is not served`);
    return type;
  };
  const refOf = (obj: ObjectRef | KubeObject): { type: ResourceType; namespace?: string; name: string } => {
    const type = typeOf(obj as { kind?: unknown });
    if ('metadata' in obj && obj.metadata) {
      const md = obj.metadata;
      return { type, namespace: type.namespaced ? (md.namespace ?? 'default') : undefined, name: md.name ?? '' };
    }
    const ref = obj as ObjectRef;
    return { type, namespace: type.namespaced ? (ref.namespace ?? 'default') : undefined, name: ref.name };
  };
  const copy = (o: KubeObject): KubeObject => structuredClone(o);

  const api: ApiServer = {
    url,
    port,
    get resourceVersion() {
      return String(store.resourceVersion);
    },
    get watchCount() {
      return openWatches.size;
    },
    requests,
    faults: {
      closeWatches(opts = {}) {
        const all = [...openWatches];
        for (const w of all) w.end(opts.abrupt ?? false);
        return all.length;
      },
      expireResourceVersions() {
        store.compact();
      },
      failNext(count, status = 500) {
        failRemaining = count;
        failStatus = status;
      },
      setLatency(ms) {
        latencyMs = ms;
      },
      get pendingFailures() {
        return failRemaining;
      },
    },
    apply(obj) {
      const { type, namespace, name } = refOf(obj);
      const input = { ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } } as KubeObject;
      if (store.get(type, namespace, name)) return copy(store.update(type, namespace, name, input));
      return copy(store.create(type, namespace, input));
    },
    create(obj) {
      const { type, namespace } = refOf(obj);
      return copy(store.create(type, namespace, obj));
    },
    update(obj) {
      const { type, namespace, name } = refOf(obj);
      return copy(store.update(type, namespace, name, obj));
    },
    patch(ref, patch) {
      const r = refOf(ref);
      return copy(store.patch(r.type, r.namespace, r.name, patch, 'merge'));
    },
    delete(ref) {
      const r = refOf(ref);
      return copy(store.delete(r.type, r.namespace, r.name));
    },
    get(ref) {
      const r = refOf(ref);
      const o = store.get(r.type, r.namespace, r.name);
      return o ? copy(o) : undefined;
    },
    objects(kind) {
      const types = kind === undefined ? undefined : [typeOf({ kind })];
      const all = types ?? ['Namespace', 'Service', 'EndpointSlice', 'Node'].map((k) => typeOf({ kind: k }));
      return all.flatMap((t) => store.all(t).map(copy));
    },
    loadYaml(text) {
      return parseManifests(text).map((o) => api.apply(o));
    },
    kubeConfig: () => kubeConfigFor(url),
    kubeconfigYaml: () => kubeconfigYaml(url),
    close() {
      for (const w of [...openWatches]) w.end(true);
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return api;
}

function discovery(parts: string[], address: string): unknown {
  const [a, b, c, d] = parts;
  if (parts.length === 1 && a === 'version') return versionDocument();
  if (parts.length === 1 && a === 'api') return coreVersionsDocument(address);
  if (parts.length === 2 && a === 'api') return resourceListDocument('', b);
  if (parts.length === 1 && a === 'apis') return groupListDocument();
  if (parts.length === 2 && a === 'apis') return groupDocument(b);
  if (parts.length === 3 && a === 'apis') return resourceListDocument(b, c);
  void d;
  return undefined;
}

interface ResourceRoute {
  readonly type: ResourceType;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: 'status';
}

function resourceRoute(parts: string[]): ResourceRoute | undefined {
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  // `/namespaces/{ns}/{plural}...` is a namespaced path; `/namespaces[/{name}[/status]]` is the Namespace resource.
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status') {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const type = typeForPath(group, version, rest[0]);
  if (!type || rest.length > 3 || (rest.length === 3 && rest[2] !== 'status')) return undefined;
  if (namespace !== undefined && !type.namespaced) return undefined;
  return { type, namespace, name: rest[1], subresource: rest.length === 3 ? 'status' : undefined };
}

async function readBody(req: http.IncomingMessage, optional = false): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ApiError(413, 'RequestEntityTooLarge', 'request body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') {
    if (optional) return undefined;
    throw new ApiError(400, 'BadRequest', 'empty request body');
  }
  const ctype = req.headers['content-type'] ?? '';
  try {
    return ctype.includes('yaml') ? yaml.load(text) : JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, 'BadRequest', `cannot decode the request body: ${String(err)}`);
  }
}
