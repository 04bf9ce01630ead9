import type { Endpoint, EndpointSelection, NodeContext, Reason } from '@kproxy/api';
import { endpointKey } from '@kproxy/api';
import { FEATURE_PREFER_SAME_TRAFFIC_DISTRIBUTION, featureEnabled } from './features.ts';
import { compareEndpoints } from './merge-slices.ts';
import { ENDPOINT_REASONS as R } from './reason-codes.ts';

/** What `selectEndpoints` needs to know about one service port (of one family) and the node. */
export interface SelectionInput {
  /** Every endpoint of the port after merging (`ServicePort.endpoints`), any order. */
  readonly endpoints: readonly Endpoint[];
  /** internalTrafficPolicy is Local. */
  readonly internalPolicyLocal: boolean;
  /** externalTrafficPolicy is Local (it only counts when `externallyAccessible`). */
  readonly externalPolicyLocal: boolean;
  /** The port has a node port, external IPs or LB ingress IPs (see `isExternallyAccessible`). */
  readonly externallyAccessible: boolean;
  /** The proxy's node: name (node hints), zone (zone hints) and feature switches. */
  readonly node: Pick<NodeContext, 'name' | 'zone' | 'features'>;
}

/** The topology mode chosen from the hints of the ready endpoints. */
export type TopologyMode = 'None' | 'PreferSameZone' | 'PreferSameNode';

/**
 * True when traffic to the port can arrive from outside the cluster network: it has a node port, an
 * external IP or an LB ingress IP (kube-proxy's `ExternallyAccessible`). Pure.
 */
export function isExternallyAccessible(port: {
  readonly nodePort: number;
  readonly externalIPs: readonly string[];
  readonly loadBalancerIPs: readonly string[];
}): boolean {
  return port.nodePort !== 0 || port.externalIPs.length > 0 || port.loadBalancerIPs.length > 0;
}

/**
 * Whether the port needs the cluster set: unless internalTrafficPolicy is Local and nothing external
 * reaches it. An externally accessible port always needs it, even with externalTrafficPolicy Local, because
 * traffic from pods and from the node itself is short-circuited to the cluster set. Pure.
 */
export function usesClusterEndpoints(input: Pick<SelectionInput, 'internalPolicyLocal' | 'externallyAccessible'>): boolean {
  return !input.internalPolicyLocal || input.externallyAccessible;
}

/** Whether the port needs the local set: internalTrafficPolicy Local, or externalTrafficPolicy Local on an externally accessible port. Pure. */
export function usesLocalEndpoints(
  input: Pick<SelectionInput, 'internalPolicyLocal' | 'externalPolicyLocal' | 'externallyAccessible'>,
): boolean {
  return input.internalPolicyLocal || (input.externalPolicyLocal && input.externallyAccessible);
}

const usable = (e: Endpoint): boolean => e.ready || (e.serving && e.terminating);
const servingTerminating = (e: Endpoint): boolean => e.serving && e.terminating;

/**
 * Chooses the endpoints a service port uses on this node, as kube-proxy's `CategorizeEndpoints` does:
 * - cluster set (only when `usesClusterEndpoints`, else empty): the ready endpoints narrowed by topology;
 *   if none is ready, the serving+terminating endpoints, with no topology;
 * - local set (only when `usesLocalEndpoints`, else empty): the ready local endpoints; if none, the
 *   serving+terminating local ones; topology never narrows it;
 * - topology from hints of the ready endpoints: node hints (when every ready endpoint has them, one names
 *   this node, and the PreferSameTrafficDistribution switch is on), else zone hints (when every ready
 *   endpoint has them and one names the node's zone), else none;
 * - `allReachableEndpoints`: the union of the two sets, sorted;
 * - `hasAnyEndpoints`: some endpoint is usable (ready, or serving+terminating) anywhere in the cluster. When
 *   false, traffic is rejected; when true but the set a Local policy uses is empty, traffic is dropped.
 * Every output list is sorted by IP then port, so the result does not depend on input order. Reasons use
 * the stable codes of `ENDPOINT_REASONS`. Pure; never throws.
 */
export function selectEndpoints(input: SelectionInput): EndpointSelection {
  const endpoints = sortedCopy(input.endpoints);
  const reasons: Reason[] = [];
  const hasAnyEndpoints = endpoints.some(usable);
  if (endpoints.length === 0) {
    reasons.push({ code: R.NoEndpoints, message: 'the service port has no endpoints: traffic is rejected' });
  } else if (!hasAnyEndpoints) {
    reasons.push({
      code: R.NoUsableEndpoints,
      message: `none of the ${endpoints.length} endpoints is ready or serving+terminating: traffic is rejected`,
    });
  }

  const useCluster = usesClusterEndpoints(input);
  const useLocal = usesLocalEndpoints(input);

  let clusterEndpoints: Endpoint[] = [];
  if (useCluster) {
    const ready = endpoints.filter((e) => e.ready);
    if (ready.length > 0) {
      const topology = chooseTopology(ready, input.node, reasons);
      clusterEndpoints = topology.filter ? ready.filter(topology.filter) : ready;
    } else {
      clusterEndpoints = endpoints.filter(servingTerminating);
      if (clusterEndpoints.length > 0) {
        reasons.push({
          code: R.NoReadyEndpointsUsingTerminating,
          message: `no ready endpoints: fell back to ${clusterEndpoints.length} serving+terminating endpoint(s), topology not applied`,
        });
      }
    }
  } else if (endpoints.length > 0) {
    reasons.push({
      code: R.ClusterEndpointsUnused,
      message: 'internalTrafficPolicy is Local and the port is not externally accessible: only local endpoints are used',
    });
  }

  let localEndpoints: Endpoint[] = [];
  if (useLocal) {
    const local = endpoints.filter((e) => e.isLocal);
    localEndpoints = local.filter((e) => e.ready);
    if (localEndpoints.length === 0) {
      localEndpoints = local.filter(servingTerminating);
      if (localEndpoints.length > 0) {
        reasons.push({
          code: R.NoReadyLocalEndpointsUsingTerminating,
          message: `no ready local endpoints: fell back to ${localEndpoints.length} serving+terminating local endpoint(s)`,
        });
      }
    }
    if (localEndpoints.length === 0 && hasAnyEndpoints) {
      reasons.push({
        code: R.NoLocalEndpoints,
        message: `a Local traffic policy applies (${input.internalPolicyLocal ? 'internal' : 'external'}) but no usable endpoint is on node ${input.node.name}: that traffic is dropped`,
      });
    }
  }

  return {
    clusterEndpoints,
    localEndpoints,
    allReachableEndpoints: union(clusterEndpoints, localEndpoints),
    hasAnyEndpoints,
    reasons,
  };
}

