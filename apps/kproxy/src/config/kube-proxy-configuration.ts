/**
 * kube-proxy's `KubeProxyConfiguration` (`kubeproxy.config.k8s.io/v1alpha1`), the fields kproxy reads, with
 * kube-proxy's defaults. Durations are held in milliseconds (the file writes Go durations like `30s`).
 */

/** The config file's apiVersion and kind. */
export const CONFIG_API_VERSION = 'kubeproxy.config.k8s.io/v1alpha1';
export const CONFIG_KIND = 'KubeProxyConfiguration';

/** Proxy modes kube-proxy knows. */
export const PROXY_MODES = ['iptables', 'ipvs', 'nftables', 'kernelspace'] as const;
/** A proxy mode as kube-proxy spells it. */
export type ProxyMode = (typeof PROXY_MODES)[number];

/** Local-traffic detection modes (`detectLocalMode`). */
export const DETECT_LOCAL_MODES = ['ClusterCIDR', 'NodeCIDR', 'BridgeInterface', 'InterfaceNamePrefix'] as const;

/** A KubeProxyConfiguration with every field present (durations in ms). */
export interface KubeProxyConfiguration {
  apiVersion: string;
  kind: string;
  bindAddress: string;
  bindAddressHardFail: boolean;
  clientConnection: {
    acceptContentTypes: string;
    burst: number;
    contentType: string;
    kubeconfig: string;
    qps: number;
  };
  /** Comma-separated CIDRs, at most one per family. */
  clusterCIDR: string;
  configSyncPeriod: number;
  conntrack: {
    maxPerCore: number;
    min: number;
    tcpBeLiberal: boolean;
    tcpCloseWaitTimeout: number;
    tcpEstablishedTimeout: number;
    udpStreamTimeout: number;
    udpTimeout: number;
  };
  detectLocal: { bridgeInterface: string; interfaceNamePrefix: string };
  detectLocalMode: string;
  enableProfiling: boolean;
  featureGates: Record<string, boolean>;
  healthzBindAddress: string;
  hostnameOverride: string;
  iptables: {
    localhostNodePorts: boolean;
    masqueradeAll: boolean;
    masqueradeBit: number;
    minSyncPeriod: number;
    syncPeriod: number;
  };
  ipvs: {
    excludeCIDRs: string[];
    minSyncPeriod: number;
    scheduler: string;
    strictARP: boolean;
    syncPeriod: number;
    tcpFinTimeout: number;
    tcpTimeout: number;
    udpTimeout: number;
  };
  logging: { format: string; verbosity: number; flushFrequency: number; vmodule: unknown; options: unknown };
  metricsBindAddress: string;
  mode: string;
  nftables: { masqueradeAll: boolean; masqueradeBit: number; minSyncPeriod: number; syncPeriod: number };
  nodePortAddresses: string[];
  oomScoreAdj: number;
  portRange: string;
  showHiddenMetricsForVersion: string;
  winkernel: {
    enableDSR: boolean;
    forwardHealthCheckVip: boolean;
    networkName: string;
    rootHnsEndpointName: string;
    sourceVip: string;
  };
}

const S = 1000;
const M = 60 * S;
const H = 60 * M;

