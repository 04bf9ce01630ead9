/**
 * One resource's informer: client-node's `ListWatch` (the same machinery `makeInformer` builds), with
 * - a list function that fetches pages as plain JSON (the same representation watch events carry, so list
 *   and watch objects compare equal), with label and field selectors;
 * - a token bucket in front of every list page and watch request (client-node has no limiter hook: the
 *   list is ours, and the watch goes through a `Watch` subclass that takes a token first);
 * - restart with exponential backoff after errors (client-node's ListWatch stops on any error other than
 *   410, which it handles itself by relisting);
 * - reconnect delays on the injected timers.
 * ListWatch itself keeps the resourceVersion across reconnects, relists on 410 and reports objects that
 * vanished during a relist as deletions, so nothing is lost or counted twice.
 */
import { HttpMethod, ListWatch, RequestContext, Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '@kproxy/api';
import { fetch } from 'undici';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import { ListStreamParser } from './list-stream.ts';
import type { TokenBucket } from './token-bucket.ts';
import { sleep, type TimerHandle, type Timers } from './timers.ts';

/** Callbacks for one resource. */
export interface InformerHandlers<T> {
  add(obj: T): void;
  update(obj: T): void;
  delete(obj: T): void;
}

/** Options of `ResourceInformer`. */
export interface ResourceInformerOptions<T> {
  readonly kubeConfig: KubeConfig;
  /** Collection path, e.g. `/api/v1/services`. */
  readonly path: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Page size of lists; 0 lists in one request. */
  readonly pageSize: number;
  readonly limiter: TokenBucket;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly backoff: BackoffOptions;
  /** Cap on client-node's reconnect delay after a watch ends cleanly (its own schedule: 0, 1 s, 2 s ... 30 s). */
  readonly maxReconnectDelayMs?: number;
  readonly handlers: InformerHandlers<T>;
  /**
   * Applied to every object as it arrives (list items and watch events), before client-node's cache or the
   * handlers hold it: e.g. `slimService`, which keeps only what the proxy reads. Must keep
   * `metadata.name`, `namespace` and `resourceVersion`. Default: identity.
   */
  readonly transform?: (obj: T) => T;
}

/** An HTTP failure with the fields client-node's ListWatch looks at. */
class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';
  readonly statusCode: number;
  readonly code: number;
  constructor(status: number, message: string) {
    super(message);
    this.statusCode = status;
    this.code = status;
  }
}

/** A client-node Watch that takes a token before each request and reports events and connections. */
class LimitedWatch extends Watch {
  readonly #limiter: TokenBucket;
  readonly #onWatch: () => void;
  readonly #onEvent: () => void;
  readonly #stopped: () => boolean;
  readonly #transform: ((obj: unknown) => unknown) | undefined;
  constructor(
    kc: KubeConfig,
    limiter: TokenBucket,
    onWatch: () => void,
    onEvent: () => void,
    stopped: () => boolean,
    transform?: (obj: unknown) => unknown,
  ) {
    super(kc);
    this.#transform = transform;
    this.#limiter = limiter;
    this.#onWatch = onWatch;
    this.#onEvent = onEvent;
    this.#stopped = stopped;
  }
  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    // ListWatch only calls watch() once its list has been applied: the informer has synced.
    this.#onWatch();
    await this.#limiter.take();
    // ListWatch opens the watch after a list even when it was stopped meanwhile; do not connect then.
    if (this.#stopped()) return new AbortController();
    return super.watch(
      path,
      queryParams,
      (phase, obj, raw) => {
        this.#onEvent();
        const objectEvent = phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED';
        callback(phase, objectEvent && this.#transform ? this.#transform(obj) : obj, raw);
      },
      done,
    );
  }
}

/**
 * One resource's list/watch on client-node's ListWatch, with a token bucket, plain-JSON streamed lists and
 * restart with backoff after errors (see the file comment). `start()`, `waitForSync()`, `stop()`.
 */
export class ResourceInformer<T extends KubernetesObject> {
  readonly #options: ResourceInformerOptions<T>;
  readonly #listWatch: ListWatch<T>;
  #synced = false;
  #syncWaiters: (() => void)[] = [];
  #stopped = true;
  #failures = 0;
  #errors = 0;
  #lastError: unknown;
  #restartTimer: TimerHandle | undefined;

