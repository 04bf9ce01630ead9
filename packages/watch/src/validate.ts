/**
 * Shape checks for the objects the watch layer accepts. The API server validates objects too, but the
 * proxy must never trust input: a structurally broken object (missing name, ports that are not ports,
 * addresses that are not IPs) is reported with its name and skipped, and everything else keeps working.
 * Checks are about structure only; proxy semantics (families, policies, source ranges) belong to state
 * building, which reports entry-level problems as Reasons.
 */
import { isIPv6 } from 'node:net';
import { InvalidObjectError } from '@kproxy/api';

const PROTOCOLS = new Set(['TCP', 'UDP', 'SCTP']);

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const isName = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 253;

/** IPv4 (leading zeros tolerated, as kube-proxy's parser does) or IPv6 text. */
export function isIP(text: unknown, family?: 'IPv4' | 'IPv6'): boolean {
  if (typeof text !== 'string') return false;
  if (family !== 'IPv6' && /^\d{1,3}(\.\d{1,3}){3}$/.test(text)) return text.split('.').every((o) => Number(o) <= 255);
  if (family !== 'IPv4') return isIPv6(text);
  return false;
}

function isPort(v: unknown, allowZero = false): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= (allowZero ? 0 : 1) && v <= 65535;
}

function describe(kind: string, obj: unknown): string {
  const md = isObj(obj) && isObj(obj.metadata) ? obj.metadata : {};
  const ns = typeof md.namespace === 'string' ? `${md.namespace}/` : '';
  const name = typeof md.name === 'string' ? md.name : '<unnamed>';
  return `${kind} ${ns}${name}`;
}

function fail(kind: string, obj: unknown, reason: string): InvalidObjectError {
  return new InvalidObjectError(describe(kind, obj), reason);
}

function checkMeta(kind: string, obj: unknown, namespaced: boolean): InvalidObjectError | undefined {
  if (!isObj(obj)) return fail(kind, obj, 'not an object');
  if (!isObj(obj.metadata)) return fail(kind, obj, 'metadata is missing');
  if (!isName(obj.metadata.name)) return fail(kind, obj, 'metadata.name is missing or invalid');
  if (namespaced && !isName(obj.metadata.namespace)) return fail(kind, obj, 'metadata.namespace is missing or invalid');
  if (obj.metadata.labels !== undefined && !isObj(obj.metadata.labels)) return fail(kind, obj, 'metadata.labels is not a map');
  return undefined;
}

/** Undefined when `obj` is a usable Service, else the error to log. */
export function validateService(obj: unknown): InvalidObjectError | undefined {
  const bad = checkMeta('Service', obj, true);
  if (bad) return bad;
  const spec = (obj as Obj).spec ?? {};
  if (!isObj(spec)) return fail('Service', obj, 'spec is not an object');
  if (spec.ports !== undefined) {
    if (!Array.isArray(spec.ports)) return fail('Service', obj, 'spec.ports is not a list');
    for (const [i, p] of spec.ports.entries()) {
      if (!isObj(p)) return fail('Service', obj, `spec.ports[${i}] is not an object`);
      if (!isPort(p.port)) return fail('Service', obj, `spec.ports[${i}].port ${JSON.stringify(p.port)} is not a port`);
      if (p.protocol !== undefined && !PROTOCOLS.has(p.protocol as string)) {
        return fail('Service', obj, `spec.ports[${i}].protocol ${JSON.stringify(p.protocol)} is not TCP, UDP or SCTP`);
      }
      if (p.nodePort !== undefined && !isPort(p.nodePort, true)) {
        return fail('Service', obj, `spec.ports[${i}].nodePort ${JSON.stringify(p.nodePort)} is not a port`);
      }
      if (p.name !== undefined && typeof p.name !== 'string') return fail('Service', obj, `spec.ports[${i}].name is not text`);
    }
  }
  const clusterIPs = [spec.clusterIP, ...(Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [])];
  if (spec.clusterIPs !== undefined && !Array.isArray(spec.clusterIPs)) return fail('Service', obj, 'spec.clusterIPs is not a list');
  for (const ip of clusterIPs) {
    if (ip === undefined || ip === '' || ip === 'None') continue;
    if (!isIP(ip)) return fail('Service', obj, `cluster IP ${JSON.stringify(ip)} is not an IP address`);
  }
  if (spec.externalIPs !== undefined) {
    if (!Array.isArray(spec.externalIPs)) return fail('Service', obj, 'spec.externalIPs is not a list');
    for (const ip of spec.externalIPs) if (!isIP(ip)) return fail('Service', obj, `external IP ${JSON.stringify(ip)} is not an IP address`);
  }
  if (spec.loadBalancerSourceRanges !== undefined && !Array.isArray(spec.loadBalancerSourceRanges)) {
    return fail('Service', obj, 'spec.loadBalancerSourceRanges is not a list');
  }
  if (spec.healthCheckNodePort !== undefined && !isPort(spec.healthCheckNodePort, true)) {
    return fail('Service', obj, `spec.healthCheckNodePort ${JSON.stringify(spec.healthCheckNodePort)} is not a port`);
  }
  const status = (obj as Obj).status;
  if (isObj(status) && isObj(status.loadBalancer) && status.loadBalancer.ingress !== undefined) {
    const ingress = status.loadBalancer.ingress;
    if (!Array.isArray(ingress)) return fail('Service', obj, 'status.loadBalancer.ingress is not a list');
    for (const entry of ingress) {
      if (!isObj(entry)) return fail('Service', obj, 'a load-balancer ingress entry is not an object');
      if (entry.ip !== undefined && entry.ip !== '' && !isIP(entry.ip)) {
        return fail('Service', obj, `load-balancer ingress IP ${JSON.stringify(entry.ip)} is not an IP address`);
      }
    }
  }
  return undefined;
}

