import { ConfigError } from '@kproxy/api';
import type { ProxyState } from '@kproxy/api';
import { HNS_ENDPOINT_FLAGS } from './hns-model.ts';
import type { HnsEndpoint, HnsNetworkType, HnsRemoteSubnet } from './hns-model.ts';
import { conjureMac, isIpAddress } from './ip.ts';
import { resolveOptions } from './options.ts';
import type { WinkernelOptions } from './options.ts';
import { formatEndpoint, formatLoadBalancer } from './reconcile.ts';
import { renderHns } from './render.ts';
import type { DesiredHns } from './render.ts';

/** Options of `dryRunWinkernel`: the backend's options without an HNS, plus the network to assume. */
export interface DryRunOptions extends Omit<WinkernelOptions, 'hns' | 'networkName' | 'family'> {
  /** Default `kproxy`. */
  readonly networkName?: string;
  /** Default `L2Bridge` (an overlay needs `sourceVip` and `hostMac`). */
  readonly networkType?: HnsNetworkType;
  readonly remoteSubnets?: readonly HnsRemoteSubnet[];
}

/** What `dryRunWinkernel` produced. */
export interface DryRunResult {
  /** The HNS objects, as data. */
  readonly desired: DesiredHns;
  /** One line per object (`endpoint ...`, `loadbalancer ...`), then `# <reason>` lines. */
  readonly text: string;
  /** `desired` as indented JSON. */
  readonly json: string;
}

/**
 * Renders the HNS objects the `kernelspace` backend would create for `state` on an empty HNS, without any
 * HNS: for `kproxy --proxy-mode=kernelspace --dry-run` on Linux. It assumes the CNI plugin has made an
 * HNS endpoint for every local endpoint (as on a healthy node) and that there is no root endpoint (so no
 * health-check forwarding). Pure.
 */
export function dryRunWinkernel(state: ProxyState, options: DryRunOptions = {}): DryRunResult {
  const networkName = options.networkName ?? 'kproxy';
  const networkType = options.networkType ?? 'L2Bridge';
  const render = resolveOptions({ ...options, networkName, family: state.family });
  if (networkType === 'Overlay' && (!isIpAddress(render.sourceVip) || !render.hostMac)) {
    throw new ConfigError('winkernel dry-run: an overlay network needs sourceVip and hostMac');
  }
  const endpointsByIp = new Map<string, HnsEndpoint>();
  for (const sp of state.servicePorts.values()) {
    for (const ep of sp.endpoints) {
      if (!ep.isLocal || endpointsByIp.has(ep.ip)) continue;
      endpointsByIp.set(ep.ip, {
        id: `cni-${ep.ip}`,
        name: `pod-${ep.ip}`,
        networkId: 'dry-run',
        ipAddress: ep.ip,
        macAddress: conjureMac('00-15', ep.ip),
        flags: HNS_ENDPOINT_FLAGS.None,
      });
    }
  }
  const desired = renderHns(state, render, {
    network: { id: 'dry-run', name: networkName, type: networkType, remoteSubnets: options.remoteSubnets ?? [] },
    endpointsByIp,
  });
  return { desired, text: formatDesiredHns(desired, networkType), json: `${JSON.stringify(desired, null, 2)}\n` };
}

/** Text form of a desired HNS configuration: a header, endpoints, load balancers, reasons. Pure. */
export function formatDesiredHns(desired: DesiredHns, networkType: HnsNetworkType): string {
  const lines = [
    `# HNS objects for ${desired.family} on network ${desired.networkName} (${networkType}): ` +
      `${desired.endpoints.length} endpoints, ${desired.loadBalancers.length} load balancers`,
    ...desired.endpoints.map((e) => `endpoint ${formatEndpoint(e)}`),
    ...desired.loadBalancers.map((lb) => `loadbalancer ${formatLoadBalancer(lb)}`),
    ...desired.reasons.map((r) => `# ${r.code}: ${r.message}`),
  ];
  return `${lines.join('\n')}\n`;
}
