import type { Endpoint, Reason, ServicePort } from '@kproxy/api';

/** The endpoints winkernel programs for one service port, and the flags that gate its external policies. */
export interface WinkernelSelection {
  /** Endpoints that get an HNS endpoint, in the order of `ServicePort.endpoints`. */
  readonly used: readonly Endpoint[];
  /** Every considered endpoint that is ready or terminating is terminating (LoadBalancer services only). */
  readonly allTerminating: boolean;
  /** No considered endpoint is serving (LoadBalancer services only). */
  readonly allNonServing: boolean;
  /** `!allTerminating && !allNonServing`: node-port, external-IP and health-check policies need it. */
  readonly endpointsAvailableForLB: boolean;
  readonly reasons: readonly Reason[];
}

/**
 * kube-proxy winkernel's own endpoint filter. It does not use the shared `CategorizeEndpoints`: topology
 * hints are ignored, and the serving+terminating fallback exists only for services with LB ingress IPs.
 *
 * - Services without ingress IPs use their ready, serving endpoints; terminating endpoints never.
 * - With ingress IPs, the endpoints considered (only local ones when externalTrafficPolicy Local runs as
 *   DSR) decide: if every ready-or-terminating one is terminating, serving terminating endpoints are used
 *   and node-port / external-IP / health-check policies are withheld; if none is serving, no endpoint is
 *   filtered out at all (kube-proxy's behaviour, kept as is).
 * - With both traffic policies Local (and DSR), remote endpoints are skipped entirely.
 *
 * `localTrafficDSR` is externalTrafficPolicy Local on a host that supports DSR. Pure.
 */
export function selectWinkernelEndpoints(sp: ServicePort, localTrafficDSR: boolean): WinkernelSelection {
  const reasons: Reason[] = [];
  let allTerminating = false;
  let allNonServing = false;
  if (sp.loadBalancerIPs.length > 0) {
    const considered = sp.endpoints.filter((ep) => !localTrafficDSR || ep.isLocal);
    // Endpoints that are neither ready nor terminating (failed readiness) do not count either way.
    allTerminating = considered.every((ep) => (!ep.ready && !ep.terminating) || ep.terminating);
    allNonServing = considered.every((ep) => !ep.serving);
  }
  const someServing = !allNonServing;
  if (sp.loadBalancerIPs.length > 0 && allTerminating && !allNonServing) {
    reasons.push({
      code: 'AllEndpointsTerminating',
      message: 'every endpoint is terminating: serving terminating endpoints are used, node-port and external-IP policies are withheld',
    });
  }
  if (sp.loadBalancerIPs.length > 0 && allNonServing && sp.endpoints.length > 0) {
    reasons.push({
      code: 'AllEndpointsNonServing',
      message:
        'no considered endpoint is serving (only local ones count under externalTrafficPolicy Local): winkernel then filters out no endpoint, not even unready ones',
    });
  }
  const used: Endpoint[] = [];
  for (const ep of sp.endpoints) {
    if (sp.internalPolicyLocal && localTrafficDSR && !ep.isLocal) continue;
    if (someServing) {
      if (!allTerminating && !ep.ready) {
        if (ep.terminating && ep.serving) {
          reasons.push({
            code: 'TerminatingEndpointSkipped',
            message: 'winkernel uses terminating endpoints only for LoadBalancer services whose endpoints all terminate',
            subject: `${ep.ip}:${ep.port}`,
          });
        }
        continue;
      }
      if (!ep.serving) continue;
    }
    used.push(ep);
  }
  return {
    used,
    allTerminating,
    allNonServing,
    endpointsAvailableForLB: !allTerminating && !allNonServing,
    reasons,
  };
}