/** Undefined when `obj` is a usable EndpointSlice, else the error to log. */
export function validateEndpointSlice(obj: unknown): InvalidObjectError | undefined {
  const bad = checkMeta('EndpointSlice', obj, true);
  if (bad) return bad;
  const s = obj as Obj;
  if (typeof s.addressType !== 'string') return fail('EndpointSlice', obj, 'addressType is missing');
  const family = s.addressType === 'IPv4' || s.addressType === 'IPv6' ? s.addressType : undefined;
  if (s.endpoints !== undefined && s.endpoints !== null) {
    if (!Array.isArray(s.endpoints)) return fail('EndpointSlice', obj, 'endpoints is not a list');
    for (const [i, ep] of s.endpoints.entries()) {
      if (!isObj(ep)) return fail('EndpointSlice', obj, `endpoints[${i}] is not an object`);
      if (!Array.isArray(ep.addresses)) return fail('EndpointSlice', obj, `endpoints[${i}].addresses is not a list`);
      if (family) {
        for (const a of ep.addresses) {
          if (!isIP(a, family)) return fail('EndpointSlice', obj, `endpoints[${i}] address ${JSON.stringify(a)} is not an ${family} address`);
        }
      }
      if (ep.conditions !== undefined && ep.conditions !== null && !isObj(ep.conditions)) {
        return fail('EndpointSlice', obj, `endpoints[${i}].conditions is not an object`);
      }
      if (ep.nodeName !== undefined && ep.nodeName !== null && typeof ep.nodeName !== 'string') {
        return fail('EndpointSlice', obj, `endpoints[${i}].nodeName is not text`);
      }
    }
  }
  if (s.ports !== undefined && s.ports !== null) {
    if (!Array.isArray(s.ports)) return fail('EndpointSlice', obj, 'ports is not a list');
    for (const [i, p] of s.ports.entries()) {
      if (!isObj(p)) return fail('EndpointSlice', obj, `ports[${i}] is not an object`);
      // A port without a number is legal (it means "all ports") and ignored later; a wrong one is not.
      if (p.port !== undefined && p.port !== null && !isPort(p.port)) {
        return fail('EndpointSlice', obj, `ports[${i}].port ${JSON.stringify(p.port)} is not a port`);
      }
      if (p.protocol !== undefined && p.protocol !== null && !PROTOCOLS.has(p.protocol as string)) {
        return fail('EndpointSlice', obj, `ports[${i}].protocol ${JSON.stringify(p.protocol)} is not TCP, UDP or SCTP`);
      }
    }
  }
  return undefined;
}

/** Undefined when `obj` is a usable Node, else the error to log. */
export function validateNode(obj: unknown): InvalidObjectError | undefined {
  return checkMeta('Node', obj, false);
}





