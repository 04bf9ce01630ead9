import type { Endpoint, IPFamily, KubeEndpointSlice, KubeSliceEndpoint, Protocol, Reason } from '@kproxy/api';
import { hostPort, LABEL_HEADLESS, LABEL_SERVICE_PROXY_NAME, PROTOCOLS } from '@kproxy/api';
import { normalizeIPWithFamily } from './ip.ts';
import { ENDPOINT_REASONS as R } from './reason-codes.ts';

/** Options of `mergeEndpointSlices`. */
export interface MergeSlicesOptions {
  /** Only slices with this `addressType` are used; slices of other types are skipped silently. */
  readonly family: IPFamily;
  /** The proxy's node name: endpoints whose `nodeName` equals it are local. */
  readonly nodeName: string;
}

/** The result of `mergeEndpointSlices`. */
export interface MergedSlices {
  /**
   * Endpoints per slice port, keyed `${portName}/${protocol}` (`/TCP` for an unnamed TCP port). Each list is
   * de-duplicated by IP:port and sorted by IP text, then port.
   */
  readonly ports: Map<string, Endpoint[]>;
  /** Why entries were skipped or chosen; never affects the other entries. */
  readonly reasons: Reason[];
}

/** The key `mergeEndpointSlices` uses for a slice port: `${portName}/${protocol}`. Pure. */
export function slicePortKey(portName: string, protocol: Protocol): string {
  return `${portName}/${protocol}`;
}

/**
 * Merges the EndpointSlices of one Service into per-port endpoint lists for one family, as kube-proxy's
 * EndpointSlice cache does:
 * - only slices whose `addressType` is `options.family`; slices labelled service-proxy-name or headless are ignored;
 * - per slice port (name + protocol, protocol defaulting to TCP); ports without a port number are ignored;
 * - conditions with defaults applied (ready/serving unset = true, terminating unset = false);
 * - the first address only; endpoints without addresses are ignored; IPs normalised;
 * - the same IP:port in several slices is one endpoint, a non-terminating copy winning (then ready, then
 *   serving; remaining ties broken by content, so the result never depends on slice order);
 * - `isLocal` when the endpoint's `nodeName` equals `options.nodeName`; zone and hints copied.
 * Bad entries are skipped with a Reason naming the slice. Pure; never throws.
 */
export function mergeEndpointSlices(
  slices: readonly KubeEndpointSlice[],
  options: MergeSlicesOptions,
): MergedSlices {
  const reasons: Reason[] = [];
  // port key -> ("ip|port" -> endpoint)
  const byPort = new Map<string, Map<string, Endpoint>>();

  for (const slice of slices) {
    if (slice === null || typeof slice !== 'object') continue;
    const sliceName = objectName(slice);
    const labels = slice.metadata?.labels;
    if (labels && (LABEL_SERVICE_PROXY_NAME in labels || LABEL_HEADLESS in labels)) {
      reasons.push({
        code: R.SliceIgnoredByLabel,
        message: `EndpointSlice ${sliceName} carries the ${LABEL_SERVICE_PROXY_NAME in labels ? LABEL_SERVICE_PROXY_NAME : LABEL_HEADLESS} label and is ignored`,
        subject: sliceName,
      });
      continue;
    }
    const addressType = slice.addressType;
    if (addressType !== 'IPv4' && addressType !== 'IPv6') {
      if (addressType !== 'FQDN') {
        reasons.push({
          code: R.InvalidSliceAddressType,
          message: `EndpointSlice ${sliceName} has invalid addressType ${JSON.stringify(addressType)}; skipped`,
          subject: sliceName,
        });
      }
      continue;
    }
    if (addressType !== options.family) continue;

    const ports = slicePorts(slice, sliceName, reasons);
    if (ports.length === 0) continue;
    const endpoints = Array.isArray(slice.endpoints) ? slice.endpoints : [];
    for (const raw of endpoints) {
      const base = baseEndpoint(raw, sliceName, options, reasons);
      if (!base) continue;
      for (const { key, port } of ports) {
        let list = byPort.get(key);
        if (!list) {
          list = new Map();
          byPort.set(key, list);
        }
        const endpoint = withPort(base, port);
        const id = `${endpoint.ip}|${port}`;
        const existing = list.get(id);
        if (!existing) {
          list.set(id, endpoint);
          continue;
        }
        const winner = preferred(existing, endpoint);
        if (!sameEndpoint(existing, endpoint)) {
          reasons.push({
            code: R.DuplicateEndpoint,
            message: `endpoint ${hostPort(endpoint.ip, port)} appears in several slices with different data (latest: ${sliceName}); kept the ${winner.terminating ? 'terminating' : 'non-terminating'} copy`,
            subject: hostPort(endpoint.ip, port),
          });
        }
        list.set(id, winner);
      }
    }
  }

  const result = new Map<string, Endpoint[]>();
  for (const key of [...byPort.keys()].sort()) {
    result.set(key, [...(byPort.get(key) as Map<string, Endpoint>).values()].sort(compareEndpoints));
  }
  return { ports: result, reasons };
}

/** Orders endpoints by IP text, then port. Pure. */
export function compareEndpoints(a: Pick<Endpoint, 'ip' | 'port'>, b: Pick<Endpoint, 'ip' | 'port'>): number {
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
  return a.port - b.port;
}

interface SlicePortInfo {
  readonly key: string;
  readonly port: number;
}

