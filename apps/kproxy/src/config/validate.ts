import { isIP } from 'node:net';
import { ConfigError } from '@kproxy/api';
import { DETECT_LOCAL_MODES, PROXY_MODES } from './kube-proxy-configuration.ts';
import type { KubeProxyConfiguration } from './kube-proxy-configuration.ts';

/** True for `ip/prefix` with a prefix that fits the family. */
export function isCIDR(text: string): boolean {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!m) return false;
  const v = isIP(m[1] as string);
  const bits = Number(m[2]);
  return (v === 4 && bits <= 32) || (v === 6 && bits <= 128);
}

function isHostPort(text: string): boolean {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text);
  if (!m || Number(m[3]) > 65535) return false;
  const host = m[1] ?? m[2] ?? '';
  return host === '' || isIP(host) !== 0;
}

/** Interface names (and prefixes) kproxy accepts: what Linux allows in practice, nothing that needs quoting. */
const IFNAME = /^[A-Za-z0-9_.@+-]{1,15}$/;

const IPVS_SCHEDULERS = ['', 'rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'sh', 'dh', 'sed', 'nq', 'mh'];

/**
 * Validates a completed configuration the way kube-proxy's validation does (the rules that matter for
 * kproxy). Collects every problem and throws one `ConfigError` listing them all. Pure.
 */
export function validateConfiguration(config: KubeProxyConfiguration): void {
  const errs: string[] = [];
  const need = (ok: boolean, msg: string) => {
    if (!ok) errs.push(msg);
  };
  need((PROXY_MODES as readonly string[]).includes(config.mode), `mode: must be one of ${PROXY_MODES.join(', ')}, got ${JSON.stringify(config.mode)}`);
  for (const section of ['iptables', 'nftables', 'ipvs'] as const) {
    const s = config[section];
    if (section === 'ipvs' && config.mode !== 'ipvs') continue;
    need(s.syncPeriod > 0, `${section}.syncPeriod: must be greater than 0`);
    need(s.minSyncPeriod >= 0, `${section}.minSyncPeriod: must be greater than or equal to 0`);
    need(s.minSyncPeriod <= s.syncPeriod, `${section}.minSyncPeriod: must not be greater than ${section}.syncPeriod`);
  }
  for (const section of ['iptables', 'nftables'] as const) {
    const bit = config[section].masqueradeBit;
    need(Number.isInteger(bit) && bit >= 0 && bit <= 31, `${section}.masqueradeBit: must be within [0, 31], got ${bit}`);
  }
  need(config.configSyncPeriod > 0, 'configSyncPeriod: must be greater than 0');
  need(isIP(config.bindAddress) !== 0, `bindAddress: not a valid IP address: ${JSON.stringify(config.bindAddress)}`);
  for (const field of ['healthzBindAddress', 'metricsBindAddress'] as const) {
    const v = config[field];
    need(v === '' || isHostPort(v), `${field}: want host:port with an IP host (e.g. 0.0.0.0:10256), got ${JSON.stringify(v)}`);
  }
  const cidrs = config.clusterCIDR === '' ? [] : config.clusterCIDR.split(',').map((s) => s.trim());
  for (const cidr of cidrs) need(isCIDR(cidr), `clusterCIDR: ${JSON.stringify(cidr)} is not a valid CIDR`);
  need(cidrs.filter((c) => !c.includes(':')).length <= 1 && cidrs.filter((c) => c.includes(':')).length <= 1,
    'clusterCIDR: at most one CIDR per IP family');
  need((DETECT_LOCAL_MODES as readonly string[]).includes(config.detectLocalMode),
    `detectLocalMode: must be one of ${DETECT_LOCAL_MODES.join(', ')}, got ${JSON.stringify(config.detectLocalMode)}`);
  if (config.detectLocalMode === 'BridgeInterface') {
    need(IFNAME.test(config.detectLocal.bridgeInterface), 'detectLocal.bridgeInterface: must be a valid interface name with detectLocalMode BridgeInterface');
  }
  if (config.detectLocalMode === 'InterfaceNamePrefix') {
    need(IFNAME.test(config.detectLocal.interfaceNamePrefix), 'detectLocal.interfaceNamePrefix: must be a valid interface name prefix with detectLocalMode InterfaceNamePrefix');
  }
  const npa = config.nodePortAddresses;
  for (const a of npa) need(a === 'primary' || isCIDR(a), `nodePortAddresses: ${JSON.stringify(a)} is neither a CIDR nor "primary"`);
  need(!npa.includes('primary') || npa.length === 1, 'nodePortAddresses: "primary" must be the only entry');
  need(config.conntrack.maxPerCore >= 0, 'conntrack.maxPerCore: must be greater than or equal to 0');
  need(config.conntrack.min >= 0, 'conntrack.min: must be greater than or equal to 0');
  for (const f of ['tcpEstablishedTimeout', 'tcpCloseWaitTimeout', 'udpTimeout', 'udpStreamTimeout'] as const) {
    need(config.conntrack[f] >= 0, `conntrack.${f}: must be greater than or equal to 0`);
  }
  need(config.oomScoreAdj >= -1000 && config.oomScoreAdj <= 1000, `oomScoreAdj: must be within [-1000, 1000], got ${config.oomScoreAdj}`);
  need(config.clientConnection.qps >= 0, 'clientConnection.qps: must be greater than or equal to 0');
  need(config.clientConnection.burst >= 0, 'clientConnection.burst: must be greater than or equal to 0');
  if (config.mode === 'ipvs') {
    need(IPVS_SCHEDULERS.includes(config.ipvs.scheduler), `ipvs.scheduler: unknown scheduler ${JSON.stringify(config.ipvs.scheduler)}`);
    for (const c of config.ipvs.excludeCIDRs) need(isCIDR(c), `ipvs.excludeCIDRs: ${JSON.stringify(c)} is not a valid CIDR`);
    for (const f of ['tcpTimeout', 'tcpFinTimeout', 'udpTimeout'] as const) need(config.ipvs[f] >= 0, `ipvs.${f}: must be greater than or equal to 0`);
  }
  need(config.logging.format === 'text' || config.logging.format === 'json', `logging.format: must be "text" or "json", got ${JSON.stringify(config.logging.format)}`);
  need(Number.isInteger(config.logging.verbosity) && config.logging.verbosity >= 0, 'logging.verbosity: must be a non-negative integer');
  need(config.hostnameOverride === '' || /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(config.hostnameOverride),
    `hostnameOverride: ${JSON.stringify(config.hostnameOverride)} is not a valid node name`);
  if (errs.length > 0) throw new ConfigError(`invalid configuration:\n  ${errs.join('\n  ')}`);
}
