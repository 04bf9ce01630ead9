/**
 * Slimming: the informers keep only the fields a service proxy reads (`@kproxy/api`'s Kube* types), the way
 * client-go informers are given a transform that strips managedFields. Everything else an object carries
 * (managedFields, owner references, most annotations, endpoint targetRefs, a Node's images, conditions and
 * capacity) is dropped as the object arrives, before any cache holds it: at 10,000 EndpointSlices of 10
 * endpoints that is tens of megabytes the process never retains, and updates that change only dropped
 * fields become no-ops for the change tracker.
 *
 * Copies values as they are, never coerces or repairs them: validation still sees malformed fields as
 * they came (a `port: "80"` stays a string). Pure; the input is not modified.
 */
import {
  ANNOTATION_LAST_CHANGE_TRIGGER_TIME,
  type KubeEndpointSlice,
  type KubeNode,
  type KubeService,
  type ObjectMeta,
} from '@kproxy/api';

type Loose = Record<string, unknown>;

const isRecord = (v: unknown): v is Loose => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Copies the listed keys that are present (own, not undefined) from `src`. */
function pick(src: Loose, keys: readonly string[]): Loose {
  const out: Loose = {};
  for (const k of keys) {
    const v = src[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** Annotations the proxy reads; all others are dropped. */
const KEPT_ANNOTATIONS = [ANNOTATION_LAST_CHANGE_TRIGGER_TIME] as const;

function slimMeta(md: unknown): ObjectMeta {
  if (!isRecord(md)) return md as ObjectMeta;
  const out = pick(md, ['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'labels', 'creationTimestamp', 'deletionTimestamp']);
  const annotations = md.annotations;
  if (isRecord(annotations)) {
    const kept = pick(annotations, KEPT_ANNOTATIONS);
    if (Object.keys(kept).length > 0) out.annotations = kept;
  } else if (annotations !== undefined) {
    out.annotations = annotations; // malformed: let validation see it
  }
  return out as ObjectMeta;
}

const SERVICE_SPEC_KEYS = [
  'type',
  'clusterIP',
  'clusterIPs',
  'ipFamilies',
  'ipFamilyPolicy',
  'ports',
  'selector',
  'externalIPs',
  'externalName',
  'loadBalancerIP',
  'loadBalancerSourceRanges',
  'externalTrafficPolicy',
  'internalTrafficPolicy',
  'healthCheckNodePort',
  'sessionAffinity',
  'sessionAffinityConfig',
  'trafficDistribution',
  'publishNotReadyAddresses',
] as const;

/** A Service with only what a proxy reads (metadata, the proxy-relevant spec, load-balancer ingress). */
export function slimService(obj: KubeService): KubeService {
  if (!isRecord(obj)) return obj;
  const out = pick(obj, ['apiVersion', 'kind']);
  out.metadata = slimMeta(obj.metadata);
  if (obj.spec !== undefined) out.spec = isRecord(obj.spec) ? pick(obj.spec, SERVICE_SPEC_KEYS) : obj.spec;
  const status = (obj as Loose).status;
  if (isRecord(status) && isRecord(status.loadBalancer)) {
    out.status = { loadBalancer: pick(status.loadBalancer, ['ingress']) };
  }
  return out as unknown as KubeService;
}

const ENDPOINT_KEYS = ['addresses', 'conditions', 'hostname', 'nodeName', 'zone', 'hints'] as const;

/** An EndpointSlice without endpoint targetRefs, deprecated topology and unread metadata. */
export function slimEndpointSlice(obj: KubeEndpointSlice): KubeEndpointSlice {
  if (!isRecord(obj)) return obj;
  const out = pick(obj, ['apiVersion', 'kind', 'addressType', 'ports']);
  out.metadata = slimMeta(obj.metadata);
  const endpoints = (obj as Loose).endpoints;
  if (Array.isArray(endpoints)) {
    out.endpoints = endpoints.map((e: unknown) => (isRecord(e) ? pick(e, ENDPOINT_KEYS) : e));
  } else if (endpoints !== undefined) {
    out.endpoints = endpoints;
  }
  return out as unknown as KubeEndpointSlice;
}

/** A Node with its labels, pod CIDRs and addresses only (no images, conditions, capacity or heartbeats). */
export function slimNode(obj: KubeNode): KubeNode {
  if (!isRecord(obj)) return obj;
  const out = pick(obj, ['apiVersion', 'kind']);
  out.metadata = slimMeta(obj.metadata);
  if (obj.spec !== undefined) out.spec = isRecord(obj.spec) ? pick(obj.spec, ['podCIDR', 'podCIDRs', 'unschedulable']) : obj.spec;
  const status = (obj as Loose).status;
  if (isRecord(status) && status.addresses !== undefined) out.status = { addresses: status.addresses };
  return out as unknown as KubeNode;
}
