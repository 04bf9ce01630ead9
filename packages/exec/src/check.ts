import { ExecError } from '@kproxy/api';
import type { ExecOptions, ExecResult, Executor } from '@kproxy/api';

/** Runs a program and rejects with `ExecError` (carrying stderr) unless it exits 0. */
export async function runChecked(
  executor: Executor,
  file: string,
  args: readonly string[],
  options?: ExecOptions,
): Promise<ExecResult> {
  const result = await executor.run(file, args, options);
  if (result.exitCode !== 0) {
    const detail = result.stderr.trim().split('\n').slice(0, 5).join('; ');
    throw new ExecError(`${file} ${args.join(' ')} exited ${result.exitCode}: ${detail}`, {
      command: [file, ...args],
      exitCode: result.exitCode,
      stderr: result.stderr,
    });
  }
  return result;
}
