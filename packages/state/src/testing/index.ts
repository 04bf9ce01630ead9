// Test helpers of @kproxy/state (the `@kproxy/state/testing` entry point).
export { testNode, testService, testSlice } from './fixtures.ts';
