import type { IPFamily, KubeNode, Protocol } from '@kproxy/api';
import { KProxyError, LABEL_TOPOLOGY_ZONE } from '@kproxy/api';
import { parseIP } from '@kproxy/endpoints';
import yaml from 'js-yaml';
import { cidrContains, cidrHost, parseCIDR } from './cidr.ts';
import type {
  AffinityCheck,
  BackendDifference,
  DetectLocalMode,
  FamilyAddresses,
  Flow,
  FlowOutcome,
  FlowSource,
  ObjectRef,
  Scenario,
  ScenarioNode,
  ScenarioObject,
  Step,
} from './scenario.ts';

/** A scenario file that does not follow the format. The message names the file and the field. */
export class ScenarioError extends KProxyError {
  override readonly name = 'ScenarioError';
  /** The file (or source label) the scenario came from. */
  readonly source: string;
  /** Path of the offending field, e.g. `steps[2].expect[0].port`. */
  readonly field: string;
  constructor(source: string, field: string, problem: string) {
    super(`${source}: ${field || '(top)'}: ${problem}`);
    this.source = source;
    this.field = field;
  }
}

/** The external client's default address per family (documentation ranges, never routed anywhere real). */
export const DEFAULT_EXTERNAL_CLIENT: Readonly<Record<IPFamily, string>> = {
  IPv4: '203.0.113.10',
  IPv6: '2001:db8:ff::10',
};
/** The default `pod` client: this host offset inside the node's pod CIDR. */
export const DEFAULT_POD_CLIENT_OFFSET = 250;
/** The default interface external clients arrive on. */
export const DEFAULT_EXTERNAL_INTERFACE = 'eth0';
/** The default pod interface when local detection does not name one. */
export const DEFAULT_POD_INTERFACE = 'kpod0';

const FAMILIES: readonly IPFamily[] = ['IPv4', 'IPv6'];
const DETECT_MODES: readonly DetectLocalMode[] = [
  'ClusterCIDR',
  'NodeCIDR',
  'BridgeInterface',
  'InterfaceNamePrefix',
  'None',
];
const PROTOCOL_NAMES: Readonly<Record<string, Protocol>> = { tcp: 'TCP', udp: 'UDP', sctp: 'SCTP' };
const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;
const MAX_CONNECTIONS = 1000;

type Raw = Record<string, unknown>;

/** Validation context: the file and the path of the value being read. */
class Ctx {
  readonly source: string;
  readonly path: string;
  constructor(source: string, path: string) {
    this.source = source;
    this.path = path;
  }
  at(key: string | number): Ctx {
    if (typeof key === 'number') return new Ctx(this.source, `${this.path}[${key}]`);
    return new Ctx(this.source, this.path ? `${this.path}.${key}` : key);
  }
  fail(problem: string): never {
    throw new ScenarioError(this.source, this.path, problem);
  }
}

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(ctx: Ctx, v: unknown, allowed: readonly string[]): Raw {
  if (!isObject(v)) ctx.fail(`must be a mapping, got ${describe(v)}`);
  for (const key of Object.keys(v)) {
    if (!allowed.includes(key)) ctx.at(key).fail(`unknown field (allowed: ${allowed.join(', ')})`);
  }
  return v;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return typeof v === 'object' ? 'a mapping' : String(v);
}

function str(ctx: Ctx, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) ctx.fail(`must be a non-empty string, got ${describe(v)}`);
  return v;
}

function optStr(ctx: Ctx, v: unknown): string | undefined {
  return v === undefined ? undefined : str(ctx, v);
}

function bool(ctx: Ctx, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') ctx.fail(`must be true or false, got ${describe(v)}`);
  return v;
}

function int(ctx: Ctx, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    ctx.fail(`must be an integer ${min}..${max}, got ${describe(v)}`);
  }
  return v;
}

function list(ctx: Ctx, v: unknown): unknown[] {
  if (!Array.isArray(v)) ctx.fail(`must be a list, got ${describe(v)}`);
  return v;
}

