// The namespace topology: plan (pure) and builder (real kernel).
export { cidrContains, familyOfAddress, familyOfCidr, normaliseAddress, nthHost } from './addresses.ts';
export { addressLine, buildTopology, killInside, routeLine, withTopology } from './build.ts';
export type { BuildTopologyOptions, Topology } from './build.ts';
export { LEAF_IF, NODE_EXTERNAL_IF, NODE_PEER_IF, planTopology, POD_VETH_PREFIX } from './plan.ts';
export type {
  AddressPlan,
  LinkPlan,
  NamespacePlan,
  NamespaceRole,
  RoutePlan,
  TopologyClientSpec,
  TopologyEndpointSpec,
  TopologyNodeSpec,
  TopologyPlan,
  TopologySpec,
} from './spec.ts';
