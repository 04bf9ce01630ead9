/** Options for one process run. */
export interface ExecOptions {
  /** Bytes or text written to the process's standard input, which is then closed. */
  readonly stdin?: string | Uint8Array;
  /** Kill the process (SIGKILL) after this many milliseconds. Default: no limit. */
  readonly timeoutMs?: number;
  /** Extra environment variables, merged over the parent's. */
  readonly env?: Readonly<Record<string, string>>;
}

/** What a finished process returned. */
export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The seam between kproxy and external programs (`nft`, `iptables-restore`, `conntrack`, `ip`).
 * Programs are run from an argv array, never through a shell, so no argument is ever re-parsed.
 *
 * `run` resolves with the exit code for any process that ran, whatever its exit code; it rejects with
 * `ExecError` only when the program could not be started or was killed by the timeout. Implementations:
 * `spawnExecutor()` in `@kproxy/exec`, and the fakes under each kernel client's `./testing` entry.
 */
export interface Executor {
  run(file: string, args: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /**
   * Starts a long-running program (argv, no shell) with piped standard streams, for clients that keep one
   * process for many requests (`nft -i`). Optional: fakes and executors that cannot keep a process leave it
   * out, and their clients run one process per request instead.
   */
  start?(file: string, args: readonly string[], options?: StartOptions): Session;
}

/** Options for a long-running program. */
export interface StartOptions {
  /** Extra environment variables, merged over the parent's. */
  readonly env?: Readonly<Record<string, string>>;
}

/** A running program started by `Executor.start`. It never holds the event loop open by itself. */
export interface Session {
  /** Writes text to the program's standard input. */
  write(text: string): void;
  /** Receives standard output and standard error, as UTF-8 text, in the order each stream delivers it. */
  onOutput(listener: (stream: 'stdout' | 'stderr', text: string) => void): void;
  /** Resolves with the exit code (null when killed by a signal) once the program has exited or failed to start. */
  readonly exited: Promise<number | null>;
  /** Closes standard input and kills the program. Idempotent. */
  close(): void;
}
