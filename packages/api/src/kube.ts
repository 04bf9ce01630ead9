/**
 * The subset of Kubernetes object shapes (as JSON on the wire) that kproxy reads. Field names follow the
 * Kubernetes API exactly, so objects from `@kubernetes/client-node`, from YAML manifests and from the
 * harness's API server all fit. Every field is optional where the API allows it to be absent: consumers
 * must validate, never trust.
 */

/** Object metadata: the fields kproxy looks at. */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** RFC 3339 text on the wire; client-node turns it into a Date. */
  creationTimestamp?: string | Date;
  deletionTimestamp?: string | Date;
}

/** `core/v1` ServicePort. */
export interface KubeServicePort {
  name?: string;
  /** Defaults to TCP. */
  protocol?: string;
  port: number;
  targetPort?: number | string;
  nodePort?: number;
  appProtocol?: string;
}

/** `core/v1` LoadBalancerIngress. */
export interface KubeLoadBalancerIngress {
  ip?: string;
  hostname?: string;
  /** `VIP` (default) or `Proxy`; `Proxy` entries get no rules. */
  ipMode?: string;
}

/** `core/v1` ServiceSpec: the fields a service proxy uses. */
export interface KubeServiceSpec {
  /** ClusterIP (default), NodePort, LoadBalancer or ExternalName. */
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  ports?: KubeServicePort[];
  selector?: Record<string, string>;
  externalIPs?: string[];
  externalName?: string;
  loadBalancerIP?: string;
  loadBalancerSourceRanges?: string[];
  /** Cluster (default) or Local. */
  externalTrafficPolicy?: string;
  /** Cluster (default) or Local. */
  internalTrafficPolicy?: string;
  healthCheckNodePort?: number;
  /** None (default) or ClientIP. */
  sessionAffinity?: string;
  sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
  /** PreferClose, PreferSameZone or PreferSameNode. */
  trafficDistribution?: string;
  publishNotReadyAddresses?: boolean;
}

/** `core/v1` Service. */
export interface KubeService {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: KubeServiceSpec;
  status?: { loadBalancer?: { ingress?: KubeLoadBalancerIngress[] } };
}

/** `discovery.k8s.io/v1` EndpointConditions. `null` and absent mean the documented default. */
export interface KubeEndpointConditions {
  /** Unset means true. */
  ready?: boolean | null;
  /** Unset means true. */
  serving?: boolean | null;
  /** Unset means false. */
  terminating?: boolean | null;
}

/** `discovery.k8s.io/v1` Endpoint. */
export interface KubeSliceEndpoint {
  addresses: string[];
  conditions?: KubeEndpointConditions;
  hostname?: string;
  nodeName?: string;
  zone?: string;
  hints?: { forZones?: { name: string }[]; forNodes?: { name: string }[] };
  targetRef?: { kind?: string; namespace?: string; name?: string; uid?: string };
}

/** `discovery.k8s.io/v1` EndpointPort. */
export interface KubeSlicePort {
  name?: string;
  protocol?: string;
  port?: number;
  appProtocol?: string;
}

/** `discovery.k8s.io/v1` EndpointSlice. */
export interface KubeEndpointSlice {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  /** IPv4, IPv6 or FQDN (FQDN slices are never proxied). */
  addressType: string;
  endpoints?: KubeSliceEndpoint[];
  ports?: KubeSlicePort[];
}

/** `core/v1` Node: the fields a service proxy uses. */
export interface KubeNode {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: { podCIDR?: string; podCIDRs?: string[]; unschedulable?: boolean };
  status?: { addresses?: { type: string; address: string }[] };
}

/** Objects carrying this label (any value, even empty) are not ours to proxy. */
export const LABEL_SERVICE_PROXY_NAME = 'service.kubernetes.io/service-proxy-name';
/** Objects carrying this label are headless and never proxied. */
export const LABEL_HEADLESS = 'service.kubernetes.io/headless';
/** Names the Service an EndpointSlice belongs to (in the slice's namespace). */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
/** The node's zone, used for topology-aware routing. */
export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';
/** Set by the EndpointSlice controller; used for the network-programming-duration metric. */
export const ANNOTATION_LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
/** Informer label selector for Services and EndpointSlices, exactly as kube-proxy uses it. */
export const PROXY_LABEL_SELECTOR = `!${LABEL_SERVICE_PROXY_NAME},!${LABEL_HEADLESS}`;
