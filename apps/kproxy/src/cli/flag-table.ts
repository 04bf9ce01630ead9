import type { FieldKind } from '../config/kube-proxy-configuration.ts';

/** What a flag sets: a config field (dotted path) or a command option that is not part of the config. */
export type FlagTarget =
  | { readonly config: string }
  | {
      readonly option:
        | 'config'
        | 'writeConfigTo'
        | 'cleanup'
        | 'master'
        | 'version'
        | 'hostnameOverride'
        | 'healthzPort'
        | 'metricsPort'
        | 'strictProxyMode'
        | 'dryRun'
        | 'initOnly'
        | 'vmodule';
    };

/** One command-line flag. */
export interface FlagSpec {
  /** Long name without dashes. */
  readonly name: string;
  readonly kind: FieldKind;
  readonly target: FlagTarget;
  readonly help: string;
  readonly short?: string;
  /** Set for flags that still work but are deprecated (a warning is logged when used). */
  readonly deprecated?: string;
  /** kproxy extension, not a kube-proxy flag. */
  readonly extension?: boolean;
  /**
   * Logging flags and `--hostname-override` win over the config file, as in kube-proxy; every other
   * config flag is ignored when `--config` is given.
   */
  readonly overridesFile?: boolean;
}

const c = (config: string) => ({ config });
const o = (option: Extract<FlagTarget, { option: string }>['option']) => ({ option });

