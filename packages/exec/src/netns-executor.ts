import type { ExecOptions, ExecResult, Executor, StartOptions } from '@kproxy/api';

/**
 * Wraps an executor so that every program runs inside the named network namespace
 * (`ip netns exec <name> <file> <args...>`), still from argv.
 */
export function netnsExecutor(namespace: string, inner: Executor): Executor {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(namespace)) {
    throw new TypeError(`invalid network namespace name ${JSON.stringify(namespace)}`);
  }
  const start = inner.start?.bind(inner);
  return {
    run: (file: string, args: readonly string[], options?: ExecOptions): Promise<ExecResult> =>
      inner.run('ip', ['netns', 'exec', namespace, file, ...args], options),
    ...(start
      ? { start: (file: string, args: readonly string[], o?: StartOptions) => start('ip', ['netns', 'exec', namespace, file, ...args], o) }
      : {}),
  };
}
