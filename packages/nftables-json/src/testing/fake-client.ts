import type { ApplyResult, ListTarget, NftClient, NftVersion } from '../client.ts';
import type { NftablesDocument } from '../schema.ts';
import { documentOf } from '../transaction.ts';
import { FakeRuleset } from './fake-ruleset.ts';
import type { FakeStats } from './fake-ruleset.ts';

/** An `NftClient` over an in-memory `FakeRuleset`, for tests of code that programs nftables. */
export interface FakeNftClient extends NftClient {
  /** The ruleset the client programs (dump it, count its rules, read a set's elements). */
  readonly ruleset: FakeRuleset;
  /** What the client was asked to do. */
  readonly stats: FakeStats;
  /** Every document applied successfully, in order (the exact JSON a real client would have sent). */
  readonly applied: NftablesDocument[];
  /** Makes the next `apply` reject with `error` (nothing applied), as a kernel hiccup would. */
  failNextApply(error: Error): void;
}

/** Options of `fakeNftClient()`. */
export interface FakeNftClientOptions {
  /** Reported by `version()`. Default `1.0.6`. */
  readonly version?: string;
  /** Start from this ruleset instead of an empty one. */
  readonly ruleset?: FakeRuleset;
}


/** Creates a fake nft client: same contract as `nftables()`, with the kernel's transaction semantics. */
export function fakeNftClient(options: FakeNftClientOptions = {}): FakeNftClient {
  const ruleset = options.ruleset ?? new FakeRuleset();
  const applied: NftablesDocument[] = [];
  let pendingFailure: Error | undefined;
  const version = options.version ?? '1.0.6';
  const parts = version.split('.').map((x) => Number(x) || 0);
  return {
    ruleset,
    stats: ruleset.stats,
    applied,
    failNextApply(error) {
      pendingFailure = error;
    },
    async apply(tx): Promise<ApplyResult> {
      const doc = documentOf(tx);
      if (pendingFailure !== undefined) {
        const err = pendingFailure;
        pendingFailure = undefined;
        ruleset.stats.rejected++;
        throw err;
      }
      if (doc.nftables.length === 0) return { operations: 0, bytes: 0 };
      ruleset.apply(doc.nftables);
      applied.push(doc);
      return { operations: doc.nftables.length, bytes: Buffer.byteLength(JSON.stringify(doc)) };
    },
    async check(tx) {
      const doc = documentOf(tx);
      if (doc.nftables.length > 0) ruleset.check(doc.nftables);
    },
    async list(target: ListTarget) {
      ruleset.stats.lists++;
      return ruleset.snapshot(target);
    },
    async version(): Promise<NftVersion> {
      return { version, parts: [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0], json: true };
    },
  };
}
