import { describe, expect, it } from '@jest/globals';
import { backoffDelay } from './backoff.ts';
import { manualClock } from './testing/index.ts';
import { TokenBucket } from './token-bucket.ts';

describe('TokenBucket', () => {
  it('lets a burst through, then paces at qps', async () => {
    const clock = manualClock(0);
    const bucket = new TokenBucket(2, 3, clock, clock);
    const done: number[] = [];
    for (let i = 0; i < 7; i++) void bucket.take().then(() => done.push(clock.now()));
    await clock.flush();
    expect(done).toEqual([0, 0, 0]);
    await clock.advance(2000);
    expect(done).toEqual([0, 0, 0, 500, 1000, 1500, 2000]);
  });

  it('qps <= 0 disables limiting', async () => {
    const clock = manualClock(0);
    const bucket = new TokenBucket(0, 1, clock, clock);
    await Promise.all(Array.from({ length: 100 }, () => bucket.take()));
    expect(clock.pending).toBe(0);
  });
});

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, { initialMs: 100, maxMs: 1000 }))).toEqual([
      0, 100, 200, 400, 800, 1000, 1000,
    ]);
  });
});