/** The topology decision: the mode and, when it narrows, the predicate ready endpoints must pass. */
export interface TopologyChoice {
  readonly mode: TopologyMode;
  readonly filter?: (e: Endpoint) => boolean;
}

/**
 * The topology mode from the ready endpoints' hints (kube-proxy's topologyModeFromHints), with reasons.
 * Reasons are only given when some ready endpoint carries hints of that kind: a Service without hints is
 * the common case and needs no explaining.
 */
export function chooseTopology(
  ready: readonly Endpoint[],
  node: Pick<NodeContext, 'name' | 'zone' | 'features'>,
  reasons: Reason[] = [],
): TopologyChoice {
  const nodeName = node.name;
  const zone = node.zone ?? '';
  let anyNodeHints = false;
  let missingNodeHint: Endpoint | undefined;
  let nodeHinted = 0;
  let anyZoneHints = false;
  let missingZoneHint: Endpoint | undefined;
  let zoneHinted = 0;
  for (const e of ready) {
    if (e.nodeHints && e.nodeHints.length > 0) {
      anyNodeHints = true;
      if (nodeName !== '' && e.nodeHints.includes(nodeName)) nodeHinted++;
    } else missingNodeHint ??= e;
    if (e.zoneHints && e.zoneHints.length > 0) {
      anyZoneHints = true;
      if (zone !== '' && e.zoneHints.includes(zone)) zoneHinted++;
    } else missingZoneHint ??= e;
  }

  if (anyNodeHints) {
    if (!featureEnabled(node, FEATURE_PREFER_SAME_TRAFFIC_DISTRIBUTION)) {
      reasons.push({
        code: R.NodeHintsIgnored,
        message: `node hints ignored: the ${FEATURE_PREFER_SAME_TRAFFIC_DISTRIBUTION} feature switch is off`,
      });
    } else if (missingNodeHint) {
      reasons.push({
        code: R.NodeHintsIgnored,
        message: `node hints ignored: ready endpoint ${endpointKey(missingNodeHint)} has no node hints`,
        subject: endpointKey(missingNodeHint),
      });
    } else if (nodeHinted === 0) {
      reasons.push({
        code: R.NodeHintsIgnored,
        message: `node hints ignored: no ready endpoint is hinted for node ${nodeName}`,
        subject: nodeName,
      });
    } else {
      reasons.push({
        code: R.TopologySameNode,
        message: `topology: using the ${nodeHinted} of ${ready.length} ready endpoints hinted for node ${nodeName}`,
        subject: nodeName,
      });
      return { mode: 'PreferSameNode', filter: (e) => e.nodeHints?.includes(nodeName) === true };
    }
  }

  if (!anyZoneHints) return { mode: 'None' };
  if (missingZoneHint) {
    reasons.push({
      code: R.TopologyIgnoredMissingHints,
      message: `topology ignored: ready endpoint ${endpointKey(missingZoneHint)} has no zone hints`,
      subject: endpointKey(missingZoneHint),
    });
    return { mode: 'None' };
  }
  if (zone === '') {
    reasons.push({
      code: R.TopologyIgnoredNodeHasNoZone,
      message: `topology ignored: node ${nodeName} has no topology.kubernetes.io/zone label`,
      subject: nodeName,
    });
    return { mode: 'None' };
  }
  if (zoneHinted === 0) {
    reasons.push({
      code: R.TopologyIgnoredNoHintsForZone,
      message: `topology ignored: no ready endpoint is hinted for zone ${zone}`,
      subject: zone,
    });
    return { mode: 'None' };
  }
  reasons.push({
    code: R.TopologySameZone,
    message: `topology: using the ${zoneHinted} of ${ready.length} ready endpoints hinted for zone ${zone}`,
    subject: zone,
  });
  return { mode: 'PreferSameZone', filter: (e) => e.zoneHints?.includes(zone) === true };
}

function sortedCopy(endpoints: readonly Endpoint[]): Endpoint[] {
  const copy = [...endpoints];
  for (let i = 1; i < copy.length; i++) {
    if (compareEndpoints(copy[i - 1] as Endpoint, copy[i] as Endpoint) > 0) return copy.sort(compareEndpoints);
  }
  return copy;
}

function union(a: readonly Endpoint[], b: readonly Endpoint[]): Endpoint[] {
  if (b.length === 0) return [...a];
  if (a.length === 0) return [...b];
  const byKey = new Map<string, Endpoint>();
  for (const e of a) byKey.set(`${e.ip}|${e.port}`, e);
  for (const e of b) if (!byKey.has(`${e.ip}|${e.port}`)) byKey.set(`${e.ip}|${e.port}`, e);
  return [...byKey.values()].sort(compareEndpoints);
}
