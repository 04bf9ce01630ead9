import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnInNamespace } from '../echo/start.ts';
import type { NamespaceChild } from '../echo/start.ts';
import type { ProbeAgent } from '../probe/agent-client.ts';

/** apps/kproxy/src/main.ts, the daemon's entry point (see /work/coord/daemon.md). */
export const DAEMON_ENTRY = fileURLToPath(new URL('../../../kproxy/src/main.ts', import.meta.url));

/** The daemon's V8 flags (apps/kproxy/node-flags.json), as the Dockerfile starts it. */
export const DAEMON_NODE_FLAGS: readonly string[] = JSON.parse(
  readFileSync(new URL('../../../kproxy/node-flags.json', import.meta.url), 'utf8'),
) as string[];

/** A daemon running inside the node namespace, with its recent output kept for failure messages. */
export interface DaemonProcess extends NamespaceChild {
  /** The last lines the daemon wrote (stdout and stderr), at most 200. */
  logTail(lines?: number): string;
  /** Exit code once it has exited, else undefined. */
  exitCode(): number | null | undefined;
}

/** Whether the daemon's entry point exists, and if not, why (for a printed skip reason). */
export function daemonAvailable(entry = DAEMON_ENTRY): { ok: boolean; reason: string } {
  return existsSync(entry) ? { ok: true, reason: '' } : { ok: false, reason: `the daemon entry point ${entry} does not exist yet` };
}

/** Starts the daemon inside `namespace` with kube-proxy flags (`node --conditions=@kproxy/source main.ts ...`). */
export function startDaemon(namespace: string, args: readonly string[], entry = DAEMON_ENTRY): DaemonProcess {
  const c = spawnInNamespace(namespace, entry, args, [...DAEMON_NODE_FLAGS, '--conditions=@kproxy/source']);
  const lines: string[] = [];
  let partial = '';
  const take = (b: Buffer): void => {
    const parts = (partial + b.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  c.child.stdout?.on('data', take);
  c.child.stderr?.on('data', take);
  return {
    ...c,
    logTail: (n = 30) => [...lines, partial].filter(Boolean).slice(-n).join('\n'),
    exitCode: () => (c.child.exitCode === null && c.child.signalCode === null ? undefined : c.child.exitCode),
  };
}

/** What the daemon's healthz said. */
export interface HealthSample {
  readonly status: number;
  /** `lastUpdated` from the body, in ms since the epoch (0 when absent). */
  readonly lastUpdated: number;
}

/** One GET of the daemon's healthz, from a probe agent in the node namespace; undefined when it did not answer. */
export async function sampleHealth(agent: ProbeAgent, host: string, port: number): Promise<HealthSample | undefined> {
  const r = await agent.attempt({ proto: 'http', dst: host, port, path: '/healthz', timeoutMs: 1000 });
  if (r.outcome !== 'answered' || !r.http) return undefined;
  let lastUpdated = 0;
  try {
    const body = JSON.parse(r.http.body) as { lastUpdated?: string };
    lastUpdated = body.lastUpdated ? Date.parse(body.lastUpdated) || 0 : 0;
  } catch {
    // a body that is not JSON still carries the status
  }
  return { status: r.http.status, lastUpdated };
}

/** The daemon's sync timestamps from its metrics (`kubeproxy_sync_proxy_rules_last_*timestamp_seconds`), in ms. */
export interface SyncTimes {
  readonly lastSync: number;
  readonly lastQueued: number;
}

/** Reads the newest value of each `name` in a Prometheus text exposition, or 0. Pure. */
export function newestMetric(text: string, name: string): number {
  let newest = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value) && value > newest) newest = value;
  }
  return newest;
}

/** One GET of the daemon's metrics from a probe agent in the node namespace; undefined when unavailable. */
export async function sampleSyncTimes(agent: ProbeAgent, host: string, port: number): Promise<SyncTimes | undefined> {
  const r = await agent.attempt({ proto: 'http', dst: host, port, path: '/metrics', timeoutMs: 1000 });
  if (r.outcome !== 'answered' || r.http?.status !== 200) return undefined;
  return {
    lastSync: newestMetric(r.http.body, 'kubeproxy_sync_proxy_rules_last_timestamp_seconds') * 1000,
    lastQueued: newestMetric(r.http.body, 'kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds') * 1000,
  };
}

/** Where the daemon serves healthz and metrics, inside the node namespace. */
export interface DaemonEndpoints {
  readonly host: string;
  readonly healthzPort: number;
  readonly metricsPort: number;
}

/**
 * Waits (bounded by `timeoutMs`, polling every `intervalMs`) until the daemon has caught up with changes
 * made at `since`: healthz answers 200, nothing queued is newer than the last sync, and either the change
 * was queued (at or after `since`, then 50 ms of quiet) or a second passed without it being queued (a change
 * the proxy filters out queues nothing). Returns whether that was met; throws if the daemon exits.
 */
export async function waitForSync(
  daemon: DaemonProcess,
  agent: ProbeAgent,
  where: DaemonEndpoints,
  since: number,
  timeoutMs: number,
  intervalMs = 100,
): Promise<{ met: boolean; sample?: HealthSample; waitedMs: number }> {
  const started = Date.now();
  let sample: HealthSample | undefined;
  const rounds = Math.ceil(timeoutMs / intervalMs) + 1;
  for (let i = 0; i < rounds && Date.now() - started <= timeoutMs; i++) {
    if (daemon.exitCode() !== undefined) {
      throw new Error(`the daemon exited (${daemon.exitCode()}) while waiting for a sync:\n${daemon.logTail()}`);
    }
    sample = await sampleHealth(agent, where.host, where.healthzPort);
    if (sample?.status === 200) {
      const times = await sampleSyncTimes(agent, where.host, where.metricsPort);
      const now = Date.now();
      const lastSync = Math.max(times?.lastSync ?? 0, sample.lastUpdated);
      const caughtUp = times === undefined || lastSync >= times.lastQueued;
      // Seen: the change was queued (events of one step arrive within ms; 50 ms of quiet lets them all in).
      const seen = times !== undefined && times.lastQueued >= since && now - times.lastQueued >= 50;
      // Without metrics, a sync that ended well after the change must have seen it.
      const synced = times === undefined ? lastSync >= since + 150 : seen;
      if (caughtUp && (synced || now - since >= 1000)) return { met: true, sample, waitedMs: now - started };
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return { met: false, ...(sample ? { sample } : {}), waitedMs: Date.now() - started };
}
