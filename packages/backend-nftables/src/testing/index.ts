// Test helpers of @kproxy/backend-nftables: build service ports and states without the state builder.
export { ep, node, stateOf, svcPort } from './fixture.ts';
export type { PortSpec } from './fixture.ts';