  constructor(options: ResourceInformerOptions<T>) {
    this.#options = options;
    const watch = new LimitedWatch(
      options.kubeConfig,
      options.limiter,
      () => this.#markSynced(),
      () => {
        this.#failures = 0;
      },
      () => this.#stopped,
      options.transform as ((obj: unknown) => unknown) | undefined,
    );
    const cap = options.maxReconnectDelayMs;
    this.#listWatch = new ListWatch<T>(
      options.path,
      watch,
      () => this.#list(),
      false,
      options.labelSelector,
      options.fieldSelector,
      { delayFn: (ms) => sleep(options.timers, cap === undefined ? ms : Math.min(ms, cap)) },
    );
    // Events that land after stop() (a list in flight) are dropped.
    this.#listWatch.on('add', (o) => this.#stopped || options.handlers.add(o));
    this.#listWatch.on('update', (o) => this.#stopped || options.handlers.update(o));
    this.#listWatch.on('delete', (o) => this.#stopped || options.handlers.delete(o));
    this.#listWatch.on('error', (err) => this.#onError(err));
  }

  /** True once the first list has been applied. */
  get synced(): boolean {
    return this.#synced;
  }

  /** Errors seen so far (list or watch failures). */
  get errors(): number {
    return this.#errors;
  }

  get lastError(): unknown {
    return this.#lastError;
  }

  /** Starts listing and watching; errors are retried forever with backoff until `stop()`. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    void this.#listWatch.start().catch((err: unknown) => this.#onError(err));
  }

  /** Resolves once synced. */
  waitForSync(): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve) => this.#syncWaiters.push(resolve));
  }

  /** Stops the watch and any pending restart. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#restartTimer !== undefined) this.#options.timers.clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    await this.#listWatch.stop();
  }

  #markSynced(): void {
    if (this.#synced) return;
    this.#synced = true;
    for (const w of this.#syncWaiters) w();
    this.#syncWaiters = [];
  }

  #onError(err: unknown): void {
    if (this.#stopped) return;
    this.#errors++;
    this.#failures++;
    this.#lastError = err;
    const delay = backoffDelay(this.#failures, this.#options.backoff);
    this.#options.logger.warn(
      { path: this.#options.path, err: err instanceof Error ? err.message : String(err), retryInMs: delay },
      'list/watch failed; restarting',
    );
    if (this.#restartTimer !== undefined) this.#options.timers.clearTimeout(this.#restartTimer);
    this.#restartTimer = this.#options.timers.setTimeout(() => {
      this.#restartTimer = undefined;
      if (this.#stopped) return;
      // start() resumes from the last resourceVersion, or relists when there is none.
      void this.#listWatch.start().catch((e: unknown) => this.#onError(e));
    }, delay);
  }

  async #list(): Promise<{ metadata?: { resourceVersion?: string }; items: T[] }> {
    const { kubeConfig, path, labelSelector, fieldSelector, pageSize, limiter } = this.#options;
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('no current cluster in the kubeconfig');
    const items: T[] = [];
    let resourceVersion: string | undefined;
    let cont: string | undefined;
    for (let page = 0; page < 1_000_000; page++) {
      const url = new URL(cluster.server.replace(/\/+$/, '') + path);
      if (labelSelector) url.searchParams.set('labelSelector', labelSelector);
      if (fieldSelector) url.searchParams.set('fieldSelector', fieldSelector);
      if (pageSize > 0) url.searchParams.set('limit', String(pageSize));
      if (cont) url.searchParams.set('continue', cont);
      await limiter.take();
      const ctx = new RequestContext(url.toString(), HttpMethod.GET);
      await kubeConfig.applySecurityAuthentication(ctx);
      const res = await fetch(url, { headers: { ...ctx.getHeaders(), accept: 'application/json' }, dispatcher: ctx.getDispatcher() });
      if (res.status !== 200) {
        const text = await res.text();
        let message = text.slice(0, 500);
        try {
          message = (JSON.parse(text) as { message?: string }).message ?? message;
        } catch {
          // not a Status object; keep the raw text
        }
        throw new ApiRequestError(res.status, `list ${path}: HTTP ${res.status}: ${message}`);
      }
      // Items are parsed as their bytes arrive: a 30 MB list never exists as one buffer or string.
      const transform = this.#options.transform;
      const parser = new ListStreamParser<T>(transform ? (item) => items.push(transform(item)) : (item) => items.push(item));
      if (res.body) for await (const chunk of res.body) parser.push(chunk as Uint8Array);
      parser.end();
      resourceVersion ??= parser.metadata?.resourceVersion;
      cont = parser.metadata?.continue || undefined;
      if (!cont) break;
    }
    return { metadata: { resourceVersion }, items };
  }
}
