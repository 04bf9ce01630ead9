import { spawn } from 'node:child_process';
import { ExecError } from '@kproxy/api';
import type { ExecOptions, ExecResult, Executor, Session, StartOptions } from '@kproxy/api';

/**
 * An Executor that spawns programs directly from argv (`shell: false`): no argument is ever re-parsed,
 * so hostile text in an argument or on stdin reaches the program verbatim.
 */
export function spawnExecutor(): Executor {
  return { run: runProcess, start: startProcess };
}

function startProcess(file: string, args: readonly string[], options: StartOptions = {}): Session {
  const child = spawn(file, args, {
    shell: false,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: options.env ? { ...process.env, ...options.env } : process.env,
  });
  const listeners: ((stream: 'stdout' | 'stderr', text: string) => void)[] = [];
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(null));
    child.on('close', (code) => resolve(code));
  });
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (t: string) => listeners.forEach((l) => l('stdout', t)));
  child.stderr.on('data', (t: string) => listeners.forEach((l) => l('stderr', t)));
  child.stdin.on('error', () => undefined);
  // The session must not keep the daemon (or a test run) alive: whoever waits for its output holds a timer.
  child.unref();
  for (const s of [child.stdin, child.stdout, child.stderr] as unknown as { unref?: () => void }[]) s.unref?.();
  let closed = false;
  return {
    write: (text) => {
      if (!closed) child.stdin.write(text);
    },
    onOutput: (l) => void listeners.push(l),
    exited,
    close: () => {
      if (closed) return;
      closed = true;
      child.stdin.end();
      child.kill('SIGKILL');
    },
  };
}

function runProcess(file: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const command = [file, ...args];
    const child = spawn(file, args, {
      shell: false,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: options.env ? { ...process.env, ...options.env } : process.env,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, options.timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (cause) => {
      if (timer) clearTimeout(timer);
      reject(new ExecError(`cannot run ${file}: ${cause.message}`, { command }, { cause }));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) {
        reject(new ExecError(`${file} timed out after ${options.timeoutMs} ms`, { command, stderr }));
        return;
      }
      resolve({
        exitCode: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr,
      });
    });
    // A program that exits without reading stdin makes the write fail with EPIPE: that is its answer, not ours.
    child.stdin.on('error', () => undefined);
    if (options.stdin !== undefined) child.stdin.end(options.stdin);
    else child.stdin.end();
  });
}
