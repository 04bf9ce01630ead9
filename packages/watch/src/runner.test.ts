import { describe, expect, it } from '@jest/globals';
import { BoundedFrequencyRunner } from './bounded-frequency-runner.ts';
import { manualClock } from './testing/index.ts';

function setup(opts: { min?: number; max?: number; fail?: () => boolean; durationMs?: number } = {}) {
  const clock = manualClock(0);
  const runs: number[] = [];
  let active = 0;
  let maxActive = 0;
  const runner = new BoundedFrequencyRunner({
    clock,
    timers: clock,
    minIntervalMs: opts.min ?? 1000,
    maxIntervalMs: opts.max ?? 30_000,
    retry: { initialMs: 500, maxMs: 4000 },
    fn: async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      runs.push(clock.now());
      if (opts.durationMs) await new Promise<void>((r) => clock.setTimeout(r, opts.durationMs as number));
      active--;
      if (opts.fail?.()) throw new Error('boom');
    },
  });
  return { clock, runs, runner, maxActive: () => maxActive };
}

describe('BoundedFrequencyRunner', () => {
  it('runs at start, then at most once per minInterval however often it is asked', async () => {
    const { clock, runs, runner } = setup();
    runner.start();
    await clock.advance(0);
    expect(runs).toEqual([0]);
    for (let t = 0; t < 10; t++) {
      runner.run();
      await clock.advance(100);
    }
    expect(runs).toEqual([0, 1000]);
    await clock.advance(5000);
    expect(runs).toEqual([0, 1000]);
    runner.run();
    await clock.advance(0);
    expect(runs).toEqual([0, 1000, 6000]);
    expect(runner.status().lastSuccessAt).toBe(6000);
  });

  it('a burst of requests keeps one timer and becomes one run', async () => {
    const { clock, runs, runner } = setup();
    runner.start();
    await clock.advance(0);
    for (let i = 0; i < 10_000; i++) runner.run();
    expect(clock.pending).toBe(1);
    await clock.advance(1000);
    expect(runs).toEqual([0, 1000]);
  });

  it('runs at least once per maxInterval when nothing asks', async () => {
    const { clock, runs, runner } = setup({ max: 10_000 });
    runner.start();
    await clock.advance(35_000);
    expect(runs).toEqual([0, 10_000, 20_000, 30_000]);
  });

  it('never runs concurrently; a request during a run becomes one follow-up run after minInterval', async () => {
    const { clock, runs, runner, maxActive } = setup({ durationMs: 3000, min: 1000 });
    runner.start();
    await clock.advance(100);
    runner.run();
    runner.run();
    await clock.advance(10_000);
    expect(maxActive()).toBe(1);
    // first run 0..3000, follow-up at 3000 + 1000.
    expect(runs).toEqual([0, 4000]);
  });

  it('retries failures with exponential backoff and reports health', async () => {
    let failing = true;
    const { clock, runs, runner } = setup({ min: 0, fail: () => failing });
    runner.start();
    await clock.advance(0);
    expect(runner.status()).toMatchObject({ consecutiveFailures: 1, lastSuccessAt: undefined });
    await clock.advance(500 + 1000 + 2000 + 4000 + 4000);
    expect(runs).toEqual([0, 500, 1500, 3500, 7500, 11_500]);
    expect(runner.status().consecutiveFailures).toBe(6);
    failing = false;
    await clock.advance(4000);
    expect(runs.at(-1)).toBe(15_500);
    expect(runner.status()).toMatchObject({ consecutiveFailures: 0, lastSuccessAt: 15_500, lastError: undefined });
  });

  it('stop() waits for the run in progress and schedules nothing more', async () => {
    const { clock, runs, runner } = setup({ durationMs: 1000, max: 2000 });
    runner.start();
    await clock.advance(10);
    const stopped = runner.stop();
    await clock.advance(1000);
    await stopped;
    await clock.advance(10_000);
    expect(runs).toEqual([0]);
    expect(clock.pending).toBe(0);
  });
});
