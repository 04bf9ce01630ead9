// Test helpers of @kproxy/watch.
export { manualClock } from './manual-clock.ts';
export type { ManualClock } from './manual-clock.ts';
