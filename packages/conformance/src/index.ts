// Public API of @kproxy/conformance.
export { cidrContains, parseCIDR } from './cidr.ts';
export type { ParsedCIDR } from './cidr.ts';
export { loadScenarioFile, loadScenarios, SCENARIO_DIR } from './files.ts';
export {
  DEFAULT_EXTERNAL_CLIENT,
  DEFAULT_EXTERNAL_INTERFACE,
  DEFAULT_POD_CLIENT_OFFSET,
  DEFAULT_POD_INTERFACE,
  objectKey,
  parseScenario,
  resolveSource,
  ScenarioError,
  synthesiseNode,
} from './load.ts';
export type {
  AffinityCheck,
  BackendDifference,
  DetectLocalMode,
  FamilyAddresses,
  Flow,
  FlowOutcome,
  FlowSource,
  NamedSource,
  ObjectRef,
  Scenario,
  ScenarioNode,
  ScenarioObject,
  Step,
} from './scenario.ts';
export { fakeTarget } from './fake-target.ts';
export type { BackendUnderTest, FakeEnvironment, FakeTargetOptions } from './fake-target.ts';
export { proxyOptionsFor } from './proxy-options.ts';
export type { NodePortDefault } from './proxy-options.ts';
export { ObjectStore } from './object-store.ts';
export { compareOutcome, formatOutcome, observeTrace } from './outcome.ts';
export type { Observation } from './outcome.ts';
export { flowPacket, sourceFor } from './packet.ts';
export type { ResolvedSource } from './packet.ts';
export { expectedFor, runScenario } from './run.ts';
export type { CheckResult, CheckStatus, ScenarioResult } from './run.ts';
export type { ScenarioTarget } from './target.ts';
export { modelBackend, modelTrace } from './model-backend.ts';
