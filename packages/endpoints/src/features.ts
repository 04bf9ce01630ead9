import type { NodeContext } from '@kproxy/api';

/**
 * Feature switch for node hints (trafficDistribution PreferSameNode), named like kube-proxy's feature gate.
 * Beta and on by default since Kubernetes 1.34, GA in 1.35: absent means enabled; set it to `false` in
 * `NodeContext.features` to ignore node hints.
 */
export const FEATURE_PREFER_SAME_TRAFFIC_DISTRIBUTION = 'PreferSameTrafficDistribution';

/** Defaults of the feature switches endpoint selection reads, used when `NodeContext.features` omits them. */
export const FEATURE_DEFAULTS: Readonly<Record<string, boolean>> = {
  [FEATURE_PREFER_SAME_TRAFFIC_DISTRIBUTION]: true,
};

/** Whether a feature switch is on for this node: its explicit value, else its default, else false. Pure. */
export function featureEnabled(node: Pick<NodeContext, 'features'>, feature: string): boolean {
  const value = node.features?.[feature];
  if (typeof value === 'boolean') return value;
  return FEATURE_DEFAULTS[feature] ?? false;
}