function slicePorts(slice: KubeEndpointSlice, sliceName: string, reasons: Reason[]): SlicePortInfo[] {
  const out: SlicePortInfo[] = [];
  const seen = new Map<string, number>();
  const ports = Array.isArray(slice.ports) ? slice.ports : [];
  for (const p of ports) {
    if (p === null || typeof p !== 'object') continue;
    // A slice port without a number means "all ports" for selector-less services; kube-proxy ignores it.
    if (p.port === undefined || p.port === null) continue;
    const name = typeof p.name === 'string' ? p.name : '';
    const protocol = p.protocol ?? 'TCP';
    if (!(PROTOCOLS as readonly string[]).includes(protocol)) {
      reasons.push({
        code: R.InvalidSlicePort,
        message: `EndpointSlice ${sliceName} port ${JSON.stringify(name)} has unknown protocol ${JSON.stringify(protocol)}; skipped`,
        subject: sliceName,
      });
      continue;
    }
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) {
      reasons.push({
        code: R.InvalidSlicePort,
        message: `EndpointSlice ${sliceName} port ${JSON.stringify(name)} has invalid number ${JSON.stringify(p.port)}; skipped`,
        subject: sliceName,
      });
      continue;
    }
    const key = slicePortKey(name, protocol as Protocol);
    const previous = seen.get(key);
    if (previous !== undefined) {
      if (previous !== p.port) {
        reasons.push({
          code: R.DuplicateSlicePort,
          message: `EndpointSlice ${sliceName} lists port ${JSON.stringify(name)}/${protocol} twice (${previous}, ${p.port}); kept ${previous}`,
          subject: sliceName,
        });
      }
      continue;
    }
    seen.set(key, p.port);
    out.push({ key, port: p.port });
  }
  return out;
}

type BaseEndpoint = Omit<Endpoint, 'port'>;

// Explicit construction (no spread) keeps one object shape for every endpoint: this runs per endpoint per port.
function withPort(base: BaseEndpoint, port: number): Endpoint {
  const e: { -readonly [K in keyof Endpoint]: Endpoint[K] } = {
    ip: base.ip,
    port,
    ready: base.ready,
    serving: base.serving,
    terminating: base.terminating,
    isLocal: base.isLocal,
  };
  if (base.nodeName !== undefined) e.nodeName = base.nodeName;
  if (base.zone !== undefined) e.zone = base.zone;
  if (base.zoneHints !== undefined) e.zoneHints = base.zoneHints;
  if (base.nodeHints !== undefined) e.nodeHints = base.nodeHints;
  return e;
}

function baseEndpoint(
  raw: KubeSliceEndpoint,
  sliceName: string,
  options: MergeSlicesOptions,
  reasons: Reason[],
): BaseEndpoint | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  if (!Array.isArray(raw.addresses) || raw.addresses.length === 0) return undefined;
  const address = raw.addresses[0];
  const parsed = typeof address === 'string' ? normalizeIPWithFamily(address) : undefined;
  if (!parsed) {
    reasons.push({
      code: R.InvalidEndpointAddress,
      message: `EndpointSlice ${sliceName} has invalid endpoint address ${JSON.stringify(address)}; skipped`,
      subject: String(address),
    });
    return undefined;
  }
  if (parsed.family !== options.family) {
    reasons.push({
      code: R.EndpointAddressWrongFamily,
      message: `EndpointSlice ${sliceName} (${options.family}) has ${parsed.family} address ${parsed.ip}; skipped`,
      subject: parsed.ip,
    });
    return undefined;
  }
  const c = raw.conditions ?? {};
  const nodeName = typeof raw.nodeName === 'string' && raw.nodeName !== '' ? raw.nodeName : undefined;
  const zone = typeof raw.zone === 'string' && raw.zone !== '' ? raw.zone : undefined;
  const endpoint: {
    -readonly [K in keyof BaseEndpoint]: BaseEndpoint[K];
  } = {
    ip: parsed.ip,
    ready: c.ready === undefined || c.ready === null ? true : c.ready === true,
    serving: c.serving === undefined || c.serving === null ? true : c.serving === true,
    terminating: c.terminating === true,
    isLocal: nodeName !== undefined && nodeName === options.nodeName,
  };
  if (nodeName !== undefined) endpoint.nodeName = nodeName;
  if (zone !== undefined) endpoint.zone = zone;
  const zoneHints = hintNames(raw.hints?.forZones);
  if (zoneHints) endpoint.zoneHints = zoneHints;
  const nodeHints = hintNames(raw.hints?.forNodes);
  if (nodeHints) endpoint.nodeHints = nodeHints;
  return endpoint;
}

/** Sorted unique hint names; undefined when there are none (as kube-proxy treats an empty list). */
function hintNames(hints: readonly { name: string }[] | undefined): string[] | undefined {
  if (!Array.isArray(hints)) return undefined;
  const names = new Set<string>();
  for (const h of hints) if (h && typeof h.name === 'string' && h.name !== '') names.add(h.name);
  return names.size === 0 ? undefined : [...names].sort();
}

/** The copy to keep for a duplicated IP:port: non-terminating, then ready, then serving, then by content. */
function preferred(a: Endpoint, b: Endpoint): Endpoint {
  if (a.terminating !== b.terminating) return a.terminating ? b : a;
  if (a.ready !== b.ready) return a.ready ? a : b;
  if (a.serving !== b.serving) return a.serving ? a : b;
  return canonical(a) <= canonical(b) ? a : b;
}

function canonical(e: Endpoint): string {
  return JSON.stringify([e.nodeName ?? '', e.zone ?? '', e.zoneHints ?? [], e.nodeHints ?? [], e.isLocal]);
}

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return (
    a.ready === b.ready && a.serving === b.serving && a.terminating === b.terminating && canonical(a) === canonical(b)
  );
}

function objectName(slice: KubeEndpointSlice): string {
  const meta = slice.metadata ?? {};
  return `${meta.namespace ?? ''}/${meta.name ?? '<unnamed>'}`;
}
