import type { IPFamily } from '@kproxy/api';

/** Protocols whose conntrack entries kproxy ever deletes (never TCP). */
export type ConntrackProtocol = 'UDP' | 'SCTP';

/**
 * One `conntrack -D` selection: every entry of `family` and `protocol` whose original destination port is
 * `origPortDst`, narrowed by the original destination address and by the reply source (the endpoint the
 * entry was DNATed to) when those are given.
 */
export interface ConntrackFilter {
  readonly family: IPFamily;
  readonly protocol: ConntrackProtocol;
  /** Original destination IP (a service address); absent for node ports (any local address). */
  readonly origDst?: string;
  readonly origPortDst: number;
  /** Reply source IP: the endpoint the flow was sent to. Absent to flush every entry to the address. */
  readonly replySrc?: string;
  /** Reply source port: the endpoint's port. Only with `replySrc`. */
  readonly replyPortSrc?: number;
  /** Why the entries are stale, for logs. */
  readonly reason: string;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-f:.]{2,45}$/;

function checkIP(ip: string, family: IPFamily, what: string): string {
  const ok = family === 'IPv4' ? IPV4.test(ip) : IPV6.test(ip) && ip.includes(':');
  if (!ok) throw new RangeError(`conntrack filter: invalid ${family} ${what} ${JSON.stringify(ip)}`);
  return ip;
}

function checkPort(port: number, what: string): string {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`conntrack filter: invalid ${what} ${JSON.stringify(port)}`);
  }
  return String(port);
}

/**
 * The argv (after the program name) that deletes the entries `filter` selects. Every value is validated
 * first, so nothing but an IP or a port number ever reaches the tool. Throws `RangeError`. Pure.
 */
export function conntrackDeleteArgs(filter: ConntrackFilter): string[] {
  const args = ['-D', '-f', filter.family === 'IPv4' ? 'ipv4' : 'ipv6', '-p', filter.protocol.toLowerCase()];
  if (filter.protocol !== 'UDP' && filter.protocol !== 'SCTP') {
    throw new RangeError(`conntrack filter: refusing protocol ${JSON.stringify(filter.protocol)}`);
  }
  if (filter.origDst !== undefined) args.push('--orig-dst', checkIP(filter.origDst, filter.family, 'original destination'));
  args.push('--orig-port-dst', checkPort(filter.origPortDst, 'original destination port'));
  if (filter.replySrc !== undefined) {
    args.push('--reply-src', checkIP(filter.replySrc, filter.family, 'reply source'));
    if (filter.replyPortSrc !== undefined) args.push('--reply-port-src', checkPort(filter.replyPortSrc, 'reply source port'));
  }
  return args;
}

/** A stable identity of a filter (without its reason), for de-duplication. Pure. */
export function conntrackFilterKey(filter: ConntrackFilter): string {
  return [filter.family, filter.protocol, filter.origDst ?? '*', filter.origPortDst, filter.replySrc ?? '*', filter.replyPortSrc ?? '*'].join('|');
}