function ip(ctx: Ctx, v: unknown): { ip: string; family: IPFamily } {
  const parsed = parseIP(str(ctx, v));
  if (!parsed) ctx.fail(`must be an IP address, got ${describe(v)}`);
  return { ip: parsed.ip, family: parsed.family };
}

function cidr(ctx: Ctx, v: unknown) {
  const parsed = parseCIDR(str(ctx, v));
  if (!parsed) ctx.fail(`must be a CIDR (ip/prefix), got ${describe(v)}`);
  return parsed;
}

/** `ip:port` or `[ipv6]:port`, normalised the way `endpointKey` prints it. */
function endpointText(ctx: Ctx, v: unknown): string {
  const text = str(ctx, v);
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  if (!m) ctx.fail(`must be ip:port (IPv6 as [ip]:port), got ${describe(v)}`);
  const addr = ip(ctx, m[1]);
  const port = int(ctx, Number(m[2]), 1, 65535);
  return addr.family === 'IPv6' ? `[${addr.ip}]:${port}` : `${addr.ip}:${port}`;
}

function parseNode(ctx: Ctx, raw: unknown, clientsRaw: unknown): ScenarioNode {
  const n = obj(ctx, raw, [
    'name',
    'zone',
    'addresses',
    'podCIDRs',
    'clusterCIDRs',
    'detectLocal',
    'bridgeInterface',
    'interfacePrefix',
    'podInterface',
    'externalInterface',
    'nodePortAddresses',
    'serviceCIDRs',
    'masqueradeAll',
    'features',
  ]);
  const name = str(ctx.at('name'), n.name);
  if (!NAME.test(name)) ctx.at('name').fail('must be a DNS label (lowercase letters, digits, -)');
  const zone = optStr(ctx.at('zone'), n.zone);

  const addrs = obj(ctx.at('addresses'), n.addresses, FAMILIES);
  const nodeIPs: Partial<Record<IPFamily, string[]>> = {};
  for (const family of FAMILIES) {
    if (addrs[family] === undefined) continue;
    const c = ctx.at('addresses').at(family);
    const ips = list(c, addrs[family]).map((v, i) => ip(c.at(i), v));
    if (ips.length === 0) c.fail('must list at least one address');
    ips.forEach((a, i) => a.family !== family && c.at(i).fail(`is not an ${family} address`));
    nodeIPs[family] = ips.map((a) => a.ip);
  }
  const families = FAMILIES.filter((f) => nodeIPs[f]);
  if (families.length === 0) ctx.at('addresses').fail('must give IPv4 and/or IPv6 addresses');

  const perFamilyCIDR = (key: 'podCIDRs' | 'clusterCIDRs') => {
    const out: Partial<Record<IPFamily, ReturnType<typeof cidr>>> = {};
    if (n[key] === undefined) return out;
    const c = ctx.at(key);
    list(c, n[key]).forEach((v, i) => {
      const parsed = cidr(c.at(i), v);
      if (out[parsed.family]) c.at(i).fail(`a second ${parsed.family} CIDR (one per family)`);
      if (!nodeIPs[parsed.family]) c.at(i).fail(`the node has no ${parsed.family} address`);
      out[parsed.family] = parsed;
    });
    return out;
  };
  const podCIDRs = perFamilyCIDR('podCIDRs');
  const clusterCIDRs = perFamilyCIDR('clusterCIDRs');

  const detectLocal = (n.detectLocal ?? (n.clusterCIDRs ? 'ClusterCIDR' : 'None')) as DetectLocalMode;
  if (!DETECT_MODES.includes(detectLocal)) {
    ctx.at('detectLocal').fail(`must be one of ${DETECT_MODES.join(', ')}, got ${describe(n.detectLocal)}`);
  }
  const needCIDRs = detectLocal === 'ClusterCIDR' ? clusterCIDRs : detectLocal === 'NodeCIDR' ? podCIDRs : undefined;
  if (needCIDRs) {
    for (const f of families) {
      if (!needCIDRs[f]) {
        ctx.fail(`detectLocal ${detectLocal} needs a ${f} ${detectLocal === 'ClusterCIDR' ? 'clusterCIDRs' : 'podCIDRs'} entry`);
      }
    }
  }
  const ifname = (key: string, v: unknown) => {
    if (v === undefined) return undefined;
    const s = str(ctx.at(key), v);
    if (!IFNAME.test(s)) ctx.at(key).fail('must be an interface name (1-15 of A-Z a-z 0-9 _ . -)');
    return s;
  };
  const bridgeInterface = ifname('bridgeInterface', n.bridgeInterface);
  const interfacePrefix = ifname('interfacePrefix', n.interfacePrefix);
  if (detectLocal === 'BridgeInterface' && !bridgeInterface) ctx.fail('detectLocal BridgeInterface needs bridgeInterface');
  if (detectLocal === 'InterfaceNamePrefix' && !interfacePrefix) {
    ctx.fail('detectLocal InterfaceNamePrefix needs interfacePrefix');
  }
  const podInterface =
    ifname('podInterface', n.podInterface) ??
    (detectLocal === 'BridgeInterface'
      ? (bridgeInterface as string)
      : detectLocal === 'InterfaceNamePrefix'
        ? `${interfacePrefix}0`.slice(0, 15)
        : DEFAULT_POD_INTERFACE);
  if (detectLocal === 'BridgeInterface' && podInterface !== bridgeInterface) {
    ctx.at('podInterface').fail('must equal bridgeInterface with detectLocal BridgeInterface');
  }
  if (detectLocal === 'InterfaceNamePrefix' && !podInterface.startsWith(interfacePrefix as string)) {
    ctx.at('podInterface').fail('must start with interfacePrefix with detectLocal InterfaceNamePrefix');
  }
  const externalInterface = ifname('externalInterface', n.externalInterface) ?? DEFAULT_EXTERNAL_INTERFACE;
  if (externalInterface === podInterface) ctx.at('externalInterface').fail('must differ from podInterface');

  let nodePortAddresses: string[] | undefined;
  if (n.nodePortAddresses !== undefined) {
    const c = ctx.at('nodePortAddresses');
    nodePortAddresses = list(c, n.nodePortAddresses).map((v, i) =>
      v === 'primary' ? 'primary' : cidr(c.at(i), v).text,
    );
  }
  const serviceCIDRs: string[] = [];
  if (n.serviceCIDRs !== undefined) {
    const c = ctx.at('serviceCIDRs');
    list(c, n.serviceCIDRs).forEach((v, i) => serviceCIDRs.push(cidr(c.at(i), v).text));
  }
  const masqueradeAll = bool(ctx.at('masqueradeAll'), n.masqueradeAll, false);
  const features: Record<string, boolean> = {};
  if (n.features !== undefined) {
    const f = obj(ctx.at('features'), n.features, Object.keys(n.features as object));
    for (const [k, v] of Object.entries(f)) features[k] = bool(ctx.at('features').at(k), v, false);
  }

  // Client addresses: `clients.pod` / `clients.external`, one entry per family at most.
  const clients = clientsRaw === undefined ? {} : obj(new Ctx(ctx.source, 'clients'), clientsRaw, ['pod', 'external']);
  const clientIPs = (key: 'pod' | 'external') => {
    const out: Partial<Record<IPFamily, string>> = {};
    if (clients[key] === undefined) return out;
    const c = new Ctx(ctx.source, `clients.${key}`);
    list(c, clients[key]).forEach((v, i) => {
      const a = ip(c.at(i), v);
      if (out[a.family]) c.at(i).fail(`a second ${a.family} address (one per family)`);
      out[a.family] = a.ip;
    });
    return out;
  };
  const podClients = clientIPs('pod');
  const externalClients = clientIPs('external');

  const addresses: Partial<Record<IPFamily, FamilyAddresses>> = {};
  for (const f of families) {
    const podCIDR = podCIDRs[f];
    const podClient = podClients[f] ?? (podCIDR ? cidrHost(podCIDR, DEFAULT_POD_CLIENT_OFFSET) : undefined);
    if (podClient && podCIDR && !cidrContains(podCIDR, podClient)) {
      new Ctx(ctx.source, 'clients.pod').fail(`${podClient} is not inside the node's pod CIDR ${podCIDR.text}`);
    }
    addresses[f] = {
      nodeIPs: nodeIPs[f] as string[],
      podCIDR: podCIDR?.text,
      clusterCIDR: clusterCIDRs[f]?.text,
      podClient,
      externalClient: externalClients[f] ?? DEFAULT_EXTERNAL_CLIENT[f],
    };
  }
  return {
    name,
    zone,
    families,
    addresses,
    detectLocal,
    bridgeInterface,
    interfacePrefix,
    podInterface,
    externalInterface,
    nodePortAddresses,
    serviceCIDRs,
    masqueradeAll,
    features,
  };
}

