import { ConfigError, nodeContextEqual } from '@kproxy/api';
import type { IPFamily, Backend, BackendFactory, Components, Packet, ProxyState, SyncOptions, SyncPlan, SyncResult, Trace } from '@kproxy/api';
import { classifyNftFailure, findTable, nftables, parseRuleset, Transaction } from '@kproxy/nftables-json';
import type { ListItem, ListOutput, NftClient, NftWire, Ruleset, RulesetTable } from '@kproxy/nftables-json';
import { explainPacket } from './explain.ts';
import type { NftablesRenderOptions } from './context.ts';
import { renderContext } from './context.ts';
import { baseObjects } from './base.ts';
import { CHAIN, DEFAULT_TABLE, SET, SLOT_MAPS, tableFamily } from './names.ts';
import { reconcile } from './reconcile.ts';
import { chainFingerprint, render } from './render.ts';
import type { RenderMemo, RenderResult } from './render.ts';

/** Options of the nftables backend. */
export interface NftablesBackendOptions extends NftablesRenderOptions {
  /**
   * The nftables client. Default: `nftables({ executor: components.executor })` (the `nft` CLI). Tests pass
   * the semantic fake from `@kproxy/nftables-json/testing`.
   */
  readonly client?: (components: Components) => NftClient;
  /** The nft program for the default client. */
  readonly nftPath?: string;
  /**
   * How the default client sends transactions: `text` (default; nft's native syntax, JSON for what it cannot
   * carry) or `json`. `plan()` prints the JSON document either way.
   */
  readonly wire?: NftWire;
  /** The IP family this backend serves (one backend per family; dual-stack is two). Default IPv4. */
  readonly family?: IPFamily;
  /**
   * The node's own addresses, for `explain` before any sync (e.g. a separate `kproxy explain` process):
   * `fib daddr type local` is true for them. After a sync the state's node IPs are used as well, and so are
   * the elements of the table's `nodeport-ips` set.
   */
  readonly localAddresses?: readonly string[];
}

/**
 * The nftables backend for one IP family: `nftablesBackend(options)(components)`.
 * - The first sync reads the table's chains and set definitions, the rules too with data maps (`nft -t list
 *   ruleset`), a canary chain otherwise, and the elements of all but the largest sets, and writes only what
 *   is missing or different: a restart over a correct table sends nothing.
 * - A sync after a failure, or a later sync with `{ full: true }` (every syncPeriod), reads the whole table
 *   once and writes the difference, repairing whatever someone else changed.
 * - Every other sync renders a partial transaction from the previous state without listing anything.
 * - Chains no longer used are flushed in the sync's transaction and deleted in a second one.
 * `sync` rejects with the client's typed errors (KernelRejectedError, ExecError, InvalidCommandError) and
 * leaves the previous rules in place; `ConfigError` for a state of the other family.
 */
