// Measuring helpers shared by the benchmarks (not tests): nft runs timed with their CPU split, an idle-machine
// wait, medians.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Netns } from '@kproxy/netns';

/** Milliseconds since `t0`, one decimal. */
export const ms = (t0: number): number => Math.round((performance.now() - t0) * 10) / 10;

/** One nft run with its wall time and CPU time split into user and system (kernel) time, from /usr/bin/time. */
export async function timed(ns: Netns, args: readonly string[]): Promise<{ wallMs: number; userMs: number; sysMs: number; ok: boolean; stderr: string }> {
  const t0 = performance.now();
  const r = await ns.executor.run('/usr/bin/time', ['-f', 'KPCPU %U %S', 'nft', ...args], { timeoutMs: 300_000 });
  const wallMs = ms(t0);
  const lines = r.stderr.trimEnd().split('\n');
  const m = /^KPCPU ([\d.]+) ([\d.]+)$/.exec(lines[lines.length - 1] ?? '');
  return { wallMs, userMs: Math.round(Number(m?.[1] ?? NaN) * 1000), sysMs: Math.round(Number(m?.[2] ?? NaN) * 1000), ok: r.exitCode === 0, stderr: lines.slice(0, -1).join('\n') };
}

/** CPU (user+system+softirq...) and idle jiffies of the whole machine, from /proc/stat. */
function cpuJiffies(): { busy: number; idle: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: fields.reduce((a, b) => a + b, 0) - idle, idle };
}

/**
 * Waits until the machine is quiet (over 90% idle for half a second), at most 60 s: the kernel frees a
 * deleted table or namespace in the background, and a 10,000-service one takes seconds of CPU.
 */
export async function quiet(): Promise<void> {
  for (let i = 0; i < 120; i++) {
    const a = cpuJiffies();
    await sleep(500);
    const b = cpuJiffies();
    const busy = b.busy - a.busy;
    const idle = b.idle - a.idle;
    if (idle / Math.max(1, busy + idle) > 0.9) return;
  }
}

export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Median wall, user and system time of `reps` runs of `args()` (a fresh batch each time). */
export async function probe(ns: Netns, reps: number, args: (k: number) => string[]): Promise<{ wallMs: number; userMs: number; sysMs: number; runs: number[] }> {
  const runs: Awaited<ReturnType<typeof timed>>[] = [];
  for (let k = 0; k < reps; k++) {
    const r = await timed(ns, args(k));
    if (!r.ok) throw new Error(`probe failed: nft ${args(k).join(' ')}: ${r.stderr}`);
    runs.push(r);
  }
  return { wallMs: median(runs.map((r) => r.wallMs)), userMs: median(runs.map((r) => r.userMs)), sysMs: median(runs.map((r) => r.sysMs)), runs: runs.map((r) => r.wallMs) };
}

