/** Kubeconfigs that point at the embedded API server (plain http on loopback, no authentication). */
import { KubeConfig } from '@kubernetes/client-node';
import yaml from 'js-yaml';

const NAME = 'kproxy-harness';

/** The kubeconfig document (as a plain object) for a server URL. */
function kubeconfigObject(url: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    // client-node refuses plain http unless TLS verification is (vacuously) skipped.
    clusters: [{ name: NAME, cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: NAME, user: {} }],
    contexts: [{ name: NAME, context: { cluster: NAME, user: NAME, namespace: 'default' } }],
    'current-context': NAME,
    preferences: {},
  };
}

/** Kubeconfig YAML for `url`, for kubectl's `--kubeconfig` or a file. */
export function kubeconfigYaml(url: string): string {
  return yaml.dump(kubeconfigObject(url));
}

/** A `@kubernetes/client-node` KubeConfig for `url`. */
export function kubeConfigFor(url: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: NAME, server: url, skipTLSVerify: true }],
    users: [{ name: NAME }],
    contexts: [{ name: NAME, cluster: NAME, user: NAME, namespace: 'default' }],
    currentContext: NAME,
  });
  return kc;
}