export function nftablesBackend(options: NftablesBackendOptions = {}): BackendFactory {
  return (components: Components): Backend => {
    const client = options.client
      ? options.client(components)
      : nftables({ executor: components.executor, ...(options.nftPath ? { nftPath: options.nftPath } : {}), ...(options.wire ? { wire: options.wire } : {}) });
    const log = components.logger.child({ backend: 'nftables' });
    // The data maps are declared by `typeof`, which only the text wire can send.
    const dataMaps = options.wire === 'json' ? false : options.dataMaps;
    const renderOpts: NftablesRenderOptions = { table: options.table, serviceCIDRs: options.serviceCIDRs, ...(dataMaps === false ? { dataMaps } : {}) };
    let memo: RenderMemo | undefined;
    let needFull = true;
    // Set after a failure: the next full sync reads every rule.
    let needFullThorough = false;
    const pendingDelete = new Set<string>();
    const family: IPFamily = options.family ?? 'IPv4';
    const tableName = options.table ?? DEFAULT_TABLE;

    async function listTable(state: ProxyState): Promise<RulesetTable | undefined> {
      const ctx = renderContext(state, renderOpts);
      try {
        return findTable(await client.list({ family: ctx.family, table: ctx.table }), ctx.family, ctx.table);
      } catch (err) {
        if (err instanceof Error && err.name === 'NotFoundError') return undefined;
        throw err;
      }
    }

    /**
     * The start-up listing: chains, sets and maps, with the elements of all but the largest sets (see below).
     * With a chain per service port, not the rules either (they dominate the cost of listing such a table):
     * the `services` chain is listed as a canary, and when someone flushed the table (it is empty) the full
     * listing is used. Only with the nft CLI; an injected client is listed in full.
     */
    async function listCheap(
      state: ProxyState,
    ): Promise<{ table: RulesetTable | undefined; rulesListed: boolean; slotsListed?: boolean; hairpinListed?: boolean }> {
      const ctx = renderContext(state, renderOpts);
      const exec = components.executor;
      const nft = options.nftPath ?? 'nft';
      const items: ListItem[] = [];
      const run = async (args: string[]): Promise<ListItem[]> => {
        const r = await exec.run(nft, args, { timeoutMs: 300_000 });
        if (r.exitCode !== 0) throw classifyNftFailure([nft, ...args], r, 'list');
        return (JSON.parse(r.stdout) as ListOutput).nftables.filter((i) => {
          const body = Object.values(i)[0] as { table?: string } | undefined;
          return !('metainfo' in i) && body?.table === ctx.table;
        });
      };
      // The elements of the small sets and maps: all but the endpoint slot maps (the largest by far; nft needs
      // seconds to print them; the counted sets' element comments tell the reconcile which keys' slots are
      // current), the hairpin pairs (listed later only if the reconcile needs them) and the affinity sets
      // (written by the packet path, never reconciled). Four nft processes at a time.
      const withElements = (defs: readonly ListItem[]): Promise<ListItem[]> =>
        inBatches(defs, 4, (i) => {
          const set = (i as { set?: { name: string } }).set?.name;
          const map = (i as { map?: { name: string } }).map?.name;
          if (set !== undefined && set !== SET.hairpin && !set.startsWith('affinity-')) return run(['-j', 'list', 'set', ctx.family, ctx.table, set]);
          if (map !== undefined && !SLOT_MAPS.has(map)) return run(['-j', 'list', 'map', ctx.family, ctx.table, map]);
          return Promise.resolve([i]);
        });
      const unlisted = { slotsListed: false, hairpinListed: false } as const;
      if (ctx.dataMapLimit > 0) {
        // With data maps the table has few rules: `nft -t list ruleset` prints every chain and rule and the set
        // definitions at once without loading a single element (listing one chain loads them all: ~2 s at
        // 10,000 services), so the rules are read and no canary is needed.
        const all = await run(['-j', '-t', 'list', 'ruleset', ctx.family]);
        if (all.length === 0) return { table: undefined, rulesListed: true };
        const listed = await withElements(all);
        const table = findTable(parseRuleset({ nftables: [{ table: { family: ctx.family, name: ctx.table } }, ...listed] }), ctx.family, ctx.table);
        return { table, rulesListed: true, ...unlisted };
      }
      // A chain per service port: chains without rules, set and map definitions, side by side.
      const canaryRules = run(['-j', 'list', 'chain', ctx.family, ctx.table, CHAIN.services]).then(
        (l) => l.filter((i) => 'rule' in i),
        (err: unknown) => {
          if (err instanceof Error && err.name === 'NotFoundError') return [] as ListItem[];
          throw err;
        },
      );
      const definitions = (what: 'sets' | 'maps') => run(['-j', '-t', 'list', what, ctx.family]).then(withElements);
      const parts = await Promise.all([run(['-j', 'list', 'chains', ctx.family]), definitions('sets'), definitions('maps'), canaryRules]);
      const rules = parts.pop() as ListItem[];
      for (const p of parts) items.push(...p);
      if (items.length === 0) return { table: undefined, rulesListed: true };
      const canary = baseObjects(ctx).chains.find((c) => c.name === CHAIN.services);
      const last = rules[rules.length - 1] as { rule: { comment?: string } } | undefined;
      if (!canary || rules.length !== canary.rules.length || last?.rule.comment !== chainFingerprint(canary)) {
        return { table: await listTable(state), rulesListed: true };
      }
      const table = findTable(parseRuleset({ nftables: [{ table: { family: ctx.family, name: ctx.table } }, ...items] }), ctx.family, ctx.table);
      return { table, rulesListed: false, ...unlisted };
    }

    /** `table` with the named sets listed again, elements and all. */
    async function withSetsListed(table: RulesetTable, names: readonly string[]): Promise<RulesetTable> {
      const fam = table.table.family;
      const sets = new Map(table.sets);
      for (const name of names) {
        const one = findTable(await client.list({ family: fam, table: table.table.name, set: name }), fam, table.table.name)?.sets.get(name);
        if (one) sets.set(name, one);
      }
      return { ...table, sets };
    }

    async function prepare(state: ProxyState, opts: SyncOptions = {}): Promise<RenderResult> {
      // Node facts change every chain's context: reconcile (keeps affinity state) rather than replace the table.
      const full =
        needFull || memo === undefined || opts.full === true || memo.state.family !== state.family || !nodeContextEqual(memo.state.node, state.node);
      if (full) {
        // A cheap listing at start-up (the first sync, full or not); after a failure and on later full syncs
        // (every syncPeriod), every rule is read so that anything someone else changed is repaired.
        if (memo === undefined && !needFullThorough && !options.client) {
          const listed = await listCheap(state);
          const how = { rulesListed: listed.rulesListed, slotsListed: listed.slotsListed ?? true, hairpinListed: listed.hairpinListed ?? true };
          const first = reconcile(state, listed.table, renderOpts, how);
          if (!first.needsListing?.length || !listed.table) return first;
          // Something changed while no kproxy ran: the reconcile needs the hairpin pairs after all.
          const table = await withSetsListed(listed.table, first.needsListing);
          return reconcile(state, table, renderOpts, { ...how, hairpinListed: true });
        }
        return reconcile(state, await listTable(state), renderOpts);
      }
      return render(state, memo, { ...renderOpts, ...(opts.changes ? { changes: opts.changes } : {}) });
    }

    function report(result: RenderResult): void {
      for (const [key, problems] of result.problems) {
        log.warn({ servicePort: key, problems }, 'skipped values nftables cannot express');
      }
    }

    const backend: Backend = {
      name: 'nftables',
      family,
      async sync(state, opts = {}): Promise<SyncResult> {
        if (state.family !== family) throw new ConfigError(`the ${family} nftables backend got an ${state.family} state`);
        let result: RenderResult;
        let applied: { operations: number; bytes: number };
        try {
          result = await prepare(state, opts);
          report(result);
          if (result.transaction.error) throw result.transaction.error;
          applied = await client.apply(result.transaction);
        } catch (err) {
          needFull = true;
          needFullThorough = true;
          memo = undefined;
          throw err;
        }
        memo = result.memo;
        needFull = false;
        needFullThorough = false;
        for (const c of result.liveChains) pendingDelete.delete(c);
        for (const c of result.staleChains) pendingDelete.add(c);
        let operations = applied.operations;
        let bytes = applied.bytes;
        if (pendingDelete.size > 0) {
          // A separate, later transaction: older kernels refuse to delete a chain in the transaction that
          // removed the last reference to it.
          const ctx = renderContext(state, renderOpts);
          const tx = new Transaction({ family: ctx.family, table: ctx.table });
          for (const name of [...pendingDelete].sort()) tx.delete({ chain: { name } });
          try {
            const r = await client.apply(tx);
            operations += r.operations;
            bytes += r.bytes;
            pendingDelete.clear();
          } catch (err) {
            // Harmless: the chains are empty and unreferenced; the next full sync removes them.
            log.warn({ err, chains: pendingDelete.size }, 'cannot delete stale chains yet');
            needFull = true;
          }
        }
        return { full: result.full, operations, bytes };
      },
      async plan(state): Promise<SyncPlan> {
        const result = await prepare(state);
        if (result.transaction.error) throw result.transaction.error;
        const text = result.transaction.size === 0 ? '' : result.transaction.serialize();
        return { full: result.full, operations: result.transaction.size, text };
      },
      async cleanup(): Promise<void> {
        const tx = new Transaction({ family: tableFamily(family), table: tableName });
        // `add` then `delete` in one transaction: succeeds whether or not the table exists.
        tx.add({ table: {} }).delete({ table: {} });
        await client.apply(tx);
        memo = undefined;
        needFull = true;
        pendingDelete.clear();
      },
      async explain(packet: Packet): Promise<Trace> {
        if (packet.family !== family) throw new ConfigError(`the ${family} nftables backend cannot explain an ${packet.family} packet`);
        const fam = tableFamily(family);
        let listed: Ruleset;
        try {
          listed = await client.list({ family: fam, table: tableName });
        } catch (err) {
          if (!(err instanceof Error && err.name === 'NotFoundError')) throw err;
          listed = { tables: [] };
        }
        const node = memo?.state.node;
        const local = [...(options.localAddresses ?? []), ...(node ? node.nodeIPs : [])];
        if (node?.nodePortAddresses.kind === 'ips') local.push(...node.nodePortAddresses.ips);
        const npSet = findTable(listed, fam, tableName)?.sets.get(SET.nodePortIPs);
        for (const e of npSet?.elements ?? []) if (typeof e === 'string') local.push(e);
        return explainPacket(listed, packet, memo?.state, [...new Set(local)]);
      },
    };
    return backend;
  };
}

/** Maps `items` through `fn` with at most `width` calls in flight, keeping the order; flattens the results. */
async function inBatches<T, R>(items: readonly T[], width: number, fn: (item: T) => Promise<R[]>): Promise<R[]> {
  const out: R[][] = new Array<R[]>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const at = next++;
      out[at] = await fn(items[at] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return out.flat();
}
