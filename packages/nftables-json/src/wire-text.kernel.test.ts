import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { spawnExecutor } from '@kproxy/exec';
import { createNetns, netnsSupport } from '@kproxy/netns';
import type { Netns } from '@kproxy/netns';
import { nftables } from './client.ts';
import type { Command, NftablesDocument } from './schema.ts';
import { RANDOM_SETUP, randomBatchesArb } from './testing/random-commands.ts';
import { sampleTransaction } from './testing/sample-ruleset.ts';
import { normalizeTextListing } from './testing/text-listing.ts';
import { WIRE_ZOO } from './testing/wire-zoo.ts';
import { nftScript } from './wire-text.ts';

const support = await netnsSupport();
const nftFound = (await spawnExecutor().run('nft', ['--version']).catch(() => ({ exitCode: 127 }))).exitCode === 0;
const reason = !support.ok ? support.reason : !nftFound ? 'nft is not installed' : '';
if (reason) console.warn(`skipping text-wire kernel tests: ${reason}`);
const maybe = reason ? describe.skip : describe;

/**
 * The whole ruleset as nft lists it, with what time changes (`expires`) dropped, element order sorted, and table
 * handles dropped (a per-namespace counter that flushing does not reset; other handles are per table).
 */
function normalised(stdout: string): unknown {
  const norm = (v: unknown, key?: string): unknown => {
    if (Array.isArray(v)) {
      const arr = v.map((x) => norm(x));
      return key === 'elem' ? arr.map((x) => JSON.stringify(x)).sort() : arr;
    }
    if (typeof v !== 'object' || v === null) return v;
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (k !== 'expires' && k !== 'metainfo' && !(key === 'table' && k === 'handle')) o[k] = norm(x, k);
    return o;
  };
  return (norm((JSON.parse(stdout) as { nftables: unknown[] }).nftables) as unknown[]).filter((i) => Object.keys(i as object).length > 0);
}

/** Both listings: JSON (exact values) and text with handles (what nft 1.0.6's JSON listing leaves out). */
async function listings(ns: Netns): Promise<{ json: unknown; text: string }> {
  const json = normalised((await ns.run('nft', ['-j', 'list', 'ruleset'])).stdout);
  const text = normalizeTextListing((await ns.run('nft', ['-a', 'list', 'ruleset'])).stdout);
  return { json, text };
}

/** Whether a string in `doc` is outside what the text wire writes (the names/comments the random batches use). */
function hasUnwritableString(doc: unknown): boolean {
  if (typeof doc === 'string') return !/^[\x20\x21\x23-\x5b\x5d-\x7e]+$/.test(doc) || doc === 'map' || doc === 'x y';
  if (Array.isArray(doc)) return doc.some(hasUnwritableString);
  if (typeof doc === 'object' && doc !== null) return Object.values(doc).some(hasUnwritableString);
  return false;
}

maybe('the text wire and the JSON wire load the same rulesets', () => {
  let ns: Netns;
  beforeAll(async () => {
    ns = await createNetns('kpwire');
  });
  afterAll(async () => {
    await ns?.remove();
  });

  /** Applies each document through one wire (straight to nft, no client) from an empty ruleset. */
  async function load(docs: readonly NftablesDocument[], wire: 'text' | 'json'): Promise<{ ok: boolean[]; listing: unknown; errors: string[] }> {
    await ns.run('nft', ['flush', 'ruleset']);
    const ok: boolean[] = [];
    const errors: string[] = [];
    for (const doc of docs) {
      const r = await ns.executor.run('nft', wire === 'json' ? ['-j', JSON.stringify(doc)] : [nftScript(doc)]);
      ok.push(r.exitCode === 0);
      errors.push(r.stderr.trim().split('\n')[0] ?? '');
    }
    return { ok, listing: await listings(ns), errors };
  }

  it.each(WIRE_ZOO.map((z) => [z.name, z.docs] as const))('zoo %s: same outcome per batch, same listing (handles included)', async (_name, docs) => {
    const json = await load(docs, 'json');
    const text = await load(docs, 'text');
    // (nft's messages are shown on a mismatch; they differ in form between the wires.)
    expect({ ok: text.ok, errors: text.errors }).toEqual({ ok: json.ok, errors: text.errors });
    // The setup batches must load (a zoo that the kernel refuses would compare nothing).
    expect(json.ok.slice(0, 3).every((x) => x)).toBe(true);
    expect(text.listing).toEqual(json.listing);
  });

  it('the sample ruleset', async () => {
    const doc = sampleTransaction().toJSON();
    const json = await load([doc], 'json');
    const text = await load([doc], 'text');
    expect(json.ok).toEqual([true]);
    expect(text).toEqual(json);
  });

  it('random batches (with hostile names and comments): same outcomes and listing; hostile ones go as JSON', async () => {
    let refused = 0;
    let written = 0;
    await fc.assert(
      fc.asyncProperty(randomBatchesArb({ hostile: true }), async (batches: Command[][]) => {
        const docs: NftablesDocument[] = [RANDOM_SETUP, ...batches.map((nftables) => ({ nftables }))];
        // What the client does: text when the serializer writes it, else JSON.
        const mixed = async (): Promise<{ ok: boolean[]; listing: unknown }> => {
          await ns.run('nft', ['flush', 'ruleset']);
          const ok: boolean[] = [];
          for (const doc of docs) {
            let args: string[];
            try {
              args = [nftScript(doc)];
              written++;
            } catch (err) {
              expect(err).toMatchObject({ name: 'InvalidCommandError' });
              args = ['-j', JSON.stringify(doc)];
              refused++;
            }
            // Refused exactly when a string the text syntax cannot carry is in the document.
            expect({ doc, refused: args[0] === '-j' }).toEqual({ doc, refused: hasUnwritableString(doc) });
            ok.push((await ns.executor.run('nft', args)).exitCode === 0);
          }
          return { ok, listing: await listings(ns) };
        };
        const json = await load(docs, 'json');
        const viaText = await mixed();
        expect(viaText).toEqual({ ok: json.ok, listing: json.listing });
      }),
      { numRuns: Number(process.env['FC_RUNS'] ?? 60), interruptAfterTimeLimit: 100_000 },
    );
    expect(written).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  }, 120_000);

  it('the client sends text by default and JSON when it must; both load', async () => {
    const client = nftables({ executor: ns.executor });
    await ns.run('nft', ['flush', 'ruleset']);
    const plain = await client.apply(RANDOM_SETUP);
    expect(plain.wire).toBe('text');
    const hostile = await client.apply({ nftables: [{ add: { chain: { family: 'ip', table: 'kp', name: 'weird "name" ✓' } } }] });
    expect(hostile.wire).toBe('json');
    const listed = await client.list({ family: 'ip', table: 'kp' });
    expect([...(listed.tables[0]?.chains.keys() ?? [])].sort()).toEqual(['a', 'b', 'c', 'pre', 'weird "name" ✓']);
    await expect(client.apply({ nftables: [{ add: { rule: { family: 'ip', table: 'kp', chain: 'a', expr: [{ jump: { target: 'nope' } }] } } }] })).rejects.toMatchObject({
      name: 'KernelRejectedError',
    });
    await expect(client.check({ nftables: [{ add: { chain: { family: 'ip', table: 'nope', name: 'x' } } }] })).rejects.toMatchObject({ name: 'KernelRejectedError' });
  });
});
