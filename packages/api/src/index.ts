// Public API of @kproxy/api: the contract every kproxy package speaks.
export type { Backend, BackendFactory, Packet, SyncOptions, SyncPlan, SyncResult, Trace, Verdict } from './backend.ts';
export { diffStates, FULL_CHANGE_SET } from './changes.ts';
export type { ChangeKind, ChangeSet } from './changes.ts';
export { silentLogger, systemClock } from './components.ts';
export type { Clock, Components, LogFn, Logger } from './components.ts';
export { deepEqual, nodeContextEqual, servicePortEqual } from './equality.ts';
export {
  ConfigError,
  ExecError,
  InvalidObjectError,
  KernelRejectedError,
  KProxyError,
  NotFoundError,
  SyncError,
  UnsupportedPlatformError,
} from './errors.ts';
export type { ExecOptions, ExecResult, Executor, Session, StartOptions } from './executor.ts';
export { endpointKey, familyOf, hostPort, servicePortKey, sortedServicePorts } from './keys.ts';
export {
  ANNOTATION_LAST_CHANGE_TRIGGER_TIME,
  LABEL_HEADLESS,
  LABEL_SERVICE_NAME,
  LABEL_SERVICE_PROXY_NAME,
  LABEL_TOPOLOGY_ZONE,
  PROXY_LABEL_SELECTOR,
} from './kube.ts';
export type {
  KubeEndpointConditions,
  KubeEndpointSlice,
  KubeLoadBalancerIngress,
  KubeNode,
  KubeService,
  KubeServicePort,
  KubeServiceSpec,
  KubeSliceEndpoint,
  KubeSlicePort,
  ObjectMeta,
} from './kube.ts';
export {
  DEFAULT_AFFINITY_TIMEOUT_SECONDS,
  DEFAULT_MASQUERADE_BIT,
  MAX_AFFINITY_TIMEOUT_SECONDS,
  PROTOCOLS,
} from './model.ts';
export type {
  Endpoint,
  EndpointSelection,
  IPFamily,
  LocalDetector,
  NodeContext,
  NodePortAddresses,
  Protocol,
  ProxyState,
  Reason,
  ServicePort,
  ServicePortName,
  SessionAffinity,
} from './model.ts';
