/** A service port as the programmed ruleset shows it. */
export interface ProgrammedEntry {
  /** `10.96.0.10 tcp/80` or `nodeport tcp/30080`. */
  readonly match: string;
  /** The service chain's readable name (`shop/web/tcp/main`), or `(data map <set>)` for a port without chains. */
  readonly service: string;
  /** The endpoints the service chain DNATs to (`ip:port`), sorted; from `dnat` statements or endpoint chains. */
  readonly endpoints: readonly string[];
}

/** A summary of one kube-proxy table listed with `nft -j list table`. */
export interface RulesetSummary {
  readonly table: string;
  readonly chains: number;
  readonly rules: number;
  readonly sets: number;
  readonly entries: readonly ProgrammedEntry[];
  /** `10.96.0.x tcp/80` entries in the no-endpoint sets (rejected). */
  readonly noEndpoints: readonly string[];
}

type Json = Record<string, unknown>;

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
  return out;
}

// Walks a rule's JSON for `dnat` statements: `{"dnat": {"addr": "10.244.1.2", "port": 8080}}`.
function dnatTargets(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) dnatTargets(v, out);
  else if (value && typeof value === 'object') {
    const dnat = (value as Json).dnat as Json | undefined;
    if (dnat && typeof dnat.addr === 'string') {
      const addr = dnat.addr.includes(':') ? `[${dnat.addr}]` : dnat.addr;
      out.push(dnat.port === undefined ? addr : `${addr}:${String(dnat.port)}`);
    }
    for (const v of Object.values(value)) dnatTargets(v, out);
  }
  return out;
}

function keyText(wrapped: unknown): string {
  // Elements with a comment or timeout come wrapped: `{"elem": {"val": <key>, "comment": "..."}}`.
  const key = wrapped && typeof wrapped === 'object' && 'elem' in (wrapped as Json) ? ((wrapped as Json).elem as Json).val : wrapped;
  const parts = key && typeof key === 'object' && 'concat' in (key as Json) ? ((key as Json).concat as unknown[]) : [key];
  const [first, ...rest] = parts.map((p) => (typeof p === 'object' ? JSON.stringify(p) : String(p)));
  if (rest.length === 0) return first ?? '';
  if (rest.length === 1) return `${first}/${rest[0]}`;
  return `${first} ${rest.join('/')}`;
}

// Chain names are `service-<HASH8>-<namespace>/<name>/<proto>/<port>`; strip the hash for people.
function readable(chain: string): string {
  return chain.replace(/^(service|external)-[A-Z2-7]{8}-/, '');
}

/**
 * Summarises `nft -j list table <family> kube-proxy` output: object counts, and per entry of the
 * `service-ips` and `service-nodeports` maps the service chain it jumps to and how many endpoint chains that
 * chain uses. Pure; tolerant of objects it does not know.
 */
export function summariseRuleset(listing: unknown): RulesetSummary {
  const items = ((listing as Json)?.nftables as Json[] | undefined) ?? [];
  let table = '';
  let chains = 0;
  let rules = 0;
  let sets = 0;
  const chainRules = new Map<string, unknown[]>();
  const maps = new Map<string, unknown[]>();
  for (const item of items) {
    if (item.table) {
      const t = item.table as Json;
      table = `${String(t.family)} ${String(t.name)}`;
    } else if (item.chain) {
      chains++;
    } else if (item.rule) {
      rules++;
      const r = item.rule as Json;
      const list = chainRules.get(String(r.chain)) ?? [];
      list.push(r.expr);
      chainRules.set(String(r.chain), list);
    } else if (item.set || item.map) {
      sets++;
      const s = (item.set ?? item.map) as Json;
      maps.set(String(s.name), (s.elem as unknown[] | undefined) ?? []);
    }
  }
  const entries: ProgrammedEntry[] = [];
  for (const [mapName, prefix] of [['service-ips', ''], ['service-nodeports', 'nodeport ']] as const) {
    for (const elem of maps.get(mapName) ?? []) {
      if (!Array.isArray(elem) || elem.length < 2) continue;
      const target = strings(elem[1]).find((s) => /^(service|external)-/.test(s));
      if (!target) continue;
      // A node port's `external-` chain jumps on to the `service-` chain that holds the endpoints; endpoints
      // are DNAT statements in it, or (kube-proxy's layout) `endpoint-` chains holding them.
      const inner = strings(chainRules.get(target) ?? []).find((s) => s.startsWith('service-') && s !== target);
      const rulesOf = (chain: string | undefined): unknown[] => (chain ? (chainRules.get(chain) ?? []) : []);
      const serviceRules = [...rulesOf(target), ...rulesOf(inner)];
      const endpointChains = [...new Set(strings(serviceRules).filter((s) => s.startsWith('endpoint-')))];
      const endpoints = new Set([...dnatTargets(serviceRules), ...endpointChains.flatMap((c) => dnatTargets(rulesOf(c)))]);
      entries.push({ match: `${prefix}${keyText(elem[0])}`, service: readable(inner ?? target), endpoints: [...endpoints].sort() });
    }
  }
  // Data-map dispatch: a key in `service-ips-<n>`, `external-ips-<n>` or `service-nodeports-<n>` DNATs to the
  // endpoints in slots 0..n-1 of `service-endpoints` / `nodeport-endpoints` under the same key.
  const slotsOf = (mapName: string): Map<string, unknown[]> => {
    const bySlot = new Map<string, unknown[]>();
    for (const elem of maps.get(mapName) ?? []) {
      if (!Array.isArray(elem) || elem.length < 2) continue;
      const key = (elem[0] as Json)?.concat as unknown[] | undefined;
      const data = (elem[1] as Json)?.concat as unknown[] | undefined;
      if (!Array.isArray(key) || !Array.isArray(data) || data.length !== 2) continue;
      const id = JSON.stringify(key.slice(0, -1));
      const addr = String(data[0]);
      bySlot.set(id, [...(bySlot.get(id) ?? []), `${addr.includes(':') ? `[${addr}]` : addr}:${String(data[1])}`]);
    }
    return bySlot;
  };
  const serviceSlots = slotsOf('service-endpoints');
  const nodePortSlots = slotsOf('nodeport-endpoints');
  const counted = [...maps.keys()].filter((n) => /^(service-ips|external-ips|service-nodeports)-\d+$/.test(n)).sort();
  for (const setName of counted) {
    const nodePort = setName.startsWith('service-nodeports-');
    for (const elem of maps.get(setName) ?? []) {
      const key = elem && typeof elem === 'object' && 'elem' in (elem as Json) ? ((elem as Json).elem as Json).val : elem;
      const parts = (key as Json | undefined)?.concat;
      if (!Array.isArray(parts)) continue;
      const endpoints = ((nodePort ? nodePortSlots : serviceSlots).get(JSON.stringify(parts)) ?? []).map(String);
      entries.push({ match: `${nodePort ? 'nodeport ' : ''}${keyText(key)}`, service: `(data map ${setName})`, endpoints: endpoints.sort() });
    }
  }
  const noEndpoints = [...(maps.get('no-endpoint-services') ?? []), ...(maps.get('no-endpoint-nodeports') ?? [])].map((e) =>
    keyText(Array.isArray(e) ? e[0] : e),
  );
  return { table, chains, rules, sets, entries, noEndpoints };
}
