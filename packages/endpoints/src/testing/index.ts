// Test helpers of @kproxy/endpoints (the `@kproxy/endpoints/testing` entry point).
export { testEndpoint } from './endpoint-fixtures.ts';
export type { TestEndpointOptions } from './endpoint-fixtures.ts';
