import { familyOf, NotFoundError } from '@kproxy/api';
import type { HnsApi } from './hns-api.ts';
import { HNS_ENDPOINT_FLAGS, HNS_LOAD_BALANCER_FLAGS, HNS_PORT_MAPPING_FLAGS, loadBalancerKey, flagNames } from './hns-model.ts';
import type { HnsEndpoint, HnsLoadBalancer, HnsLoadBalancerSpec } from './hns-model.ts';
import { ENDPOINT_NAME_PREFIX } from './render.ts';
import type { DesiredEndpoint, DesiredHns, DesiredLoadBalancer } from './render.ts';

/** One HNS call the reconciler makes. Backends are named by IP; ids are resolved when the call is made. */
export type HnsOperation =
  | { readonly op: 'createEndpoint'; readonly endpoint: DesiredEndpoint }
  | { readonly op: 'deleteEndpoint'; readonly id: string; readonly ipAddress: string }
  | { readonly op: 'createLoadBalancer'; readonly lb: DesiredLoadBalancer }
  | { readonly op: 'updateLoadBalancer'; readonly id: string; readonly lb: DesiredLoadBalancer }
  | { readonly op: 'deleteLoadBalancer'; readonly id: string; readonly key: string };

/** What the reconciler knows HNS holds: this family's load balancers and the network's endpoints. */
export interface ObservedHns {
  readonly networkId: string;
  /** Load balancers of this family, by id. */
  readonly loadBalancers: ReadonlyMap<string, HnsLoadBalancer>;
  /** Endpoints on the network (and the gateway endpoint), by IP. */
  readonly endpointsByIp: ReadonlyMap<string, HnsEndpoint>;
}

/**
 * The calls that turn `observed` into `desired`: create missing endpoints, delete stale and replaced load
 * balancers, update changed ones in place (or delete and re-create them when `modifySupported` is false),
 * create missing ones, then delete remote endpoints of this family no load balancer needs any more.
 * Unchanged objects get no call. Every load balancer of the family is the proxy's (as in kube-proxy); of
 * the endpoints, only remote ones are. `verified` (optional): load-balancer id → the desired object
 * known to be applied there, which then needs no comparison. Deterministic and pure.
 */
export function planHns(
  desired: DesiredHns,
  observed: ObservedHns,
  modifySupported: boolean,
  verified?: ReadonlyMap<string, DesiredLoadBalancer>,
): HnsOperation[] {
  const createEndpoints: HnsOperation[] = [];
  const deleteLbs: HnsOperation[] = [];
  const updateLbs: HnsOperation[] = [];
  const createLbs: HnsOperation[] = [];
  const deleteEndpoints: HnsOperation[] = [];

  for (const ep of desired.endpoints) {
    if (!observed.endpointsByIp.has(ep.ipAddress)) createEndpoints.push({ op: 'createEndpoint', endpoint: ep });
  }

  const ipById = new Map<string, string>();
  for (const ep of observed.endpointsByIp.values()) ipById.set(ep.id, ep.ipAddress);
  // HNS should hold one load balancer per frontend; keep the first (by id) and treat others as stale.
  const byKey = new Map<string, HnsLoadBalancer>();
  for (const lb of [...observed.loadBalancers.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const key = loadBalancerKey(lb);
    if (!byKey.has(key)) byKey.set(key, lb);
  }
  const kept = new Set<string>();
  for (const want of desired.loadBalancers) {
    const have = byKey.get(want.key);
    if (!have) {
      createLbs.push({ op: 'createLoadBalancer', lb: want });
      continue;
    }
    kept.add(have.id);
    // `verified` maps load-balancer ids to the desired object last applied or checked there: the same
    // object needs no comparison (callers pass it only when they trust their view of HNS).
    if (verified?.get(have.id) === want || sameLoadBalancer(have, want, ipById)) continue;
    if (modifySupported) updateLbs.push({ op: 'updateLoadBalancer', id: have.id, lb: want });
    else {
      deleteLbs.push({ op: 'deleteLoadBalancer', id: have.id, key: want.key });
      createLbs.push({ op: 'createLoadBalancer', lb: want });
    }
  }
  for (const lb of observed.loadBalancers.values()) {
    if (!kept.has(lb.id)) deleteLbs.push({ op: 'deleteLoadBalancer', id: lb.id, key: loadBalancerKey(lb) });
  }

  const wanted = new Set(desired.endpoints.map((e) => e.ipAddress));
  for (const ep of observed.endpointsByIp.values()) {
    const remote = (ep.flags & HNS_ENDPOINT_FLAGS.RemoteEndpoint) !== 0;
    if (remote && familyOf(ep.ipAddress) === desired.family && !wanted.has(ep.ipAddress)) {
      deleteEndpoints.push({ op: 'deleteEndpoint', id: ep.id, ipAddress: ep.ipAddress });
    }
  }

  return [
    ...sortByText(createEndpoints),
    ...sortByText(deleteLbs),
    ...sortByText(updateLbs),
    ...sortByText(createLbs),
    ...sortByText(deleteEndpoints),
  ];
}

function sortByText(ops: HnsOperation[]): HnsOperation[] {
  return ops
    .map((op) => [formatOperation(op), op] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, op]) => op);
}

