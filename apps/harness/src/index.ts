// Public API of @kproxy/harness.
export { ApiError, statusObject } from './apiserver/api-error.ts';
export { fieldsMatch, parseFieldSelector } from './apiserver/field-selector.ts';
export type { FieldRequirement, FieldSelector } from './apiserver/field-selector.ts';
export { kubeConfigFor, kubeconfigYaml } from './apiserver/kubeconfig.ts';
export { labelsMatch, parseLabelSelector, SelectorParseError } from './apiserver/label-selector.ts';
export type { LabelRequirement, LabelSelector } from './apiserver/label-selector.ts';
export { parseManifests } from './apiserver/manifests.ts';
export { RESOURCE_TYPES } from './apiserver/resources.ts';
export type { ResourceType } from './apiserver/resources.ts';
export { startApiServer } from './apiserver/server.ts';
export type {
  ApiServer,
  ApiServerOptions,
  FaultKnob,
  KubeObject,
  ObjectRef,
  RequestRecord,
} from './apiserver/server.ts';
export * from './topology/index.ts';
export * from './echo/index.ts';
export * from './probe/index.ts';
export * from './kernel-runner/index.ts';
