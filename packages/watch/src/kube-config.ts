import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '@kproxy/api';

/** Where the API server connection comes from. */
export interface ConnectionOptions {
  /** A ready KubeConfig (tests, the harness). Wins over everything else. */
  readonly kubeConfig?: KubeConfig;
  /** Path of a kubeconfig file (kube-proxy's `--kubeconfig`). */
  readonly kubeconfigPath?: string;
  /** Use the in-cluster service account (token and CA under /var/run/secrets/kubernetes.io/serviceaccount). */
  readonly inCluster?: boolean;
  /** Overrides the server URL of the chosen config (kube-proxy's `--master`). */
  readonly masterUrl?: string;
}

/**
 * Builds the client-node KubeConfig. Without any option, client-node's default loading applies
 * ($KUBECONFIG, ~/.kube/config, then in-cluster). Throws `ConfigError` when nothing usable is found.
 */
export function loadKubeConfig(options: ConnectionOptions = {}): KubeConfig {
  let kc: KubeConfig;
  try {
    if (options.kubeConfig) {
      kc = options.kubeConfig;
    } else {
      kc = new KubeConfig();
      if (options.kubeconfigPath) kc.loadFromFile(options.kubeconfigPath);
      else if (options.inCluster) {
        // client-node would build "https://undefined:undefined"; client-go fails with ErrNotInCluster instead.
        if (!process.env.KUBERNETES_SERVICE_HOST || !process.env.KUBERNETES_SERVICE_PORT) {
          throw new Error('not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are unset');
        }
        kc.loadFromCluster();
      }
      else kc.loadFromDefault();
    }
  } catch (err) {
    throw new ConfigError(`cannot load the Kubernetes client configuration: ${String(err)}`, { cause: err });
  }
  if (options.masterUrl) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new ConfigError('--master given but the kubeconfig has no current cluster');
    const clusters = kc.clusters.map((c) => (c.name === cluster.name ? { ...c, server: options.masterUrl as string } : c));
    const next = new KubeConfig();
    next.loadFromOptions({ clusters, users: kc.users, contexts: kc.contexts, currentContext: kc.currentContext });
    kc = next;
  }
  if (!kc.getCurrentCluster()) throw new ConfigError('the Kubernetes client configuration has no current cluster');
  return kc;
}
