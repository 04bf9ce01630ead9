import { hostname, networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import { CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import type { IPFamily, KubeNode, Logger } from '@kproxy/api';
import { familyOf } from '@kproxy/api';

/** The node name kproxy runs as: `hostnameOverride`, else the host name, lower-cased (as kube-proxy). */
export function nodeName(hostnameOverride: string): string {
  return (hostnameOverride || hostname()).trim().toLowerCase();
}

/** Every address of this network namespace's interfaces (for resolving node-port address CIDRs). */
export function localAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a): a is NonNullable<typeof a> => a !== undefined)
    .map((a) => a.address.split('%')[0] as string);
}

/** The node's IPs from its Node object, InternalIP before ExternalIP, as kube-proxy orders them. Pure. */
export function nodeAddresses(node: KubeNode | undefined): string[] {
  const addrs = node?.status?.addresses ?? [];
  const pick = (type: string) => addrs.filter((a) => a.type === type && isIP(a.address) !== 0).map((a) => a.address);
  return [...pick('InternalIP'), ...pick('ExternalIP')];
}

/**
 * The families to proxy, primary first: the family of `bindAddress` when it is a specific IP, else of the
 * node's first address; plus the other family when the node has an address of it (dual-stack). With no
 * address at all kube-proxy falls back to IPv4 loopback: IPv4 only. Pure.
 */
export function familiesFor(bindAddress: string, addresses: readonly string[]): IPFamily[] {
  const specific = bindAddress !== '' && bindAddress !== '0.0.0.0' && bindAddress !== '::' ? bindAddress : undefined;
  const all = [...(specific ? [specific] : []), ...addresses];
  if (all.length === 0) return ['IPv4'];
  const families: IPFamily[] = [];
  for (const ip of all) {
    const f = familyOf(ip);
    if (!families.includes(f)) families.push(f);
  }
  return families;
}

/**
 * Reads the proxy's own Node, retrying for a while as kube-proxy does (the Node may not be registered
 * yet). Resolves undefined when it cannot be read within `attempts`.
 */
export async function readNode(
  kubeConfig: KubeConfig,
  name: string,
  logger: Logger,
  attempts = 10,
  delayMs = 1000,
): Promise<KubeNode | undefined> {
  const api = kubeConfig.makeApiClient(CoreV1Api);
  for (let i = 0; i < attempts; i++) {
    try {
      return (await api.readNode({ name })) as unknown as KubeNode;
    } catch (err) {
      logger.warn({ node: name, attempt: i + 1, err: String((err as Error).message ?? err).slice(0, 200) }, 'cannot read own Node yet');
      if (i + 1 < attempts) await new Promise((r) => setTimeout(r, delayMs));
    }
  }
  return undefined;
}
