import type {
  Endpoint,
  IPFamily,
  KubeEndpointSlice,
  KubeService,
  NodeContext,
  Protocol,
  Reason,
  ServicePort,
} from '@kproxy/api';
import {
  ANNOTATION_LAST_CHANGE_TRIGGER_TIME,
  LABEL_HEADLESS,
  LABEL_SERVICE_NAME,
  LABEL_SERVICE_PROXY_NAME,
  PROTOCOLS,
} from '@kproxy/api';
import { parseSessionAffinity } from '@kproxy/affinity';
import type { InvalidAffinityMode } from '@kproxy/affinity';
import { isExternallyAccessible, mergeEndpointSlices, parseIP, selectEndpoints, slicePortKey } from '@kproxy/endpoints';
import { isZeroCIDR, parseCIDR } from './cidr.ts';
import { STATE_REASONS as R } from './reason-codes.ts';

/** Options of `buildServicePorts`. */
export interface BuildOptions {
  /**
   * What to do with a ClientIP timeout outside 1..86400 (which the API server would refuse): use the default
   * 10800 s with a reason (`'default'`, the default), or skip the Service with a reason (`'reject'`).
   */
  readonly invalidAffinity?: InvalidAffinityMode;
}

/** The result of `buildServicePorts`: the service ports of one family, and why things were skipped. */
export interface BuiltServicePorts {
  /** Sorted by port name then protocol. Empty when the Service is not proxied for this family. */
  readonly ports: ServicePort[];
  readonly reasons: Reason[];
}

const EMPTY: readonly string[] = Object.freeze([]);

/**
 * Turns one Service and its EndpointSlices into the service ports of `node.family`, following kube-proxy:
 * - Services labelled service-proxy-name / headless, headless Services (clusterIP None or empty) and
 *   `type: ExternalName` give no ports (informational reason);
 * - the cluster IP of the family from `clusterIPs` (or `clusterIP`); none of the family: no ports, no reason;
 * - external IPs, LB ingress IPs (hostname-only and non-VIP `ipMode` skipped) and source ranges of the family,
 *   normalised, de-duplicated and sorted; source ranges trimmed, a zero CIDR meaning no restriction;
 * - externalPolicyLocal only when the port is externally accessible; healthCheckNodePort only for
 *   LoadBalancer with externalTrafficPolicy Local; session affinity per `@kproxy/affinity`;
 * - endpoints from the slices of the family (`mergeEndpointSlices`), selected with `selectEndpoints`;
 * - lastChangeTriggerTime: the newest `endpoints.kubernetes.io/last-change-trigger-time` of the family's slices.
 * Invalid input gives a reason naming the object and skips only the bad part (or the whole Service when its
 * identity or cluster IP is bad). Pure; never throws.
 */
export function buildServicePorts(
  service: KubeService,
  slices: readonly KubeEndpointSlice[],
  node: NodeContext,
  options: BuildOptions = {},
): BuiltServicePorts {
  const reasons: Reason[] = [];
  try {
    const ports = build(service, slices, node, options, reasons);
    return { ports, reasons };
  } catch (err) {
    // Defence in depth: a malformed object must never take the proxy down.
    reasons.push({
      code: R.InvalidService,
      message: `Service ${describe(service)}: unexpected error while building: ${err instanceof Error ? err.message : String(err)}`,
      subject: `Service ${describe(service)}`,
    });
    return { ports: [], reasons };
  }
}