function sameLoadBalancer(have: HnsLoadBalancer, want: DesiredLoadBalancer, ipById: ReadonlyMap<string, string>): boolean {
  const pm = have.portMappings[0];
  const wpm = want.spec.portMappings[0];
  if (!pm || !wpm || have.portMappings.length !== 1) return false;
  if (
    have.sourceVip !== want.spec.sourceVip ||
    have.flags !== want.spec.flags ||
    have.frontendVips.length !== want.spec.frontendVips.length ||
    have.frontendVips.some((v, i) => v !== want.spec.frontendVips[i]) ||
    pm.protocol !== wpm.protocol ||
    pm.internalPort !== wpm.internalPort ||
    pm.externalPort !== wpm.externalPort ||
    pm.distributionType !== wpm.distributionType ||
    pm.flags !== wpm.flags
  ) {
    return false;
  }
  const ips = have.hostComputeEndpoints.map((id) => ipById.get(id) ?? `?${id}`).sort();
  return ips.length === want.endpointIps.length && ips.every((ip, i) => ip === want.endpointIps[i]);
}

/** Mutable bookkeeping `applyHnsOperations` keeps current as calls succeed. */
export interface AppliedHns {
  readonly networkId: string;
  readonly loadBalancers: Map<string, HnsLoadBalancer>;
  readonly endpointsByIp: Map<string, HnsEndpoint>;
}

/**
 * Makes the calls of `ops` in order, resolving backend IPs to endpoint ids through `applied` and keeping
 * `applied` current after each successful call. A delete of something already gone counts as done. HNS has
 * no transactions: a refused call does not stop the others (one bad object must not block the rest, as in
 * kube-proxy); after the last call the first error is rethrown, with the number of failed calls in its
 * message. Resolves with the number of calls made.
 */
