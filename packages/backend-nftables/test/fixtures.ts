import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Endpoint, NodeContext, ProxyState } from '@kproxy/api';
import yaml from 'js-yaml';
import type { NftablesRenderOptions } from '../src/context.ts';
import { ep, node, stateOf, svcPort } from '../src/testing/index.ts';
import type { PortSpec } from '../src/testing/index.ts';

/** Golden fixtures: `fixtures/<case>/state.yaml` beside the exact rendered `nftables.json`. */

export const FIXTURES_DIR = path.join(import.meta.dirname, '..', 'fixtures');

interface FixtureFile {
  readonly node?: Partial<NodeContext>;
  readonly options?: NftablesRenderOptions;
  readonly servicePorts?: readonly (PortSpec & { eps?: readonly (Partial<Endpoint> & { ip: string; port: number })[] })[];
}

/** One fixture case. */
export interface Fixture {
  readonly name: string;
  readonly dir: string;
  readonly state: ProxyState;
  readonly options: NftablesRenderOptions;
}

/** Every fixture case, by name. */
export function loadFixtures(): Fixture[] {
  return readdirSync(FIXTURES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const dir = path.join(FIXTURES_DIR, name);
      const file = (yaml.load(readFileSync(path.join(dir, 'state.yaml'), 'utf8')) ?? {}) as FixtureFile;
      const nodeCtx = node(file.node ?? {});
      const ports = (file.servicePorts ?? []).map((p) =>
        svcPort({ ...p, family: nodeCtx.family, eps: (p.eps ?? []).map((e) => ep(e.ip, e.port, e)) }),
      );
      return { name, dir, state: stateOf(ports, nodeCtx), options: file.options ?? {} };
    });
}