function parseObject(ctx: Ctx, v: unknown): ScenarioObject {
  if (!isObject(v)) ctx.fail(`must be a Kubernetes manifest, got ${describe(v)}`);
  const kind = v.kind;
  const meta = v.metadata;
  if (!isObject(meta)) return ctx.at('metadata').fail('is required');
  str(ctx.at('metadata').at('name'), meta.name);
  if (meta.namespace !== undefined) str(ctx.at('metadata').at('namespace'), meta.namespace);
  // The manifests are passed on as written (the code under test must cope with odd ones); only what the
  // runner itself needs is checked here.
  const copy = structuredClone(v);
  if (kind === 'Service') {
    (copy.metadata as Raw).namespace ??= 'default';
    return { kind, object: copy as never };
  }
  if (kind === 'EndpointSlice') {
    (copy.metadata as Raw).namespace ??= 'default';
    str(ctx.at('addressType'), v.addressType);
    return { kind, object: copy as never };
  }
  if (kind === 'Node') return { kind, object: copy as never };
  return ctx.at('kind').fail(`must be Service, EndpointSlice or Node, got ${describe(kind)}`);
}

function parseRef(ctx: Ctx, v: unknown): ObjectRef {
  const r = obj(ctx, v, ['kind', 'namespace', 'name']);
  const kind = r.kind;
  if (kind !== 'Service' && kind !== 'EndpointSlice' && kind !== 'Node') {
    return ctx.at('kind').fail(`must be Service, EndpointSlice or Node, got ${describe(kind)}`);
  }
  return {
    kind,
    namespace: kind === 'Node' ? '' : (optStr(ctx.at('namespace'), r.namespace) ?? 'default'),
    name: str(ctx.at('name'), r.name),
  };
}

