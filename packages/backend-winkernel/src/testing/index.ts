// Test helpers of @kproxy/backend-winkernel: the semantic in-memory HNS.
export { FakeHns, HNS_PORT_ALREADY_EXISTS } from './fake-hns.ts';
export type { FakeHnsCall, FakeHnsCounts, HnsCallName } from './fake-hns.ts';
