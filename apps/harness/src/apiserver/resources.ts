/** The resource types the embedded API server serves, with what discovery documents need. */

/** One served resource type. */
export interface ResourceType {
  /** URL plural, e.g. `services`. */
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly listKind: string;
  /** API group; `''` for the core group. */
  readonly group: string;
  readonly version: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
}

/** `apiVersion` text of a resource type (`v1`, `discovery.k8s.io/v1`). */
export function apiVersionOf(type: ResourceType): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

/** Services, EndpointSlices, Nodes, and Namespaces (so manifests that create their namespace load). */
export const RESOURCE_TYPES: readonly ResourceType[] = [
  {
    plural: 'services',
    singular: 'service',
    kind: 'Service',
    listKind: 'ServiceList',
    group: '',
    version: 'v1',
    namespaced: true,
    shortNames: ['svc'],
  },
  {
    plural: 'nodes',
    singular: 'node',
    kind: 'Node',
    listKind: 'NodeList',
    group: '',
    version: 'v1',
    namespaced: false,
    shortNames: ['no'],
  },
  {
    plural: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    listKind: 'NamespaceList',
    group: '',
    version: 'v1',
    namespaced: false,
    shortNames: ['ns'],
  },
  {
    plural: 'endpointslices',
    singular: 'endpointslice',
    kind: 'EndpointSlice',
    listKind: 'EndpointSliceList',
    group: 'discovery.k8s.io',
    version: 'v1',
    namespaced: true,
    shortNames: [],
  },
];

/** The verbs every served resource supports (what kubectl checks in discovery). */
export const RESOURCE_VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] as const;

/** Finds a type by `kind` (and `apiVersion` when given). */
export function typeForKind(kind: string | undefined, apiVersion?: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.kind === kind && (apiVersion === undefined || apiVersionOf(t) === apiVersion));
}

/** Finds a type by group, version and plural. */
export function typeForPath(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.plural === plural);
}
