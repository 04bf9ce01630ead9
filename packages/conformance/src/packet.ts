import type { IPFamily, Packet, Protocol } from '@kproxy/api';
import { resolveSource } from './load.ts';
import type { FlowSource, NamedSource, ScenarioNode } from './scenario.ts';

/** Where a flow's packet comes from: its source address, how it enters the node, and on which interface. */
export interface ResolvedSource {
  readonly ip: string;
  readonly kind: NamedSource;
  /** `output` for the node itself, else `prerouting`. */
  readonly hook: Packet['hook'];
  /** The interface a `prerouting` packet arrives on (podInterface or externalInterface). */
  readonly iifname?: string;
}

/** Resolves a flow's source on a scenario's node, for one family. Pure. */
export function sourceFor(node: ScenarioNode, source: FlowSource | string, family: IPFamily): ResolvedSource {
  const r = resolveSource(node, typeof source === 'string' ? source : source.from, family);
  if (r.kind === 'node') return { ip: r.ip, kind: r.kind, hook: 'output' };
  return {
    ip: r.ip,
    kind: r.kind,
    hook: 'prerouting',
    iifname: r.kind === 'pod' ? node.podInterface : node.externalInterface,
  };
}

/** The packet a flow sends (`sport` defaults to 40000), as a backend's `explain` takes it. Pure. */
export function flowPacket(
  node: ScenarioNode,
  flow: { readonly source: FlowSource; readonly protocol: Protocol; readonly dst: string; readonly family: IPFamily; readonly port: number },
  sport = 40000,
): Packet {
  const src = sourceFor(node, flow.source, flow.family);
  return {
    family: flow.family,
    protocol: flow.protocol,
    src: src.ip,
    dst: flow.dst,
    dport: flow.port,
    sport,
    hook: src.hook,
    ...(src.iifname ? { iifname: src.iifname } : {}),
  };
}
