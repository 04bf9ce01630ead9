// @kproxy/api/testing: model builders for tests and benchmarks.
export { endpointOf, nodeContextOf, proxyStateOf, servicePortOf } from './builders.ts';
export type { ServicePortInput } from './builders.ts';
