import type { IPFamily, KubeEndpointSlice } from '@kproxy/api';
import type { Scenario, ScenarioNode } from '@kproxy/conformance';
import { resolveSource } from '@kproxy/conformance';
import type { EchoConfig, EchoProtocol } from '../echo/protocol.ts';
import { familyOfAddress, normaliseAddress } from '../topology/addresses.ts';
import type { TopologyClientSpec, TopologySpec } from '../topology/spec.ts';

/** What the real kernel needs for one scenario: the topology, an echo server per endpoint address. */
export interface KernelLayout {
  readonly topology: TopologySpec;
  readonly echo: readonly EchoConfig[];
}

function slicesOf(scenario: Scenario): KubeEndpointSlice[] {
  const all = [...scenario.objects];
  for (const step of scenario.steps) if (step.type === 'apply' || step.type === 'update') all.push(...step.objects);
  return all.filter((o) => o.kind === 'EndpointSlice').map((o) => o.object as KubeEndpointSlice);
}

/**
 * Why a scenario cannot run on this topology, or undefined. (Pods sit behind their own veths, not a
 * bridge, so `BridgeInterface` local detection has nothing to match.)
 */
export function unsupportedReason(scenario: Scenario): string | undefined {
  if (scenario.node.detectLocal === 'BridgeInterface') {
    return 'detect-local-mode BridgeInterface needs a pod bridge; the kernel topology routes pods through per-pod veths';
  }
  return undefined;
}

/** Every source address a scenario's flows and affinity checks use, with their family. Pure. */
export function flowSources(scenario: Scenario): { ip: string; kind: string; family: IPFamily }[] {
  const out: { ip: string; kind: string; family: IPFamily }[] = [];
  for (const step of scenario.steps) {
    const items = step.type === 'expect' ? step.flows : step.type === 'affinity' ? step.checks : [];
    for (const item of items) {
      const r = resolveSource(scenario.node, item.source.from, item.family);
      out.push({ ip: normaliseAddress(r.ip), kind: r.kind, family: item.family });
    }
  }
  return out;
}

/**
 * Maps a scenario onto namespaces: the node with its primary IP per family, one namespace per endpoint
 * address found in any EndpointSlice of the scenario (local when its nodeName is the node), the pod and
 * external clients at the scenario's addresses, and an extra client per other source address. Pure.
 */
export function kernelLayout(scenario: Scenario, prefix = 'kph'): KernelLayout {
  const node: ScenarioNode = scenario.node;
  const families = node.families.filter((f) => node.addresses[f]);
  const endpoints = new Map<string, { local: boolean; ports: Map<string, { proto: EchoProtocol; port: number }> }>();
  for (const slice of slicesOf(scenario)) {
    if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue;
    if (!families.includes(slice.addressType)) continue;
    for (const e of slice.endpoints ?? []) {
      const raw = e.addresses?.[0];
      if (!raw) continue;
      let ip: string;
      try {
        ip = normaliseAddress(raw);
      } catch {
        continue; // invalid addresses are the proxy's business (it must skip them), not the topology's
      }
      if (familyOfAddress(ip) !== slice.addressType) continue;
      const entry = endpoints.get(ip) ?? { local: e.nodeName === node.name, ports: new Map() };
      for (const p of slice.ports ?? []) {
        if (typeof p.port !== 'number' || p.port < 1 || p.port > 65535) continue;
        const proto = (p.protocol ?? 'TCP').toLowerCase() as EchoProtocol;
        if (proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp') continue;
        entry.ports.set(`${proto}/${p.port}`, { proto, port: p.port });
      }
      endpoints.set(ip, entry);
    }
  }
  // Primary first per family (the loader lists it first), then the secondary addresses.
  const primaries = families.map((f) => normaliseAddress(node.addresses[f]!.nodeIPs[0]!));
  const nodeIPs = [...new Set([...primaries, ...families.flatMap((f) => node.addresses[f]!.nodeIPs.map(normaliseAddress))])];
  const podClient = families.flatMap((f) => (node.addresses[f]?.podClient ? [normaliseAddress(node.addresses[f]!.podClient!)] : []));
  const externalClient = families.map((f) => normaliseAddress(node.addresses[f]!.externalClient));
  const known = new Set([...nodeIPs, ...endpoints.keys(), ...podClient, ...externalClient]);
  const extraClients: TopologyClientSpec[] = [];
  for (const s of flowSources(scenario)) {
    if (known.has(s.ip)) continue;
    known.add(s.ip);
    extraClients.push({ name: `c${extraClients.length}`, role: s.kind === 'pod' ? 'pod' : 'external', addresses: [s.ip] });
  }
  const topology: TopologySpec = {
    prefix,
    node: {
      name: node.name,
      addresses: nodeIPs,
      podCIDRs: families.flatMap((f) => (node.addresses[f]?.podCIDR ? [node.addresses[f]!.podCIDR!] : [])),
    },
    endpoints: [...endpoints].map(([ip, e]) => ({ ip, local: e.local })),
    podClient,
    externalClient,
    extraClients,
    ...(node.detectLocal === 'InterfaceNamePrefix' && node.interfacePrefix ? { podInterfacePrefix: node.interfacePrefix } : {}),
    ...(/^[A-Za-z0-9_-]{1,13}$/.test(node.externalInterface) ? { externalInterface: node.externalInterface } : {}),
  };
  const echo: EchoConfig[] = [...endpoints].map(([ip, e]) => ({
    name: ip,
    listen: [...e.ports.values()].map((p) => ({ proto: p.proto, host: ip, port: p.port })),
  }));
  return { topology, echo };
}
