import type { ChangeSet } from './changes.ts';
import type { Components } from './components.ts';
import type { IPFamily, Protocol, ProxyState, Reason } from './model.ts';

/** Options for one sync. */
export interface SyncOptions {
  /**
   * The changes since the state of the previous successful sync, when the caller knows them (lets the
   * backend skip diffing). Ignored when a full sync is due.
   */
  readonly changes?: ChangeSet;
  /** Force a full sync (rewrite everything the backend owns). */
  readonly full?: boolean;
}

/** What one sync applied. */
export interface SyncResult {
  /** True when the whole ruleset was rewritten. */
  readonly full: boolean;
  /** Number of kernel operations sent (commands, rules, netlink messages). 0 when nothing changed. */
  readonly operations: number;
  /** Size of what was sent to the kernel tool, in bytes. */
  readonly bytes: number;
}

/** What the next sync would do, without doing it (`kproxy diff`). */
export interface SyncPlan {
  readonly full: boolean;
  readonly operations: number;
  /** The exact text the backend would send (its transaction's text form). Empty when nothing changes. */
  readonly text: string;
}

/** A packet to trace through a backend's rules. */
export interface Packet {
  readonly family: IPFamily;
  readonly protocol: Protocol;
  readonly src: string;
  readonly dst: string;
  readonly dport: number;
  readonly sport?: number;
  /**
   * Where the packet enters: `prerouting` for a packet arriving from a pod or an external client,
   * `output` for one sent by a process on the node itself.
   */
  readonly hook: 'prerouting' | 'output';
  /** Input interface name for `prerouting` packets (used by interface-based local detection). */
  readonly iifname?: string;
}

/** The outcome of a packet's trace. */
export type Verdict = 'DNAT' | 'REJECT' | 'DROP' | 'PASS';

/** The result of tracing a packet through the rules. */
export interface Trace {
  readonly verdict: Verdict;
  /** Key of the service port the packet matched, if any. */
  readonly servicePort?: string;
  /** For DNAT: every endpoint the packet may be sent to. */
  readonly endpoints: readonly { readonly ip: string; readonly port: number }[];
  /** True when the packet would be masqueraded (SNAT to the node) on its way out. */
  readonly masquerade: boolean;
  /** True when ClientIP affinity applies to the packet. */
  readonly affinity: boolean;
  /** The objects (chains, rules, policies) the packet visited, in order, for people. */
  readonly path: readonly string[];
  /** Why, in terms of endpoint selection and policies. */
  readonly reasons: readonly Reason[];
}

/**
 * A single-family service proxy backend. Constructed by a factory from injected components:
 * `nftablesBackend(options)(components)`.
 */
export interface Backend {
  /** Mode name as kube-proxy spells it: `iptables`, `nftables`, `ipvs`, `kernelspace`. */
  readonly name: string;
  readonly family: IPFamily;
  /**
   * Programs the kernel so it matches `state`. Idempotent: a sync with an unchanged state sends nothing.
   * Each transaction is atomic. The first sync after construction, and any sync after a failure, is full.
   * Rejects with `KernelRejectedError` or `ExecError`; the previous rules then stay in place.
   */
  sync(state: ProxyState, options?: SyncOptions): Promise<SyncResult>;
  /** What `sync(state)` would send now, without sending it. */
  plan(state: ProxyState): Promise<SyncPlan>;
  /** Removes everything this backend owns in the kernel. Idempotent; "nothing to remove" is success. */
  cleanup(): Promise<void>;
  /** Traces `packet` through the rules currently in the kernel (or fake). */
  explain(packet: Packet): Promise<Trace>;
}

/** Builds a backend from injected components. */
export type BackendFactory = (components: Components) => Backend;
