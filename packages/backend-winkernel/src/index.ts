// Public API of @kproxy/backend-winkernel.
export { winkernelBackend } from './backend.ts';
export { dryRunWinkernel, formatDesiredHns } from './dry-run.ts';
export type { DryRunOptions, DryRunResult } from './dry-run.ts';
export type { HnsApi } from './hns-api.ts';
export {
  flagNames,
  frontendKey,
  HNS_ENDPOINT_FLAGS,
  HNS_LOAD_BALANCER_FLAGS,
  HNS_PORT_MAPPING_FLAGS,
  HNS_PROTOCOL_NUMBERS,
  loadBalancerFamily,
  loadBalancerKey,
  protocolName,
} from './hns-model.ts';
export type {
  HnsDistributionType,
  HnsEndpoint,
  HnsEndpointSpec,
  HnsLoadBalancer,
  HnsLoadBalancerSpec,
  HnsNetwork,
  HnsNetworkType,
  HnsPortMapping,
  HnsRemoteSubnet,
  HnsSnapshot,
} from './hns-model.ts';
export { resolveOptions } from './options.ts';
export type { RenderOptions, WinkernelOptions } from './options.ts';
export { RealHnsApi } from './real-hns-api.ts';
export { applyHnsOperations, formatEndpoint, formatLoadBalancer, formatOperation, planHns } from './reconcile.ts';
export type { AppliedHns, HnsOperation, ObservedHns } from './reconcile.ts';
export { ENDPOINT_NAME_PREFIX, HnsRenderCache, LOAD_BALANCER_KINDS, renderHns } from './render.ts';
export type {
  DesiredEndpoint,
  DesiredEndpointPurpose,
  DesiredHns,
  DesiredLoadBalancer,
  HnsFacts,
  LoadBalancerKind,
} from './render.ts';
export { selectWinkernelEndpoints } from './select-endpoints.ts';
export type { WinkernelSelection } from './select-endpoints.ts';
export { traceHns } from './trace.ts';
export type { HnsTraceContext } from './trace.ts';
