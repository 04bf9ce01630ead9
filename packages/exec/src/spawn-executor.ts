import { spawn } from 'node:child_process';
import { ExecError } from '@kproxy/api';
import type { ExecOptions, ExecResult, Executor } from '@kproxy/api';

/**
 * An Executor that spawns programs directly from argv (`shell: false`): no argument is ever re-parsed,
 * so hostile text in an argument or on stdin reaches the program verbatim.
 */
export function spawnExecutor(): Executor {
  return { run: runProcess };
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