/** Key of an object by kind, namespace and name. */
export function objectKey(ref: ObjectRef | ScenarioObject): string {
  if ('object' in ref) {
    const m = ref.object.metadata;
    return `${ref.kind}/${ref.kind === 'Node' ? '' : (m.namespace ?? 'default')}/${m.name}`;
  }
  return `${ref.kind}/${ref.namespace}/${ref.name}`;
}

/**
 * How a flow's source enters the node: `node` for the node's own IPs (hook output), `pod` for sources
 * inside this node's pod CIDR (pod interface), `external` for anything else (external interface), which
 * includes pods on other nodes. Pure.
 */
export function resolveSource(node: ScenarioNode, from: string, family: IPFamily): { ip: string; kind: FlowSource['kind'] } {
  const a = node.addresses[family];
  if (!a) throw new ScenarioError('(scenario)', 'from', `the node has no ${family} address`);
  if (from === 'node') return { ip: a.nodeIPs[0], kind: 'node' };
  if (from === 'external') return { ip: a.externalClient, kind: 'external' };
  if (from === 'pod') {
    if (!a.podClient) throw new ScenarioError('(scenario)', 'from', `no ${family} pod CIDR or pod client`);
    return { ip: a.podClient, kind: 'pod' };
  }
  const parsed = parseIP(from);
  if (!parsed || parsed.family !== family) {
    throw new ScenarioError('(scenario)', 'from', `${from} is not an ${family} address`);
  }
  if (a.nodeIPs.includes(parsed.ip)) return { ip: parsed.ip, kind: 'node' };
  const pod = a.podCIDR ? parseCIDR(a.podCIDR) : undefined;
  if (pod && cidrContains(pod, parsed.ip)) return { ip: parsed.ip, kind: 'pod' };
  return { ip: parsed.ip, kind: 'external' };
}