function build(
  service: KubeService,
  slices: readonly KubeEndpointSlice[],
  node: NodeContext,
  options: BuildOptions,
  reasons: Reason[],
): ServicePort[] {
  const family = node.family;
  const meta = service?.metadata;
  const namespace = meta?.namespace;
  const name = meta?.name;
  const subject = `Service ${describe(service)}`;
  const reason = (code: string, message: string): void => {
    reasons.push({ code, message: `${subject}: ${message}`, subject });
  };
  if (typeof namespace !== 'string' || namespace === '' || typeof name !== 'string' || name === '') {
    reason(R.InvalidService, 'missing metadata.namespace or metadata.name; skipped');
    return [];
  }
  const labels = meta?.labels;
  if (labels && (LABEL_SERVICE_PROXY_NAME in labels || LABEL_HEADLESS in labels)) {
    reason(R.ServiceIgnoredByLabel, `carries the ${LABEL_SERVICE_PROXY_NAME in labels ? LABEL_SERVICE_PROXY_NAME : LABEL_HEADLESS} label; ignored`);
    return [];
  }
  const spec = service.spec;
  if (!spec || typeof spec !== 'object') {
    reason(R.InvalidService, 'has no spec; skipped');
    return [];
  }
  const type = spec.type ?? 'ClusterIP';
  if (type === 'ExternalName') {
    reason(R.ServiceSkippedExternalName, 'type ExternalName is not proxied');
    return [];
  }
  if (!['ClusterIP', 'NodePort', 'LoadBalancer'].includes(type)) {
    reason(R.UnknownServiceType, `unknown type ${JSON.stringify(type)}; proxied as its fields say`);
  }

  // Cluster IP of this family (kube-proxy's GetClusterIPByFamily).
  const primary = spec.clusterIP;
  if (primary === 'None' || ((primary === undefined || primary === '') && !(spec.clusterIPs?.length))) {
    reason(R.ServiceSkippedHeadless, 'headless (clusterIP None) is not proxied');
    return [];
  }
  const candidates = Array.isArray(spec.clusterIPs) && spec.clusterIPs.length > 0 ? spec.clusterIPs : [primary];
  let clusterIP: string | undefined;
  for (const text of candidates) {
    if (text === 'None') {
      reason(R.ServiceSkippedHeadless, 'headless (clusterIP None) is not proxied');
      return [];
    }
    const ip = typeof text === 'string' ? parseIP(text) : undefined;
    if (!ip) {
      // Only this entry is bad: the other family's proxier, or a valid entry of ours, may still work.
      reason(R.InvalidClusterIP, `invalid cluster IP ${JSON.stringify(text)}; skipped`);
      continue;
    }
    if (ip.family === family && clusterIP === undefined) clusterIP = ip.ip;
  }
  if (clusterIP === undefined) return [];

  const externalIPs = familyIPs(spec.externalIPs, family, (text) =>
    reason(R.InvalidExternalIP, `invalid externalIPs entry ${JSON.stringify(text)}; skipped`),
  );
  const loadBalancerIPs = ingressIPs(service, family, reason);
  const loadBalancerSourceRanges = sourceRanges(spec.loadBalancerSourceRanges, family, reason);

  const internalPolicyLocal = policyIsLocal(spec.internalTrafficPolicy, 'internalTrafficPolicy', reason);
  const externalLocalWanted = policyIsLocal(spec.externalTrafficPolicy, 'externalTrafficPolicy', reason);

  let healthCheckNodePort = 0;
  if (type === 'LoadBalancer' && externalLocalWanted) {
    const hc: unknown = spec.healthCheckNodePort;
    if (isPort(hc)) healthCheckNodePort = hc;
    else reason(R.InvalidHealthCheckNodePort, `healthCheckNodePort ${JSON.stringify(hc)} is not a port in 1..65535; none is served`);
  }

  const affinityResult = parseSessionAffinity(spec, {
    ...(options.invalidAffinity ? { mode: options.invalidAffinity } : {}),
    subject,
  });
  reasons.push(...affinityResult.reasons);
  const sessionAffinity = affinityResult.affinity;
  if (!sessionAffinity) return [];

  // Slices: only those that really belong to this Service.
  const owned: KubeEndpointSlice[] = [];
  let lastChangeTriggerTime: number | undefined;
  for (const slice of Array.isArray(slices) ? slices : []) {
    if (!slice || typeof slice !== 'object') continue;
    const sliceMeta = slice.metadata;
    if (sliceMeta?.namespace !== namespace || sliceMeta?.labels?.[LABEL_SERVICE_NAME] !== name) {
      reason(R.SliceNotOwned, `EndpointSlice ${sliceMeta?.namespace ?? ''}/${sliceMeta?.name ?? ''} does not belong to it; ignored`);
      continue;
    }
    owned.push(slice);
    if (slice.addressType !== family) continue;
    const trigger = sliceMeta.annotations?.[ANNOTATION_LAST_CHANGE_TRIGGER_TIME];
    if (trigger !== undefined) {
      const ms = typeof trigger === 'string' ? Date.parse(trigger) : Number.NaN;
      if (Number.isFinite(ms)) {
        if (lastChangeTriggerTime === undefined || ms > lastChangeTriggerTime) lastChangeTriggerTime = ms;
      } else {
        reason(R.InvalidTriggerTime, `EndpointSlice ${sliceMeta.name ?? ''} has invalid ${ANNOTATION_LAST_CHANGE_TRIGGER_TIME} ${JSON.stringify(trigger)}; ignored`);
      }
    }
  }
  const merged = mergeEndpointSlices(owned, { family, nodeName: node.name });
  for (const r of merged.reasons) reasons.push({ ...r, message: `${subject}: ${r.message}` });

  const ports: ServicePort[] = [];
  const seen = new Set<string>();
  for (const p of Array.isArray(spec.ports) ? spec.ports : []) {
    if (!p || typeof p !== 'object') continue;
    const portName = typeof p.name === 'string' ? p.name : '';
    const protocol = p.protocol ?? 'TCP';
    if (!(PROTOCOLS as readonly string[]).includes(protocol)) {
      reason(R.InvalidServicePort, `port ${JSON.stringify(portName)} has unknown protocol ${JSON.stringify(protocol)}; skipped`);
      continue;
    }
    if (!isPort(p.port)) {
      reason(R.InvalidServicePort, `port ${JSON.stringify(portName)} has invalid number ${JSON.stringify(p.port)}; skipped`);
      continue;
    }
    const nodePort: unknown = p.nodePort ?? 0;
    if (nodePort !== 0 && !isPort(nodePort)) {
      reason(R.InvalidServicePort, `port ${JSON.stringify(portName)} has invalid nodePort ${JSON.stringify(p.nodePort)}; skipped`);
      continue;
    }
    const key = slicePortKey(portName, protocol as Protocol);
    if (seen.has(key)) {
      reason(R.DuplicateServicePort, `port ${JSON.stringify(portName)}/${protocol} is listed twice; the first is kept`);
      continue;
    }
    seen.add(key);

    const endpoints: readonly Endpoint[] = merged.ports.get(key) ?? [];
    const externallyAccessible = isExternallyAccessible({ nodePort: nodePort as number, externalIPs, loadBalancerIPs });
    const externalPolicyLocal = externalLocalWanted && externallyAccessible;
    const selection = selectEndpoints({
      endpoints,
      internalPolicyLocal,
      externalPolicyLocal,
      externallyAccessible,
      node,
    });
    const servicePort: { -readonly [K in keyof ServicePort]: ServicePort[K] } = {
      name: { namespace, name, port: portName, protocol: protocol as Protocol },
      family,
      clusterIP,
      port: p.port,
      protocol: protocol as Protocol,
      nodePort: nodePort as number,
      externalIPs,
      loadBalancerIPs,
      loadBalancerSourceRanges,
      healthCheckNodePort,
      internalPolicyLocal,
      externalPolicyLocal,
      sessionAffinity,
      endpoints,
      selection,
    };
    if (lastChangeTriggerTime !== undefined) servicePort.lastChangeTriggerTime = lastChangeTriggerTime;
    ports.push(servicePort);
  }
  ports.sort((a, b) => {
    const ka = slicePortKey(a.name.port, a.protocol);
    const kb = slicePortKey(b.name.port, b.protocol);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  return ports;
}

function familyIPs(texts: unknown, family: IPFamily, invalid: (text: unknown) => void): readonly string[] {
  if (!Array.isArray(texts) || texts.length === 0) return EMPTY;
  const out = new Set<string>();
  for (const text of texts) {
    const ip = typeof text === 'string' ? parseIP(text) : undefined;
    if (!ip) invalid(text);
    else if (ip.family === family) out.add(ip.ip);
  }
  return out.size === 0 ? EMPTY : [...out].sort();
}

function ingressIPs(service: KubeService, family: IPFamily, reason: (code: string, message: string) => void): readonly string[] {
  const ingress = service.status?.loadBalancer?.ingress;
  if (!Array.isArray(ingress) || ingress.length === 0) return EMPTY;
  const out = new Set<string>();
  for (const entry of ingress) {
    if (!entry || typeof entry !== 'object') continue;
    if (entry.ip === undefined || entry.ip === '') {
      if (entry.hostname) reason(R.IgnoredLoadBalancerHostname, `LB ingress ${JSON.stringify(entry.hostname)} has only a hostname; no rules`);
      continue;
    }
    if (entry.ipMode !== undefined && entry.ipMode !== null && entry.ipMode !== 'VIP') {
      reason(R.IgnoredLoadBalancerProxyMode, `LB ingress ${JSON.stringify(entry.ip)} has ipMode ${JSON.stringify(entry.ipMode)}; no rules`);
      continue;
    }
    const ip = typeof entry.ip === 'string' ? parseIP(entry.ip) : undefined;
    if (!ip) reason(R.InvalidLoadBalancerIP, `invalid LB ingress IP ${JSON.stringify(entry.ip)}; skipped`);
    else if (ip.family === family) out.add(ip.ip);
  }
  return out.size === 0 ? EMPTY : [...out].sort();
}

function sourceRanges(
  texts: unknown,
  family: IPFamily,
  reason: (code: string, message: string) => void,
): readonly string[] {
  if (!Array.isArray(texts) || texts.length === 0) return EMPTY;
  const out = new Set<string>();
  let unrestricted = false;
  for (const raw of texts) {
    const cidr = typeof raw === 'string' ? parseCIDR(raw.trim()) : undefined;
    if (!cidr) {
      reason(R.InvalidSourceRange, `invalid loadBalancerSourceRanges entry ${JSON.stringify(raw)}; skipped`);
      continue;
    }
    if (cidr.family !== family) continue;
    if (isZeroCIDR(cidr)) unrestricted = true;
    out.add(cidr.cidr);
  }
  if (unrestricted) {
    reason(R.SourceRangesUnrestricted, `loadBalancerSourceRanges include ${family === 'IPv4' ? '0.0.0.0/0' : '::/0'}: no restriction`);
    return EMPTY;
  }
  return out.size === 0 ? EMPTY : [...out].sort();
}

function policyIsLocal(value: unknown, field: string, reason: (code: string, message: string) => void): boolean {
  if (value === 'Local') return true;
  if (value !== undefined && value !== null && value !== '' && value !== 'Cluster') {
    reason(R.InvalidTrafficPolicy, `unknown ${field} ${JSON.stringify(value)}; using Cluster`);
  }
  return false;
}

function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

function describe(service: KubeService | undefined): string {
  const meta = service?.metadata;
  return `${meta?.namespace ?? ''}/${meta?.name ?? '<unnamed>'}`;
}
