/**
 * Stable reason codes emitted by the state builder. Codes never change meaning; new ones may be added.
 * `Skipped*` and `Ignored*` codes are informational (the object is deliberately not proxied); the others
 * report invalid input that was skipped. Slice-level codes come from `ENDPOINT_REASONS` (@kproxy/endpoints)
 * and affinity codes from `AFFINITY_REASONS` (@kproxy/affinity).
 */
export const STATE_REASONS = {
  /** The Service carries the service-proxy-name or headless label: not ours to proxy. */
  ServiceIgnoredByLabel: 'ServiceIgnoredByLabel',
  /** Headless Service (clusterIP None or empty): not proxied. */
  ServiceSkippedHeadless: 'ServiceSkippedHeadless',
  /** `type: ExternalName`: not proxied. */
  ServiceSkippedExternalName: 'ServiceSkippedExternalName',
  /** The Service is missing its name or namespace, or has no spec; skipped. */
  InvalidService: 'InvalidService',
  /** The Service's cluster IP is not a valid IP; the Service is skipped for this family. */
  InvalidClusterIP: 'InvalidClusterIP',
  /** The Service has an unknown `type`; it is proxied as its fields say. */
  UnknownServiceType: 'UnknownServiceType',
  /** A Service port has an invalid port, node port or protocol; that port is skipped. */
  InvalidServicePort: 'InvalidServicePort',
  /** Two Service ports share name and protocol; the first is kept. */
  DuplicateServicePort: 'DuplicateServicePort',
  /** An `externalIPs` entry is not a valid IP; skipped. */
  InvalidExternalIP: 'InvalidExternalIP',
  /** An LB ingress `ip` is not a valid IP; skipped. */
  InvalidLoadBalancerIP: 'InvalidLoadBalancerIP',
  /** An LB ingress entry has only a hostname: no rules for it. */
  IgnoredLoadBalancerHostname: 'IgnoredLoadBalancerHostname',
  /** An LB ingress entry has `ipMode` Proxy (or another non-VIP mode): no rules for it. */
  IgnoredLoadBalancerProxyMode: 'IgnoredLoadBalancerProxyMode',
  /** A `loadBalancerSourceRanges` entry is not a valid CIDR; skipped. */
  InvalidSourceRange: 'InvalidSourceRange',
  /** A zero CIDR (`0.0.0.0/0`, `::/0`) among the source ranges: no restriction for this family. */
  SourceRangesUnrestricted: 'SourceRangesUnrestricted',
  /** internal/externalTrafficPolicy has an unknown value; Cluster is used. */
  InvalidTrafficPolicy: 'InvalidTrafficPolicy',
  /** healthCheckNodePort is missing or out of range where one is needed; 0 is used. */
  InvalidHealthCheckNodePort: 'InvalidHealthCheckNodePort',
  /** A slice's last-change-trigger-time annotation is not a valid time; ignored. */
  InvalidTriggerTime: 'InvalidTriggerTime',
  /** A slice given for the Service names another Service or namespace; ignored. */
  SliceNotOwned: 'SliceNotOwned',
  /** A node option (nodePortAddresses entry, cluster or pod CIDR, node IP) is invalid; skipped. */
  InvalidNodeOption: 'InvalidNodeOption',
} as const;

/** One of the stable reason codes of `STATE_REASONS`. */
export type StateReasonCode = (typeof STATE_REASONS)[keyof typeof STATE_REASONS];
