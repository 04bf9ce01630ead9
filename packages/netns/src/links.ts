import { spawnExecutor } from '@kproxy/exec';
import type { Executor } from '@kproxy/api';
import type { Netns } from './namespace.ts';

const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;

function checkIfname(name: string): void {
  if (!IFNAME.test(name)) throw new TypeError(`invalid interface name ${JSON.stringify(name)}`);
}

/**
 * Creates a veth pair between two namespaces (never the host's): `aName` in `a`, `bName` in `b`, both up.
 * Interface names are at most 15 characters.
 */
export async function connectVeth(
  a: Netns,
  aName: string,
  b: Netns,
  bName: string,
): Promise<void> {
  checkIfname(aName);
  checkIfname(bName);
  // Created inside `a` so that no end ever appears in the host's namespace.
  await a.run('ip', ['link', 'add', aName, 'type', 'veth', 'peer', 'name', bName, 'netns', b.name]);
  await a.run('ip', ['link', 'set', aName, 'up']);
  await b.run('ip', ['link', 'set', bName, 'up']);
}

/** Adds an address (`10.0.0.1/24`, `fd00::1/64`) to an interface in a namespace. */
export async function addAddress(ns: Netns, ifname: string, cidr: string): Promise<void> {
  checkIfname(ifname);
  const args = cidr.includes(':') ? ['-6', 'addr', 'add', cidr, 'dev', ifname, 'nodad'] : ['addr', 'add', cidr, 'dev', ifname];
  await ns.run('ip', args);
}

/** Adds a route inside a namespace: `ip route add <dst> via <gateway>` or `dev <ifname>`. */
export async function addRoute(ns: Netns, dst: string, via: { gateway?: string; dev?: string }): Promise<void> {
  const family = dst.includes(':') || via.gateway?.includes(':') ? ['-6'] : [];
  const args = [...family, 'route', 'add', dst];
  if (via.gateway) args.push('via', via.gateway);
  if (via.dev) {
    checkIfname(via.dev);
    args.push('dev', via.dev);
  }
  await ns.run('ip', args);
}

/** Sets a sysctl inside a namespace (e.g. `net.ipv4.ip_forward`, `1`). */
export async function setSysctl(ns: Netns, key: string, value: string): Promise<void> {
  if (!/^[a-z0-9_.]+$/.test(key)) throw new TypeError(`invalid sysctl ${JSON.stringify(key)}`);
  await ns.run('sysctl', ['-qw', `${key}=${value}`]);
}

/** Whether this process may create namespaces, and if not, why (for a printed skip reason). */
export async function netnsSupport(executor: Executor = spawnExecutor()): Promise<{ ok: boolean; reason: string }> {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'not running as root' };
  try {
    const r = await executor.run('ip', ['netns', 'list']);
    if (r.exitCode !== 0) return { ok: false, reason: `ip netns list failed: ${r.stderr.trim()}` };
  } catch (err) {
    return { ok: false, reason: `iproute2 is not installed (${(err as Error).message})` };
  }
  return { ok: true, reason: '' };
}