function parseOutcome(ctx: Ctx, expect: unknown, masq: unknown, masqCtx: Ctx): FlowOutcome {
  if (expect === 'REJECT' || expect === 'DROP' || expect === 'PASS') {
    if (masq !== undefined) masqCtx.fail(`only applies to an endpoint list, not ${expect}`);
    return { verdict: expect };
  }
  if (Array.isArray(expect)) {
    if (expect.length === 0) ctx.fail('an empty endpoint list; write REJECT or DROP');
    const endpoints = [...new Set(expect.map((e, i) => endpointText(ctx.at(i), e)))].sort();
    if (masq === undefined) masqCtx.fail('is required with an endpoint list (true or false)');
    return { verdict: 'DNAT', endpoints, masq: bool(masqCtx, masq, false) };
  }
  return ctx.fail(`must be a list of ip:port, or REJECT, DROP or PASS; got ${describe(expect)}`);
}

function parseTarget(ctx: Ctx, f: Raw, node: ScenarioNode) {
  const protoText = str(ctx.at('proto'), f.proto).toLowerCase();
  const protocol = PROTOCOL_NAMES[protoText];
  if (!protocol) ctx.at('proto').fail(`must be tcp, udp or sctp, got ${describe(f.proto)}`);
  const dst = ip(ctx.at('dst'), f.dst);
  if (!node.families.includes(dst.family)) ctx.at('dst').fail(`the node has no ${dst.family} address`);
  const port = int(ctx.at('port'), f.port, 1, 65535);
  const from = str(ctx.at('from'), f.from);
  let source: FlowSource;
  try {
    source = { from, kind: resolveSource(node, from, dst.family).kind };
  } catch (err) {
    return ctx.at('from').fail((err as ScenarioError).message.replace(/^.*?from: /, ''));
  }
  const label = `from ${from} ${protoText} ${dst.family === 'IPv6' ? `[${dst.ip}]` : dst.ip}:${port}`;
  return { label, source, protocol, dst: dst.ip, family: dst.family, port };
}

function parseFlow(ctx: Ctx, v: unknown, node: ScenarioNode): Flow {
  const f = obj(ctx, v, ['name', 'from', 'proto', 'dst', 'port', 'expect', 'masq', 'backends']);
  const target = parseTarget(ctx, f, node);
  const outcome = parseOutcome(ctx.at('expect'), f.expect, f.masq, ctx.at('masq'));
  const backends: Record<string, BackendDifference> = {};
  if (f.backends !== undefined) {
    const b = obj(ctx.at('backends'), f.backends, Object.keys(f.backends as object));
    for (const [name, diff] of Object.entries(b)) {
      const c = ctx.at('backends').at(name);
      const d = obj(c, diff, ['expect', 'masq', 'note']);
      backends[name] = {
        outcome: parseOutcome(c.at('expect'), d.expect, d.masq, c.at('masq')),
        note: str(c.at('note'), d.note),
      };
    }
  }
  const name = optStr(ctx.at('name'), f.name);
  return { ...target, label: name ? `${name} (${target.label})` : target.label, outcome, backends };
}

function parseAffinity(ctx: Ctx, v: unknown, node: ScenarioNode): AffinityCheck {
  const f = obj(ctx, v, ['name', 'from', 'proto', 'dst', 'port', 'connections', 'sticky', 'endpoints']);
  const target = parseTarget(ctx, f, node);
  const connections = int(ctx.at('connections'), f.connections ?? 20, 2, MAX_CONNECTIONS);
  if (typeof f.sticky !== 'boolean') return ctx.at('sticky').fail('is required (true or false)');
  const endpoints =
    f.endpoints === undefined
      ? []
      : [...new Set(list(ctx.at('endpoints'), f.endpoints).map((e, i) => endpointText(ctx.at('endpoints').at(i), e)))].sort();
  const name = optStr(ctx.at('name'), f.name);
  return {
    ...target,
    label: `${name ? `${name} (${target.label})` : target.label} x${connections}`,
    connections,
    sticky: f.sticky,
    endpoints,
  };
}

