// Public API of @kproxy/e2e-conformance.
export { LANDED_BACKENDS, nftablesUnderTest, winkernelUnderTest } from './backends.ts';
export { generateParity, PARITY_PATH, renderParity } from './parity.ts';
export { runSuite } from './suite.ts';
export type { SuiteResults } from './suite.ts';
