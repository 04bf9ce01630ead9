import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { silentLogger, systemClock } from '@kproxy/api';
import type { Components } from '@kproxy/api';
import { netnsSupport, withNetns } from '@kproxy/netns';
import type { Netns } from '@kproxy/netns';
import { nftScript } from '@kproxy/nftables-json';
import type { NftablesDocument } from '@kproxy/nftables-json';
import { normalizeTextListing } from '@kproxy/nftables-json/testing';
import fc from 'fast-check';
import { hostileStateArb, nodeToV6, portToV6, servicePortsArb } from '../test/arbitraries.ts';
import { loadFixtures } from '../test/fixtures.ts';
import { nftablesBackend } from './backend.ts';
import { render } from './render.ts';
import { node, stateOf } from './testing/index.ts';

const support = await netnsSupport();
const nftOk = support.ok && spawnSync('nft', ['--version']).status === 0;
if (!nftOk) console.warn(`skipping text-wire kernel tests: ${support.ok ? 'nft not found' : support.reason}`);
const maybe = nftOk ? describe : describe.skip;

/**
 * `nft -j list ruleset`, with the table handle (a per-namespace counter), expiry times and element order
 * normalised, and the text listing with handles (it shows what the JSON listing of nft 1.0.6 leaves out, such as
 * table and chain comments).
 */
async function listing(ns: Netns): Promise<unknown> {
  return { json: await jsonListing(ns), text: normalizeTextListing((await ns.run('nft', ['-a', 'list', 'ruleset'])).stdout) };
}

async function jsonListing(ns: Netns): Promise<unknown> {
  const out = JSON.parse((await ns.run('nft', ['-j', 'list', 'ruleset'])).stdout) as { nftables: Record<string, Record<string, unknown>>[] };
  return out.nftables
    .filter((i) => !('metainfo' in i))
    .map((i) => {
      const [kind, body] = Object.entries(i)[0] as [string, Record<string, unknown>];
      const c = { ...body };
      if (kind === 'table') delete c['handle'];
      if (Array.isArray(c['elem'])) c['elem'] = (c['elem'] as unknown[]).map((e) => JSON.stringify(e)).sort();
      return { [kind]: c };
    });
}

/** Loads `doc` into an empty ruleset through one wire (straight to nft) and lists the result. */
async function load(ns: Netns, doc: NftablesDocument, wire: 'text' | 'json'): Promise<{ ok: boolean; stderr: string; listing: unknown }> {
  await ns.run('nft', ['flush', 'ruleset']);
  const text = wire === 'json' ? JSON.stringify(doc) : nftScript(doc);
  const dir = mkdtempSync(path.join(tmpdir(), 'kp-wire-'));
  try {
    // A file, as the client sends large documents (and rendered tables get large).
    const file = path.join(dir, 'batch');
    writeFileSync(file, text, { mode: 0o600 });
    const r = await ns.executor.run('nft', [...(wire === 'json' ? ['-j'] : []), '-f', file]);
    return { ok: r.exitCode === 0, stderr: r.stderr, listing: await listing(ns) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The data maps are declared by `typeof`, which nft 1.0.6's JSON parser cannot take: the wires are compared on
// the layout without them (chains only, what a JSON-wire backend renders); the default layout loads as text.
const CHAINS = { dataMaps: false } as const;

maybe('the text wire loads the rendered rulesets exactly as the JSON wire does', () => {
  it('every golden fixture', async () => {
    await withNetns(async (ns) => {
      for (const f of loadFixtures()) {
        const doc = render(f.state, undefined, { ...f.options, ...CHAINS }).transaction.toJSON();
        const json = await load(ns, doc, 'json');
        const text = await load(ns, doc, 'text');
        expect({ fixture: f.name, ok: json.ok, stderr: json.stderr }).toEqual({ fixture: f.name, ok: true, stderr: '' });
        expect({ fixture: f.name, ...text }).toEqual({ fixture: f.name, ...json });
        const dataMaps = await load(ns, render(f.state, undefined, f.options).transaction.toJSON(), 'text');
        expect({ fixture: f.name, ok: dataMaps.ok, stderr: dataMaps.stderr }).toEqual({ fixture: f.name, ok: true, stderr: '' });
      }
    }, 'kpwire');
  }, 120_000);

  it('random and hostile states (every detector and node-port mode), ip and ip6', async () => {
    await withNetns(async (ns) => {
      await fc.assert(
        fc.asyncProperty(hostileStateArb, async ({ state, serviceCIDRs }) => {
          const r = render(state, undefined, { serviceCIDRs, ...CHAINS });
          expect(r.transaction.error).toBeUndefined();
          const doc = r.transaction.toJSON();
          // Every rendered document has a text form: the backend never needs the JSON fallback.
          const json = await load(ns, doc, 'json');
          const text = await load(ns, doc, 'text');
          expect(json.ok).toBe(true);
          expect(text).toEqual(json);
        }),
        { numRuns: Number(process.env['FC_RUNS'] ?? 40) },
      );
    }, 'kpwire');
  }, 300_000);

  it('random partial sync sequences: the backend over either wire leaves the same table after every sync', async () => {
    await withNetns(async (ns) => {
      const components: Components = { logger: silentLogger, clock: systemClock, executor: ns.executor };
      await fc.assert(
        fc.asyncProperty(fc.array(servicePortsArb(6), { minLength: 2, maxLength: 5 }), fc.boolean(), async (steps4, six) => {
          const nodeCtx = six ? nodeToV6(node()) : node();
          const steps = six ? steps4.map((ports) => ports.map(portToV6)) : steps4;
          const run = async (wire: 'text' | 'json', dataMaps = false): Promise<unknown[]> => {
            await ns.run('nft', ['flush', 'ruleset']);
            const jsonApplies: string[] = [];
            const recording: Components = {
              ...components,
              executor: {
                run: (file, args, o) => {
                  const [a, b] = args;
                  if (a === '-j' && (b === '-f' || (b?.startsWith('{') === true && !b.includes('"list"')))) jsonApplies.push(args.join(' '));
                  return ns.executor.run(file, args, o);
                },
              },
            };
            const backend = nftablesBackend({ family: nodeCtx.family, wire, dataMaps })(recording);
            const out: unknown[] = [];
            for (const ports of steps) {
              await backend.sync(stateOf(ports, nodeCtx));
              out.push(await listing(ns));
            }
            // Over the text wire, every transaction (full, partial, stale-chain deletion) went as text.
            if (wire === 'text') expect(jsonApplies).toEqual([]);
            else expect(jsonApplies.length).toBeGreaterThan(0);
            return out;
          };
          expect(await run('text')).toEqual(await run('json'));
          // The default layout (data maps) goes as text only, every transaction of it.
          expect((await run('text', true)).length).toBe(steps.length);
        }),
        { numRuns: Number(process.env['FC_RUNS'] ?? 15) },
      );
    }, 'kpwire');
  }, 300_000);
});

