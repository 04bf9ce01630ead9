import type { Observation } from './outcome.ts';
import type { AffinityCheck, Flow, ObjectRef, Scenario, ScenarioObject } from './scenario.ts';

/**
 * One backend's environment that a scenario is replayed on: the backend's fake and tracer
 * (`fakeTarget`), or real namespaces and packets (the harness). `runScenario` drives it step by step and
 * does every comparison, so all environments judge outcomes the same way.
 */
export interface ScenarioTarget {
  /** Backend name as kube-proxy spells the mode (`nftables`, `iptables`, `ipvs`, `kernelspace`). */
  readonly backend: string;
  /** Sets up for `scenario`, with `scenario.objects` (Node included) already applied. */
  start(scenario: Scenario): Promise<void>;
  /** Creates or replaces objects (`update` preconditions are already checked by the runner). */
  apply(objects: readonly ScenarioObject[]): Promise<void>;
  /** Removes objects (they exist: checked by the runner). */
  delete(refs: readonly ObjectRef[]): Promise<void>;
  /** Returns once the proxy has caught up with every change so far. */
  sync(): Promise<void>;
  /** Sends one flow and reports what happened. */
  send(flow: Flow): Promise<Observation>;
  /**
   * Opens `check.connections` new connections from one client and reports, per connection, the endpoint
   * (`ip:port`) it landed on, or undefined when it got no answer. `affinity` is the tracer's affinity flag,
   * when the target has one. `skipped`: the reason the target cannot run this check (it is then reported as
   * `skipped`).
   */
  connect(
    check: AffinityCheck,
  ): Promise<{ readonly landed: readonly (string | undefined)[]; readonly affinity?: boolean; readonly skipped?: string }>;
  /** Releases everything (called even after a failure). */
  stop(): Promise<void>;
}