/** Every flag kproxy accepts (kube-proxy's, plus a few marked `extension`). Anything else is refused. */
export const FLAGS: readonly FlagSpec[] = [
  // General
  { name: 'config', kind: 'string', target: o('config'), help: 'The path to the configuration file (KubeProxyConfiguration v1alpha1).' },
  { name: 'write-config-to', kind: 'string', target: o('writeConfigTo'), help: 'If set, write the default configuration values to this file and exit.' },
  { name: 'cleanup', kind: 'bool', target: o('cleanup'), help: 'If true cleanup the rules of every mode and exit.' },
  { name: 'version', kind: 'bool', target: o('version'), help: 'Print version information and quit.' },
  { name: 'init-only', kind: 'bool', target: o('initOnly'), help: 'If true, perform any initialization steps that must be done with full root privileges, and then exit (kproxy has none: it validates its configuration and exits).' },
  { name: 'feature-gates', kind: 'boolMap', target: c('featureGates'), help: 'A set of key=value pairs that describe feature gates.' },
  { name: 'kubeconfig', kind: 'string', target: c('clientConnection.kubeconfig'), help: 'Path to kubeconfig file with authorization information.' },
  { name: 'master', kind: 'string', target: o('master'), help: 'The address of the Kubernetes API server (overrides any value in kubeconfig).' },
  { name: 'kube-api-content-type', kind: 'string', target: c('clientConnection.contentType'), help: 'Content type of requests sent to apiserver.' },
  { name: 'kube-api-qps', kind: 'float', target: c('clientConnection.qps'), help: 'QPS to use while talking with kubernetes apiserver.' },
  { name: 'kube-api-burst', kind: 'int', target: c('clientConnection.burst'), help: 'Burst to use while talking with kubernetes apiserver.' },
  { name: 'hostname-override', kind: 'string', target: o('hostnameOverride'), overridesFile: true, help: 'If non-empty, will be used as the name of the Node that kproxy is running on.' },
  { name: 'bind-address', kind: 'string', target: c('bindAddress'), help: 'Overrides kproxy\'s idea of what its node\'s primary IP is.' },
  { name: 'bind-address-hard-fail', kind: 'bool', target: c('bindAddressHardFail'), help: 'If true kproxy will treat failure to bind to a port as fatal and exit.' },
  { name: 'healthz-bind-address', kind: 'string', target: c('healthzBindAddress'), help: 'The IP address and port for the health check server to serve on (default 0.0.0.0:10256); empty disables.' },
  { name: 'metrics-bind-address', kind: 'string', target: c('metricsBindAddress'), help: 'The IP address and port for the metrics server to serve on (default 127.0.0.1:10249); empty disables.' },
  { name: 'profiling', kind: 'bool', target: c('enableProfiling'), help: 'Accepted for compatibility; kproxy serves no profiling endpoints.' },
  { name: 'show-hidden-metrics-for-version', kind: 'string', target: c('showHiddenMetricsForVersion'), help: 'Accepted for compatibility; no metrics are hidden.' },
  { name: 'proxy-mode', kind: 'string', target: c('mode'), help: 'Which proxy mode to use: nftables (default), iptables, ipvs or kernelspace.' },
  { name: 'config-sync-period', kind: 'duration', target: c('configSyncPeriod'), help: 'How often configuration from the apiserver is refreshed. Must be greater than 0.' },
  { name: 'oom-score-adj', kind: 'int', target: c('oomScoreAdj'), help: 'The oom-score-adj value for the kproxy process, in [-1000, 1000].' },
  // Traffic
  { name: 'cluster-cidr', kind: 'string', target: c('clusterCIDR'), help: 'The CIDR range of the pods in the cluster (comma-separated for dual-stack).' },
  { name: 'detect-local-mode', kind: 'string', target: c('detectLocalMode'), help: 'Mode to detect local traffic: ClusterCIDR, NodeCIDR, BridgeInterface or InterfaceNamePrefix.' },
  { name: 'pod-bridge-interface', kind: 'string', target: c('detectLocal.bridgeInterface'), help: 'A bridge interface name; with --detect-local-mode=BridgeInterface.' },
  { name: 'pod-interface-name-prefix', kind: 'string', target: c('detectLocal.interfaceNamePrefix'), help: 'An interface name prefix; with --detect-local-mode=InterfaceNamePrefix.' },
  { name: 'nodeport-addresses', kind: 'stringList', target: c('nodePortAddresses'), help: 'CIDRs (or "primary") of the node IPs that accept NodePort traffic.' },
  { name: 'masquerade-all', kind: 'bool', target: c('iptables.masqueradeAll'), help: 'SNAT all traffic sent via Service cluster IPs.' },
  { name: 'iptables-masquerade-bit', kind: 'int', target: c('iptables.masqueradeBit'), help: 'The bit of the fwmark space to mark packets requiring SNAT, in [0, 31].' },
  { name: 'iptables-localhost-nodeports', kind: 'bool', target: c('iptables.localhostNodePorts'), help: 'If false, NodePorts are not reachable on 127.0.0.1 in iptables mode.' },
  { name: 'iptables-sync-period', kind: 'duration', target: c('iptables.syncPeriod'), help: 'Maximum interval of how often rules are refreshed (iptables mode).' },
  { name: 'iptables-min-sync-period', kind: 'duration', target: c('iptables.minSyncPeriod'), help: 'Minimum period between rule resyncs (iptables mode).' },
  { name: 'nftables-sync-period', kind: 'duration', target: c('nftables.syncPeriod'), extension: true, help: 'Maximum interval of how often rules are refreshed (nftables mode).' },
  { name: 'nftables-min-sync-period', kind: 'duration', target: c('nftables.minSyncPeriod'), extension: true, help: 'Minimum period between rule resyncs (nftables mode).' },
  // IPVS
  { name: 'ipvs-sync-period', kind: 'duration', target: c('ipvs.syncPeriod'), help: 'Maximum interval of how often rules are refreshed (ipvs mode).' },
  { name: 'ipvs-min-sync-period', kind: 'duration', target: c('ipvs.minSyncPeriod'), help: 'Minimum period between rule resyncs (ipvs mode).' },
  { name: 'ipvs-scheduler', kind: 'string', target: c('ipvs.scheduler'), help: 'The ipvs scheduler type when proxy mode is ipvs.' },
  { name: 'ipvs-exclude-cidrs', kind: 'stringList', target: c('ipvs.excludeCIDRs'), help: 'CIDRs the ipvs proxier should not touch when cleaning up IPVS rules.' },
  { name: 'ipvs-strict-arp', kind: 'bool', target: c('ipvs.strictARP'), help: 'Enable strict ARP by setting arp_ignore to 1 and arp_announce to 2.' },
  { name: 'ipvs-tcp-timeout', kind: 'duration', target: c('ipvs.tcpTimeout'), help: 'The timeout for idle IPVS TCP connections, 0 to leave as-is.' },
  { name: 'ipvs-tcpfin-timeout', kind: 'duration', target: c('ipvs.tcpFinTimeout'), help: 'The timeout for IPVS TCP connections after receiving a FIN packet, 0 to leave as-is.' },
  { name: 'ipvs-udp-timeout', kind: 'duration', target: c('ipvs.udpTimeout'), help: 'The timeout for IPVS UDP packets, 0 to leave as-is.' },
  // Conntrack
  { name: 'conntrack-max-per-core', kind: 'int', target: c('conntrack.maxPerCore'), help: 'Maximum number of NAT connections to track per CPU core (0 to leave the limit as-is).' },
  { name: 'conntrack-min', kind: 'int', target: c('conntrack.min'), help: 'Minimum number of conntrack entries to allocate.' },
  { name: 'conntrack-tcp-timeout-established', kind: 'duration', target: c('conntrack.tcpEstablishedTimeout'), help: 'Idle timeout for established TCP connections (0 to leave as-is).' },
  { name: 'conntrack-tcp-timeout-close-wait', kind: 'duration', target: c('conntrack.tcpCloseWaitTimeout'), help: 'NAT timeout for TCP connections in the CLOSE_WAIT state.' },
  { name: 'conntrack-tcp-be-liberal', kind: 'bool', target: c('conntrack.tcpBeLiberal'), help: 'Enable liberal mode for tracking TCP packets.' },
  { name: 'conntrack-udp-timeout', kind: 'duration', target: c('conntrack.udpTimeout'), help: 'Idle timeout for UNREPLIED UDP connections (0 to leave as-is).' },
  { name: 'conntrack-udp-timeout-stream', kind: 'duration', target: c('conntrack.udpStreamTimeout'), help: 'Idle timeout for ASSURED UDP connections (0 to leave as-is).' },
  // Deprecated
  { name: 'healthz-port', kind: 'int', target: o('healthzPort'), deprecated: 'use --healthz-bind-address instead', help: 'The port to bind the health check server. Use 0 to disable.' },
  { name: 'metrics-port', kind: 'int', target: o('metricsPort'), deprecated: 'use --metrics-bind-address instead', help: 'The port to bind the metrics server. Use 0 to disable.' },
  { name: 'proxy-port-range', kind: 'string', target: c('portRange'), deprecated: 'it has no effect', help: 'Unused (was for the userspace proxy).' },
  // Logging
  { name: 'v', short: 'v', kind: 'int', target: c('logging.verbosity'), overridesFile: true, help: 'Number for the log level verbosity (klog-like: 0-1 info, 2-4 debug, 5+ trace).' },
  { name: 'logging-format', kind: 'string', target: c('logging.format'), overridesFile: true, help: 'Sets the log format: "text" or "json".' },
  { name: 'log-flush-frequency', kind: 'duration', target: c('logging.flushFrequency'), overridesFile: true, help: 'Maximum number of seconds between log flushes (accepted; pino writes synchronously).' },
  { name: 'vmodule', kind: 'string', target: o('vmodule'), help: 'Per-file verbosity (accepted for compatibility; kproxy applies -v globally).' },
  // kproxy extensions
  { name: 'strict-proxy-mode', kind: 'bool', target: o('strictProxyMode'), extension: true, help: 'Refuse to start instead of falling back when the requested mode is unusable (e.g. ipvs without kernel support).' },
  { name: 'dry-run', kind: 'bool', target: o('dryRun'), extension: true, help: 'kernelspace on Linux: print the HNS objects for the current cluster state and exit.' },
];
