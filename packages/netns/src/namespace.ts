import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { netnsExecutor, runChecked, spawnExecutor } from '@kproxy/exec';
import type { ExecOptions, ExecResult, Executor } from '@kproxy/api';

/** A network namespace this process created. `remove()` is idempotent. */
export interface Netns {
  readonly name: string;
  /** Runs programs inside the namespace (argv, no shell). */
  readonly executor: Executor;
  /** Runs a program inside the namespace and rejects unless it exits 0. */
  run(file: string, args: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  remove(): Promise<void>;
}

const live = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort: whatever a crashed test left behind is removed when the process exits.
  process.on('exit', () => {
    for (const name of live) spawnSync('ip', ['netns', 'delete', name], { stdio: 'ignore' });
  });
}

/**
 * Creates a fresh, empty network namespace named `<prefix>-<random>` with loopback up. Nothing connects it
 * to the host's namespace. Needs root.
 */
export async function createNetns(prefix = 'kp', executor: Executor = spawnExecutor()): Promise<Netns> {
  if (!/^[a-z0-9-]{1,20}$/.test(prefix)) throw new TypeError(`invalid namespace prefix ${JSON.stringify(prefix)}`);
  const name = `${prefix}-${process.pid.toString(36)}-${randomBytes(3).toString('hex')}`;
  installExitHook();
  await runChecked(executor, 'ip', ['netns', 'add', name]);
  live.add(name);
  const inside = netnsExecutor(name, executor);
  const ns: Netns = {
    name,
    executor: inside,
    run: (file, args, options) => runChecked(inside, file, args, options),
    async remove() {
      if (!live.has(name)) return;
      live.delete(name);
      const r = await executor.run('ip', ['netns', 'delete', name]);
      if (r.exitCode !== 0 && !/No such file/.test(r.stderr)) {
        throw new Error(`cannot delete network namespace ${name}: ${r.stderr.trim()}`);
      }
    },
  };
  try {
    await ns.run('ip', ['link', 'set', 'lo', 'up']);
  } catch (err) {
    await ns.remove();
    throw err;
  }
  return ns;
}

/** Runs `fn` with a fresh namespace and always removes it afterwards, even when `fn` throws. */
export async function withNetns<T>(fn: (ns: Netns) => Promise<T>, prefix = 'kp'): Promise<T> {
  const ns = await createNetns(prefix);
  try {
    return await fn(ns);
  } finally {
    await ns.remove();
  }
}

/** Names of namespaces this process created and has not removed yet. */
export function liveNamespaces(): string[] {
  return [...live];
}