export async function applyHnsOperations(hns: HnsApi, ops: readonly HnsOperation[], applied: AppliedHns): Promise<number> {
  let calls = 0;
  const errors: unknown[] = [];
  for (const op of ops) {
    calls++;
    try {
      await applyOne(hns, op, applied);
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length > 0) {
    const first = errors[0] as Error;
    if (errors.length > 1) first.message = `${first.message} (and ${errors.length - 1} more failed HNS calls)`;
    throw first;
  }
  return calls;
}

async function applyOne(hns: HnsApi, op: HnsOperation, applied: AppliedHns): Promise<void> {
  switch (op.op) {
    case 'createEndpoint': {
      const ep = op.endpoint;
      const created = await hns.createEndpoint({
        name: `${ENDPOINT_NAME_PREFIX}${ep.purpose}-${ep.ipAddress}`,
        networkId: applied.networkId,
        ipAddress: ep.ipAddress,
        macAddress: ep.macAddress,
        flags: ep.remote ? HNS_ENDPOINT_FLAGS.RemoteEndpoint : HNS_ENDPOINT_FLAGS.None,
        ...(ep.providerAddress ? { providerAddress: ep.providerAddress } : {}),
      });
      applied.endpointsByIp.set(created.ipAddress, created);
      return;
    }
    case 'deleteEndpoint':
      await ignoreNotFound(hns.deleteEndpoint(op.id));
      applied.endpointsByIp.delete(op.ipAddress);
      return;
    case 'createLoadBalancer': {
      const created = await hns.createLoadBalancer(toSpec(op.lb, applied));
      applied.loadBalancers.set(created.id, created);
      return;
    }
    case 'updateLoadBalancer': {
      const updated = await hns.updateLoadBalancer(op.id, toSpec(op.lb, applied));
      applied.loadBalancers.set(updated.id, updated);
      return;
    }
    case 'deleteLoadBalancer':
      await ignoreNotFound(hns.deleteLoadBalancer(op.id));
      applied.loadBalancers.delete(op.id);
      return;
  }
}

function toSpec(lb: DesiredLoadBalancer, applied: AppliedHns): HnsLoadBalancerSpec {
  const ids = lb.endpointIps.map((ip) => {
    const ep = applied.endpointsByIp.get(ip);
    // The plan creates every endpoint before the load balancers; a miss here is a bug, not bad input.
    if (!ep) throw new NotFoundError(`no HNS endpoint for ${ip} (needed by ${lb.key})`);
    return ep.id;
  });
  return { ...lb.spec, hostComputeEndpoints: ids };
}

async function ignoreNotFound(p: Promise<void>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if ((err as Error).name !== 'NotFoundError') throw err;
  }
}

/** One line of text per operation: the plan's text form (`kproxy diff`, logs, `SyncPlan.text`). Pure. */
export function formatOperation(op: HnsOperation): string {
  switch (op.op) {
    case 'createEndpoint':
      return `create endpoint ${formatEndpoint(op.endpoint)}`;
    case 'deleteEndpoint':
      return `delete endpoint ${op.ipAddress} id=${op.id}`;
    case 'createLoadBalancer':
      return `create loadbalancer ${formatLoadBalancer(op.lb)}`;
    case 'updateLoadBalancer':
      return `update loadbalancer ${formatLoadBalancer(op.lb)} id=${op.id}`;
    case 'deleteLoadBalancer':
      return `delete loadbalancer ${op.key} id=${op.id}`;
  }
}

/** `10.244.1.5 remote mac=... pa=... purpose=remote-pod`. Pure. */
export function formatEndpoint(ep: DesiredEndpoint): string {
  const pa = ep.providerAddress ? ` pa=${ep.providerAddress}` : '';
  return `${ep.ipAddress} ${ep.remote ? 'remote' : 'local'} mac=${ep.macAddress}${pa} purpose=${ep.purpose}`;
}

/** `vip:port/PROTO kind=... svc=... internal=... dist=... portFlags=... flags=... sourceVip=... endpoints=...`. Pure. */
export function formatLoadBalancer(lb: DesiredLoadBalancer): string {
  const pm = lb.spec.portMappings[0];
  return (
    `${lb.key} kind=${lb.kind} svc=${safeText(lb.servicePort)} internal=${pm?.internalPort}` +
    ` dist=${pm?.distributionType} portFlags=${flagNames(pm?.flags ?? 0, HNS_PORT_MAPPING_FLAGS)}` +
    ` flags=${flagNames(lb.spec.flags, HNS_LOAD_BALANCER_FLAGS)} sourceVip=${lb.spec.sourceVip || '-'}` +
    ` endpoints=${lb.endpointIps.join(',')}`
  );
}

/** `text` as is when it is plain, else JSON-quoted, so that one operation stays one line whatever names hold. */
function safeText(text: string): string {
  return /^[\w.:/-]+$/.test(text) ? text : JSON.stringify(text);
}
