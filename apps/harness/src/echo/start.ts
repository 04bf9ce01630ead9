import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { EchoConfig, EchoReady } from './protocol.ts';

/** A running child program inside a namespace (echo server or probe agent). */
export interface NamespaceChild {
  readonly child: ChildProcess;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/** A running echo server. */
export interface EchoServer extends NamespaceChild {
  readonly ready: EchoReady;
}

const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url));

// Last resort, like @kproxy/netns's exit hook: children still running when this process exits are killed
// (a daemon would otherwise keep a deleted namespace alive). Registered once.
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackChild(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const c of liveChildren) c.kill('SIGKILL');
    });
  }
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}

/**
 * Spawns a Node program inside a network namespace (argv only: `ip netns exec <ns> node <file> <args>`).
 * stdin stays open: the program exits when it closes, so nothing outlives the harness.
 */
export function spawnInNamespace(namespace: string, file: string, args: readonly string[], nodeFlags: readonly string[] = []): NamespaceChild {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(namespace)) throw new TypeError(`invalid namespace ${JSON.stringify(namespace)}`);
  const child = spawn('ip', ['netns', 'exec', namespace, process.execPath, '--no-warnings', ...nodeFlags, file, ...args], {
    shell: false,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin?.on('error', () => undefined);
  trackChild(child);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  let stopping: Promise<void> | undefined;
  return {
    child,
    stop(graceMs = 2000) {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.stdin?.end();
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          await exited;
          clearTimeout(timer);
        }
      })();
      return stopping;
    },
  };
}

/** Reads the first stdout line of a child, within `timeoutMs`; rejects with stderr if it exits first. */
export function firstLine(c: NamespaceChild, timeoutMs: number, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    c.child.stderr?.on('data', (b: Buffer) => {
      if (stderr.length < 4000) stderr += b.toString('utf8');
    });
    const lines = createInterface({ input: c.child.stdout! });
    const timer = setTimeout(() => {
      lines.close();
      reject(new Error(`${what} did not start within ${timeoutMs} ms: ${stderr.trim()}`));
    }, timeoutMs);
    lines.once('line', (line) => {
      clearTimeout(timer);
      lines.close();
      resolve(line);
    });
    c.child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} before it was ready: ${stderr.trim()}`));
    });
  });
}

/**
 * Starts an echo server inside a namespace and waits (bounded) until its sockets are bound. Sockets that
 * cannot be opened (SCTP here) are listed in `ready.skipped` with the reason, not an error.
 */
export async function startEchoServer(namespace: string, config: EchoConfig, timeoutMs = 10_000): Promise<EchoServer> {
  const c = spawnInNamespace(namespace, SERVER, [JSON.stringify(config)]);
  try {
    const line = await firstLine(c, timeoutMs, `echo server ${config.name} in ${namespace}`);
    const ready = JSON.parse(line) as EchoReady;
    return { ...c, ready };
  } catch (err) {
    await c.stop(500);
    throw err;
  }
}
