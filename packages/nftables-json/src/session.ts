import { randomBytes } from 'node:crypto';
import { ExecError } from '@kproxy/api';
import type { ExecResult, Executor, Session } from '@kproxy/api';

const SESSIONS = new WeakMap<Executor, Map<string, NftSession>>();

/**
 * One long-running `nft -i` process that applies small text batches, each as one line (nft runs one input
 * line as one atomic transaction). A separate `nft` process per batch costs an exec, a fresh cache of the
 * table and, after a batch that deletes elements, a wait of 10-20 ms when its netlink socket closes; a batch
 * through the session costs about a millisecond.
 *
 * nft -i reports a failed line on standard error and carries on, so every batch is followed by a marker: a
 * `list table` of a table that does not exist, whose error (echoing the marker's unique name) says that
 * everything on standard error before it belongs to the batch. The process closes itself after `idleMs`
 * without batches and never keeps the event loop alive.
 */
export class NftSession {
  readonly #executor: Executor & { start: NonNullable<Executor['start']> };
  readonly #nft: string;
  readonly #idleMs: number;
  #session: Session | undefined;
  #stderr = '';
  #seq = 0;
  #waiter: { token: string; done: (stderr: string) => void } | undefined;
  #idle: ReturnType<typeof setTimeout> | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #batches = 0;
  readonly #maxBatches = 500;

  private constructor(executor: Executor & { start: NonNullable<Executor['start']> }, nft: string, idleMs: number) {
    this.#executor = executor;
    this.#nft = nft;
    this.#idleMs = idleMs;
  }

  /**
   * The session of `executor` and `nft` (one per executor object and program, shared by every client over
   * them), or undefined when the executor cannot keep a process (fakes, recording wrappers).
   */
  static over(executor: Executor, nft: string, idleMs = 10_000): NftSession | undefined {
    const start = executor.start?.bind(executor);
    if (!start) return undefined;
    let byProgram = SESSIONS.get(executor);
    if (!byProgram) {
      byProgram = new Map();
      SESSIONS.set(executor, byProgram);
    }
    let s = byProgram.get(nft);
    if (!s) {
      s = new NftSession({ run: executor.run.bind(executor), start }, nft, idleMs);
      byProgram.set(nft, s);
    }
    return s;
  }

  /**
   * Applies `line` (commands separated by `; `, no newline) as one transaction. Resolves with nft's result
   * (exit code 1 and its error text when nft refused the batch); rejects with ExecError when the session
   * failed (the process died or did not answer in time), in which case whether the batch was applied is
   * unknown and the session is closed.
   */
  apply(line: string, timeoutMs: number): Promise<ExecResult> {
    if (line.includes('\n')) return Promise.reject(new TypeError('a session batch is one line'));
    const run = this.#queue.then(() => this.#apply(line, timeoutMs));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Ends the process. The next batch starts a new one. */
  close(): void {
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = undefined;
    this.#session?.close();
    this.#session = undefined;
    this.#stderr = '';
  }

  #start(): Session {
    if (this.#session) return this.#session;
    // nft -i keeps every input line in its history, in memory and at exit in $HOME/.nft.history: no HOME it
    // can write to, and a fresh process every `maxBatches` batches, keep both bounded.
    const s = this.#executor.start(this.#nft, ['-i'], { env: { HOME: '/dev/null' } });
    this.#batches = 0;
    s.onOutput((stream, text) => {
      if (stream !== 'stderr' || this.#session !== s) return;
      this.#stderr += text;
      const w = this.#waiter;
      if (!w) return;
      // The marker's echo is a line of its own (a batch line that happens to contain the token is not: it
      // starts with its own command), after the marker's error message; everything before that is the batch's.
      const echo = `list table ip ${w.token}\n`;
      let at = 0;
      if (!this.#stderr.startsWith(echo)) {
        const i = this.#stderr.indexOf(`\n${echo}`);
        if (i < 0) return;
        at = i + 1;
      }
      const upto = this.#stderr.slice(0, at);
      const errorAt = upto.lastIndexOf('Error:');
      const batch = errorAt < 0 ? '' : upto.slice(0, errorAt);
      // Keep what follows the marker's echo line (its caret line is dropped with the next batch's prefix).
      this.#stderr = '';
      this.#waiter = undefined;
      w.done(batch);
    });
    void s.exited.then(() => {
      if (this.#session === s) this.#session = undefined;
    });
    this.#session = s;
    return s;
  }

  async #apply(line: string, timeoutMs: number): Promise<ExecResult> {
    if (this.#idle) clearTimeout(this.#idle);
    if (this.#batches >= this.#maxBatches) this.close();
    const s = this.#start();
    this.#batches++;
    // Unguessable, so that no value in a batch can spell it.
    const token = `kproxy_session_marker_${randomBytes(8).toString('hex')}_${++this.#seq}`;
    const command = [this.#nft, '-i'];
    try {
      const stderr = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new ExecError(`nft -i did not answer in ${timeoutMs} ms`, { command })), timeoutMs);
        this.#waiter = {
          token,
          done: (text) => {
            clearTimeout(timer);
            resolve(text);
          },
        };
        void s.exited.then((code) => {
          clearTimeout(timer);
          reject(new ExecError(`nft -i exited (${String(code)})`, { command }));
        });
        // A caret line of an earlier error may still be buffered: the marker's own echo ends the batch.
        this.#stderr = '';
        s.write(`${line}\nlist table ip ${token}\n`);
      });
      // Lines before the first `Error:` are leftovers of the previous marker's message (its caret line).
      const errorAt = stderr.indexOf('Error:');
      const own = errorAt < 0 ? '' : stderr.slice(errorAt);
      return { exitCode: own.trim() === '' ? 0 : 1, stdout: '', stderr: own };
    } catch (err) {
      this.close();
      throw err;
    } finally {
      if (this.#session) {
        this.#idle = setTimeout(() => this.close(), this.#idleMs);
        this.#idle.unref();
      }
    }
  }
}
