// Test helpers of @kproxy/backend-winkernel: the semantic in-memory HNS, and the backend over it.
export { FakeHns, HNS_PORT_ALREADY_EXISTS } from './fake-hns.ts';
export type { FakeHnsCall, FakeHnsCounts, HnsCallName } from './fake-hns.ts';
export { fakeWinkernel } from './fake-winkernel.ts';
export type { FakeWinkernelOptions } from './fake-winkernel.ts';