function parseStep(ctx: Ctx, v: unknown, index: number, node: ScenarioNode): Step {
  if (v === 'wait-for-sync') return { type: 'wait-for-sync', index };
  if (!isObject(v) || Object.keys(v).length !== 1) {
    ctx.fail('must be `wait-for-sync` or a mapping with one key: apply, update, delete, wait-for-sync, expect, affinity');
  }
  const [key, body] = Object.entries(v)[0];
  const c = ctx.at(key);
  switch (key) {
    case 'apply':
    case 'update':
      return { type: key, index, objects: list(c, body).map((o, i) => parseObject(c.at(i), o)) };
    case 'delete':
      return { type: 'delete', index, refs: list(c, body).map((o, i) => parseRef(c.at(i), o)) };
    case 'wait-for-sync':
      if (body !== null && body !== undefined && !(isObject(body) && Object.keys(body).length === 0)) {
        c.fail('takes no arguments');
      }
      return { type: 'wait-for-sync', index };
    case 'expect': {
      const flows = list(c, body).map((f, i) => parseFlow(c.at(i), f, node));
      if (flows.length === 0) c.fail('must list at least one flow');
      return { type: 'expect', index, flows };
    }
    case 'affinity': {
      const checks = list(c, body).map((f, i) => parseAffinity(c.at(i), f, node));
      if (checks.length === 0) c.fail('must list at least one check');
      return { type: 'affinity', index, checks };
    }
    default:
      return ctx.fail(`unknown step ${JSON.stringify(key)} (apply, update, delete, wait-for-sync, expect, affinity)`);
  }
}

/** The Node object a scenario implies, when it does not bring its own. Pure. */
export function synthesiseNode(node: ScenarioNode): KubeNode {
  const podCIDRs = node.families.map((f) => node.addresses[f]?.podCIDR).filter((c): c is string => !!c);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: node.name, labels: node.zone ? { [LABEL_TOPOLOGY_ZONE]: node.zone } : {} },
    spec: podCIDRs.length ? { podCIDR: podCIDRs[0], podCIDRs } : {},
    status: {
      addresses: node.families.flatMap((f) =>
        (node.addresses[f]?.nodeIPs ?? []).map((address) => ({ type: 'InternalIP', address })),
      ),
    },
  };
}

/**
 * Parses and validates one scenario from YAML text. `source` names the file in error messages.
 * Throws `ScenarioError` naming the file and the offending field. Pure.
 */
export function parseScenario(text: string, source: string): Scenario {
  let doc: unknown;
  try {
    doc = yaml.load(text, { filename: source, schema: yaml.CORE_SCHEMA });
  } catch (err) {
    throw new ScenarioError(source, '', `not valid YAML: ${(err as Error).message}`);
  }
  const top = new Ctx(source, '');
  const s = obj(top, doc, ['name', 'description', 'node', 'clients', 'objects', 'steps']);
  const name = str(top.at('name'), s.name);
  if (!NAME.test(name)) top.at('name').fail('must be kebab-case (lowercase letters, digits, -)');
  const description = str(top.at('description'), s.description);
  const node = parseNode(top.at('node'), s.node, s.clients);
  const objects = s.objects === undefined ? [] : list(top.at('objects'), s.objects).map((o, i) => parseObject(top.at('objects').at(i), o));
  const seen = new Set<string>();
  objects.forEach((o, i) => {
    const key = objectKey(o);
    if (seen.has(key)) top.at('objects').at(i).fail(`duplicate object ${key}`);
    seen.add(key);
    if (o.kind === 'Node' && o.object.metadata.name !== node.name) {
      top.at('objects').at(i).fail(`a Node named ${o.object.metadata.name}; only the node under test (${node.name}) may be given`);
    }
  });
  if (!objects.some((o) => o.kind === 'Node')) objects.unshift({ kind: 'Node', object: synthesiseNode(node) });
  const steps = list(top.at('steps'), s.steps).map((v, i) => parseStep(top.at('steps').at(i), v, i, node));
  if (!steps.some((st) => st.type === 'expect' || st.type === 'affinity')) {
    top.at('steps').fail('has no expect or affinity step: the scenario checks nothing');
  }
  return { name, description, source, node, objects, steps };
}
