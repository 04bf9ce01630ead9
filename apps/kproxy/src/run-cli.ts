import type { Backend, Clock, Components, Executor, IPFamily } from '@kproxy/api';
import { familyOf, systemClock } from '@kproxy/api';
import { dryRunWinkernel } from '@kproxy/backend-winkernel';
import { conntrackCleaner } from '@kproxy/conntrack';
import { spawnExecutor } from '@kproxy/exec';
import { BoundedFrequencyRunner } from '@kproxy/watch';
import { helpText, parseCommandLine } from './cli/command-line.ts';
import type { CommandLine } from './cli/command-line.ts';
import type { ProxyMode } from './config/kube-proxy-configuration.ts';
import { resolveOptions } from './config/resolve.ts';
import type { ResolvedOptions } from './config/resolve.ts';
import { configurationToYaml } from './config/wire.ts';
import { describePlans, planAll } from './commands/diff.ts';
import { packetFromArgs, runExplain } from './commands/explain.ts';
import { Daemon } from './daemon/daemon.ts';
import type { SyncRunnerFactory } from './daemon/ports.ts';
import { createLogger } from './logging/logger.ts';
import { ProxyMetrics } from './metrics/proxy-metrics.ts';
import { probeIpvsSupport } from './mode/ipvs-support.ts';
import { selectMode } from './mode/select-mode.ts';
import { AVAILABLE_MODES, BACKENDS, PREFLIGHT } from './wiring/backends.ts';
import { kubeConfigFor, loadStates, stateBuilderFor, watcherFor } from './wiring/cluster.ts';
import { apiEventRecorder } from './wiring/events.ts';
import { familiesFor, localAddresses, nodeAddresses, nodeName, readNode } from './wiring/node-info.ts';

/** `namespace/name` of a service port key (`namespace/name[:port]/PROTOCOL`). Pure. */
function serviceOfPortKey(key: string): string {
  const [ns, rest = ''] = key.split('/', 2);
  return `${ns}/${rest.split(':')[0]}`;
}

/** kproxy's version. */
export const KPROXY_VERSION = '0.1.0';

/** Exit codes: 0 success, 1 runtime failure, 2 invalid flags or configuration. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** The process around the CLI, injected so the CLI can be run in tests. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  readFile(path: string): string;
  writeFile(path: string, text: string): void;
  readonly platform: string;
  /** Resolves on SIGTERM or SIGINT. */
  waitForSignal(): Promise<string>;
  /**
   * Calls `onChange` when the file at `path` is written or replaced; returns a function that stops
   * watching. kube-proxy exits when its config file changes, so that it is restarted with the new one.
   */
  watchFile?(path: string, onChange: () => void): () => void;
  readonly executor?: Executor;
  readonly clock?: Clock;
}

function usageError(io: CliIO, message: string): number {
  io.stderr(`kproxy: error: ${message}\nRun 'kproxy --help' for usage.\n`);
  return EXIT.usage;
}

