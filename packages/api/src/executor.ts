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
}
