/**
 * Stable reason codes emitted by slice merging and endpoint selection. Codes never change meaning; new ones
 * may be added. Consumers (explain, logs, tests) match on these, never on messages.
 */
export const ENDPOINT_REASONS = {
  // --- merging EndpointSlices (mergeEndpointSlices) ---
  /** A slice has an addressType that is not IPv4, IPv6 or FQDN; it is skipped. */
  InvalidSliceAddressType: 'InvalidSliceAddressType',
  /** A slice carries the service-proxy-name or headless label; it is ignored. */
  SliceIgnoredByLabel: 'SliceIgnoredByLabel',
  /** A slice port has a port number outside 1..65535 or an unknown protocol; that port is skipped. */
  InvalidSlicePort: 'InvalidSlicePort',
  /** One slice lists the same port name and protocol twice with different numbers; the first is kept. */
  DuplicateSlicePort: 'DuplicateSlicePort',
  /** An endpoint address is not a valid IP; the endpoint is skipped. */
  InvalidEndpointAddress: 'InvalidEndpointAddress',
  /** An endpoint address is of the other family than the slice's addressType; the endpoint is skipped. */
  EndpointAddressWrongFamily: 'EndpointAddressWrongFamily',
  /** The same IP:port appears in several slices with different data; one copy was chosen. */
  DuplicateEndpoint: 'DuplicateEndpoint',

  // --- selecting endpoints (selectEndpoints) ---
  /** The service port has no endpoint at all: traffic is rejected. */
  NoEndpoints: 'NoEndpoints',
  /** Endpoints exist but none is ready or serving+terminating anywhere: traffic is rejected. */
  NoUsableEndpoints: 'NoUsableEndpoints',
  /** No ready endpoint in the cluster set: serving+terminating endpoints are used instead. */
  NoReadyEndpointsUsingTerminating: 'NoReadyEndpointsUsingTerminating',
  /** No ready local endpoint: serving+terminating local endpoints are used instead. */
  NoReadyLocalEndpointsUsingTerminating: 'NoReadyLocalEndpointsUsingTerminating',
  /** A Local policy applies but no usable endpoint is on this node: that traffic is dropped. */
  NoLocalEndpoints: 'NoLocalEndpoints',
  /** Topology narrowed the cluster set to endpoints hinted for this node. */
  TopologySameNode: 'TopologySameNode',
  /** Topology narrowed the cluster set to endpoints hinted for this node's zone. */
  TopologySameZone: 'TopologySameZone',
  /** Topology not applied: some ready endpoint lacks zone hints. */
  TopologyIgnoredMissingHints: 'TopologyIgnoredMissingHints',
  /** Topology not applied: no ready endpoint is hinted for this node's zone. */
  TopologyIgnoredNoHintsForZone: 'TopologyIgnoredNoHintsForZone',
  /** Topology not applied: the node has no zone label. */
  TopologyIgnoredNodeHasNoZone: 'TopologyIgnoredNodeHasNoZone',
  /** Node hints are present but not used: not every ready endpoint has them, none names this node, or the feature is off. */
  NodeHintsIgnored: 'NodeHintsIgnored',
  /** The cluster set is not computed: internalTrafficPolicy is Local and the port is not externally reachable. */
  ClusterEndpointsUnused: 'ClusterEndpointsUnused',
} as const;

/** One of the stable reason codes of `ENDPOINT_REASONS`. */
export type EndpointReasonCode = (typeof ENDPOINT_REASONS)[keyof typeof ENDPOINT_REASONS];
