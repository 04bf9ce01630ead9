import { ExecError, silentLogger } from '@kproxy/api';
import type { Executor, Logger } from '@kproxy/api';
import { conntrackDeleteArgs } from './conntrack-filter.ts';
import type { ConntrackFilter } from './conntrack-filter.ts';

/** What one cleanup did. */
export interface ConntrackCleanupResult {
  /** Entries the tool reported as deleted. */
  readonly deleted: number;
  /** Filters whose deletion failed (logged; the next cleanup does not retry them). */
  readonly failed: number;
}

/** Options of {@link conntrackCleaner}. */
export interface ConntrackCleanerOptions {
  readonly executor: Executor;
  readonly logger?: Logger;
  /** The program to run. Default `conntrack`. */
  readonly binary?: string;
  /** Per-invocation timeout. Default 10 s. */
  readonly timeoutMs?: number;
}

/** Deletes conntrack entries through the `conntrack` tool. */
export interface ConntrackCleaner {
  /** Runs one `conntrack -D` per filter, in order. Never rejects for a failed deletion: it counts it. */
  clean(filters: readonly ConntrackFilter[]): Promise<ConntrackCleanupResult>;
}

const DELETED = /(\d+) flow entr(?:y|ies) ha(?:s|ve) been deleted/;

/**
 * A cleaner that runs `conntrack -D -f <family> -p <proto> ...` (argv, never a shell). The tool exits 1
 * with "0 flow entries have been deleted" when nothing matched: that is success, not an error.
 */
export function conntrackCleaner(options: ConntrackCleanerOptions): ConntrackCleaner {
  const logger = options.logger ?? silentLogger;
  const binary = options.binary ?? 'conntrack';
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    async clean(filters) {
      let deleted = 0;
      let failed = 0;
      for (const filter of filters) {
        let args: string[];
        try {
          args = conntrackDeleteArgs(filter);
        } catch (err) {
          failed++;
          logger.error({ err: (err as Error).message }, 'invalid conntrack filter skipped');
          continue;
        }
        try {
          const r = await options.executor.run(binary, args, { timeoutMs });
          const text = `${r.stderr}\n${r.stdout}`;
          const m = DELETED.exec(text);
          if (r.exitCode === 0 || (m && Number(m[1]) === 0)) {
            const n = m ? Number(m[1]) : 0;
            deleted += n;
            if (n > 0) logger.debug({ args, deleted: n, reason: filter.reason }, 'deleted stale conntrack entries');
            continue;
          }
          failed++;
          const err = new ExecError(`${binary} exited ${r.exitCode}: ${r.stderr.trim()}`, {
            command: [binary, ...args],
            exitCode: r.exitCode,
            stderr: r.stderr,
          });
          logger.error({ err: err.message, reason: filter.reason }, 'failed to delete stale conntrack entries');
        } catch (err) {
          failed++;
          logger.error({ err: (err as Error).message, reason: filter.reason }, 'failed to run conntrack');
        }
      }
      return { deleted, failed };
    },
  };
}