/**
 * Runs kproxy with `argv` (without node and script): the daemon, `explain`, `diff`, `--cleanup`,
 * `--version`, `--write-config-to`, `--help`. Resolves with the process exit code; never throws.
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  let cl: CommandLine;
  let resolved: ResolvedOptions;
  try {
    cl = parseCommandLine(argv);
    if (cl.help !== undefined) {
      io.stdout(cl.help);
      return EXIT.ok;
    }
    if (cl.flags.get('version') === true) {
      io.stdout(`kproxy v${KPROXY_VERSION} (kube-proxy compatible; KubeProxyConfiguration v1alpha1)\n`);
      return EXIT.ok;
    }
    resolved = resolveOptions(cl.flags, io.readFile);
  } catch (err) {
    if ((err as Error).name === 'ConfigError') return usageError(io, (err as Error).message);
    throw err;
  }
  if (resolved.writeConfigTo) {
    io.writeFile(resolved.writeConfigTo, configurationToYaml(resolved.config));
    io.stderr(`wrote configuration to ${resolved.writeConfigTo}\n`);
    return EXIT.ok;
  }
  const { config } = resolved;
  const logger = createLogger({
    verbosity: config.logging.verbosity,
    format: config.logging.format === 'json' ? 'json' : 'text',
    sink: { write: (t) => io.stderr(t) },
  });
  for (const w of resolved.warnings) logger.warn(w);
  const clock = io.clock ?? systemClock;
  const executor = io.executor ?? spawnExecutor();
  const components = (component: string): Components => ({ logger: logger.child({ component }), clock, executor });

  try {
    if (resolved.cleanup) return await cleanupAll(components('cleanup'));
    if (resolved.initOnly) {
      logger.info('--init-only: the configuration is valid and kproxy needs no privileged initialisation; exiting');
      return EXIT.ok;
    }
    const selection = await selectMode({
      requested: config.mode as ProxyMode,
      platform: io.platform,
      available: AVAILABLE_MODES,
      strict: resolved.strictProxyMode,
      dryRun: resolved.dryRun,
      ipvsSupport: async () => probeIpvsSupport(),
    });
    for (const w of selection.warnings) logger.warn(w);
    const mode = selection.mode;
    const node = nodeName(config.hostnameOverride);
    const factory = BACKENDS.get(mode);

    if (cl.command === 'explain' && cl.explain) {
      // The trace only needs the kernel; endpoint-selection reasons also need the cluster, when reachable.
      const packet = packetFromArgs(cl.explain);
      if (!factory) return usageError(io, `proxy mode "${mode}" has no backend in this build`);
      // `kproxy explain` runs in the node's network namespace: its interface addresses are the node's.
      const local = localAddresses().filter((ip) => familyOf(ip) === packet.family);
      const backends = new Map<IPFamily, Backend>([
        [packet.family, factory(packet.family, { localAddresses: local })(components(`${mode}-${packet.family}`))],
      ]);
      const loaded = await (async () => {
        const kubeConfig = kubeConfigFor(config, resolved.master);
        return loadStates({ config, kubeConfig, node, families: [packet.family], logger, clock, timeoutMs: 10_000 });
      })().catch((err: unknown) => {
        logger.warn(`cannot read the cluster, explaining without endpoint-selection reasons: ${(err as Error).message}`);
        return undefined;
      });
      const state = loaded?.states.get(packet.family);
      io.stdout(
        await runExplain({
          args: cl.explain,
          backends,
          mode,
          ...(state ? { state } : {}),
          ...(loaded ? { serviceReasons: (key: string) => loaded.reasonsFor(packet.family, serviceOfPortKey(key)) } : {}),
        }),
      );
      return EXIT.ok;
    }

    const preflight = selection.dryRunOnly ? undefined : PREFLIGHT.get(mode);
    if (preflight) {
      const support = await preflight(executor);
      if (!support.ok) {
        io.stderr(`kproxy: error: ${mode} mode cannot run here: ${support.reason ?? 'unsupported'}\n`);
        return EXIT.failure;
      }
    }
    const kubeConfig = kubeConfigFor(config, resolved.master);
    // The daemon owes SIGTERM a clean exit 0 from here on, even while it is still reading its Node.
    const terminated = cl.command === 'run' && !selection.dryRunOnly ? io.waitForSignal() : undefined;
    const nodeObject = await Promise.race([
      readNode(kubeConfig, node, logger, cl.command === 'run' ? 10 : 3),
      ...(terminated ? [terminated.then(() => 'signal' as const)] : []),
    ]);
    if (nodeObject === 'signal') {
      logger.info('terminated before start-up finished; nothing to clean up');
      return EXIT.ok;
    }
    const families = familiesFor(config.bindAddress, nodeAddresses(nodeObject));

    if (selection.dryRunOnly) {
      const { states } = await loadStates({ config, kubeConfig, node, families, logger, clock });
      for (const state of states.values()) io.stdout(dryRunWinkernel(state).text);
      return EXIT.ok;
    }
    if (!factory) return usageError(io, `proxy mode "${mode}" has no backend in this build`);
    const backends = new Map<IPFamily, Backend>(families.map((f) => [f, factory(f)(components(`${mode}-${f}`))]));

    if (cl.command === 'diff') {
      const { states } = await loadStates({ config, kubeConfig, node, families, logger, clock });
      io.stdout(describePlans(await planAll(backends, states), cl.diff?.json ?? false));
      return EXIT.ok;
    }

    const runnerFactory: SyncRunnerFactory = ({ fn, minIntervalMs, maxIntervalMs }) =>
      new BoundedFrequencyRunner({ name: 'sync-runner', fn, minIntervalMs, maxIntervalMs, clock, logger: logger.child({ component: 'runner' }) });
    const daemon = new Daemon({
      config,
      mode,
      source: watcherFor(config, kubeConfig, node, logger, clock),
      proxiers: families.map((family) => ({ family, builder: stateBuilderFor(config, family, node), backend: backends.get(family) as Backend })),
      runnerFactory,
      logger,
      clock,
      conntrack: conntrackCleaner({ executor, logger: logger.child({ component: 'conntrack' }) }),
      events: apiEventRecorder(kubeConfig, node, logger, clock),
      metrics: new ProxyMetrics({ mode, processMetrics: true }),
      nodeName: node,
    });
    logger.info({ version: KPROXY_VERSION, mode, node, families }, 'starting kproxy');
    let unwatch: (() => void) | undefined;
    const configChanged = new Promise<string>((resolve) => {
      if (resolved.configFile && io.watchFile) unwatch = io.watchFile(resolved.configFile, () => resolve('config-changed'));
    });
    const signal = Promise.race([terminated ?? io.waitForSignal(), configChanged]);
    const started = daemon.start().then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    const first = await Promise.race([signal.then((s) => ({ signal: s })), started.then((err) => ({ err }))]);
    if ('err' in first && first.err) {
      logger.error(`cannot start: ${first.err.message}`);
      await daemon.stop();
      return EXIT.failure;
    }
    const received = 'signal' in first ? first.signal : await signal;
    unwatch?.();
    if (received === 'config-changed') {
      logger.error(`the configuration file ${resolved.configFile} was updated; exiting so that kproxy restarts with it`);
      await daemon.stop();
      return EXIT.failure;
    }
    logger.info({ signal: received }, 'shutting down: finishing the current sync, leaving rules in place');
    await daemon.stop();
    return EXIT.ok;
  } catch (err) {
    if ((err as Error).name === 'ConfigError') {
      io.stderr(`kproxy: error: ${(err as Error).message}\n`);
      return EXIT.usage;
    }
    logger.error({ err: (err as Error).message, name: (err as Error).name }, 'kproxy failed');
    return EXIT.failure;
  }
}

/**
 * `--cleanup`: removes the rules of every mode this build has, for both families, and reports. "Nothing
 * to remove" is success. kube-proxy does the same for iptables, ipvs and nftables.
 */
async function cleanupAll(components: Components): Promise<number> {
  let failed = 0;
  for (const [mode, factory] of BACKENDS) {
    for (const family of ['IPv4', 'IPv6'] as const) {
      try {
        await factory(family)(components).cleanup();
        components.logger.info({ mode, family }, 'removed rules');
      } catch (err) {
        failed++;
        components.logger.error({ mode, family, err: (err as Error).message }, 'cleanup failed');
      }
    }
  }
  return failed === 0 ? EXIT.ok : EXIT.failure;
}

export { helpText };
