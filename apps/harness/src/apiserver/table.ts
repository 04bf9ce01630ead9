/**
 * Server-side printing (`meta.k8s.io/v1` Table), what kubectl asks for with `Accept: ...;as=Table`, so
 * `kubectl get` shows the usual columns (TYPE, CLUSTER-IP, PORT(S), ENDPOINTS...).
 */
import type { KubeObject } from './store.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** True when the Accept header asks for a Table. */
export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

function age(created: unknown, now: number): string {
  const t = typeof created === 'string' ? Date.parse(created) : NaN;
  if (Number.isNaN(t)) return '<unknown>';
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

function cellsFor(kind: string, o: KubeObject, now: number): unknown[] {
  const md = obj(o.metadata);
  const created = age(md.creationTimestamp, now);
  if (kind === 'Service') {
    const spec = obj(o.spec);
    const ingress = arr(obj(obj(o.status).loadBalancer).ingress).map((i) => obj(i).ip ?? obj(i).hostname);
    const external = [...arr(spec.externalIPs), ...ingress].filter(Boolean).join(',');
    const ports = arr(spec.ports)
      .map((p) => {
        const port = obj(p);
        return `${String(port.port)}${port.nodePort ? `:${String(port.nodePort)}` : ''}/${String(port.protocol ?? 'TCP')}`;
      })
      .join(',');
    return [md.name, spec.type ?? 'ClusterIP', spec.clusterIP ?? '<none>', external || (spec.type === 'LoadBalancer' ? '<pending>' : '<none>'), ports || '<none>', created];
  }
  if (kind === 'EndpointSlice') {
    const ports = arr(o.ports).map((p) => String(obj(p).port ?? '<unset>')).join(',');
    const addresses = arr(o.endpoints).flatMap((e) => arr(obj(e).addresses).slice(0, 1)).map(String);
    const shown = addresses.slice(0, 3).join(',') + (addresses.length > 3 ? ` + ${addresses.length - 3} more...` : '');
    return [md.name, o.addressType ?? '', ports || '<unset>', shown || '<unset>', created];
  }
  if (kind === 'Namespace') return [md.name, 'Active', created];
  const internal = arr(obj(o.status).addresses).map(obj).find((a) => a.type === 'InternalIP');
  return [md.name, 'Ready', '<none>', created, String(internal?.address ?? '<none>')];
}

const COLUMNS: Record<string, string[]> = {
  Service: ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age'],
  EndpointSlice: ['Name', 'AddressType', 'Ports', 'Endpoints', 'Age'],
  Node: ['Name', 'Status', 'Roles', 'Age', 'Internal-IP'],
  Namespace: ['Name', 'Status', 'Age'],
};

/** A Table of `items` of one kind. */
export function toTable(kind: string, items: readonly KubeObject[], resourceVersion: string, now = Date.now()): Obj {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: (COLUMNS[kind] ?? ['Name']).map((name, i) => ({
      name,
      type: 'string',
      format: i === 0 ? 'name' : '',
      description: '',
      priority: 0,
    })),
    rows: items.map((o) => ({
      cells: cellsFor(kind, o, now),
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata ?? {} },
    })),
  };
}