/** kube-proxy's defaults (v1alpha1 defaulting; `mode` and `nodePortAddresses` are completed later). */
export function defaultConfiguration(): KubeProxyConfiguration {
  return {
    apiVersion: CONFIG_API_VERSION,
    kind: CONFIG_KIND,
    bindAddress: '0.0.0.0',
    bindAddressHardFail: false,
    clientConnection: {
      acceptContentTypes: '',
      burst: 10,
      contentType: 'application/vnd.kubernetes.protobuf',
      kubeconfig: '',
      qps: 5,
    },
    clusterCIDR: '',
    configSyncPeriod: 15 * M,
    conntrack: {
      maxPerCore: 32768,
      min: 131072,
      tcpBeLiberal: false,
      tcpCloseWaitTimeout: 1 * H,
      tcpEstablishedTimeout: 24 * H,
      udpStreamTimeout: 0,
      udpTimeout: 0,
    },
    detectLocal: { bridgeInterface: '', interfaceNamePrefix: '' },
    detectLocalMode: '',
    enableProfiling: false,
    featureGates: {},
    healthzBindAddress: '0.0.0.0:10256',
    hostnameOverride: '',
    iptables: { localhostNodePorts: true, masqueradeAll: false, masqueradeBit: 14, minSyncPeriod: 1 * S, syncPeriod: 30 * S },
    ipvs: {
      excludeCIDRs: [],
      minSyncPeriod: 0,
      scheduler: '',
      strictARP: false,
      syncPeriod: 30 * S,
      tcpFinTimeout: 0,
      tcpTimeout: 0,
      udpTimeout: 0,
    },
    logging: { format: 'text', verbosity: 0, flushFrequency: 5 * S, vmodule: [], options: {} },
    metricsBindAddress: '127.0.0.1:10249',
    mode: '',
    nftables: { masqueradeAll: false, masqueradeBit: 14, minSyncPeriod: 1 * S, syncPeriod: 30 * S },
    nodePortAddresses: [],
    oomScoreAdj: -999,
    portRange: '',
    showHiddenMetricsForVersion: '',
    winkernel: { enableDSR: false, forwardHealthCheckVip: false, networkName: '', rootHnsEndpointName: '', sourceVip: '' },
  };
}

/** The value kinds a config field or flag may have. */
export type FieldKind = 'string' | 'bool' | 'int' | 'float' | 'duration' | 'stringList' | 'boolMap' | 'any';

/** The shape of the config file: every known field and its kind; nested objects are sub-schemas. */
export interface ConfigSchema {
  readonly [field: string]: FieldKind | ConfigSchema;
}

/** The v1alpha1 schema: decoding refuses any field not listed here. */
export const CONFIG_SCHEMA: ConfigSchema = {
  apiVersion: 'string',
  kind: 'string',
  bindAddress: 'string',
  bindAddressHardFail: 'bool',
  clientConnection: { acceptContentTypes: 'string', burst: 'int', contentType: 'string', kubeconfig: 'string', qps: 'float' },
  clusterCIDR: 'string',
  configSyncPeriod: 'duration',
  conntrack: {
    maxPerCore: 'int',
    min: 'int',
    tcpBeLiberal: 'bool',
    tcpCloseWaitTimeout: 'duration',
    tcpEstablishedTimeout: 'duration',
    udpStreamTimeout: 'duration',
    udpTimeout: 'duration',
  },
  detectLocal: { bridgeInterface: 'string', interfaceNamePrefix: 'string' },
  detectLocalMode: 'string',
  enableProfiling: 'bool',
  featureGates: 'boolMap',
  healthzBindAddress: 'string',
  hostnameOverride: 'string',
  iptables: { localhostNodePorts: 'bool', masqueradeAll: 'bool', masqueradeBit: 'int', minSyncPeriod: 'duration', syncPeriod: 'duration' },
  ipvs: {
    excludeCIDRs: 'stringList',
    minSyncPeriod: 'duration',
    scheduler: 'string',
    strictARP: 'bool',
    syncPeriod: 'duration',
    tcpFinTimeout: 'duration',
    tcpTimeout: 'duration',
    udpTimeout: 'duration',
  },
  logging: { format: 'string', verbosity: 'int', flushFrequency: 'duration', vmodule: 'any', options: 'any' },
  metricsBindAddress: 'string',
  mode: 'string',
  nftables: { masqueradeAll: 'bool', masqueradeBit: 'int', minSyncPeriod: 'duration', syncPeriod: 'duration' },
  nodePortAddresses: 'stringList',
  oomScoreAdj: 'int',
  portRange: 'string',
  showHiddenMetricsForVersion: 'string',
  winkernel: {
    enableDSR: 'bool',
    forwardHealthCheckVip: 'bool',
    networkName: 'string',
    rootHnsEndpointName: 'string',
    sourceVip: 'string',
  },
};
