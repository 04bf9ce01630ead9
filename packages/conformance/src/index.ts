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
