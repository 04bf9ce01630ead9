import type { IPFamily } from '@kproxy/api';
import ipaddr from 'ipaddr.js';

/** A parsed IP address: its normalised text and family. */
export interface ParsedIP {
  /** Normalised text: dotted decimal without leading zeros, or lowercase compressed IPv6. */
  readonly ip: string;
  readonly family: IPFamily;
  /** The address bytes (4 for IPv4, 16 for IPv6), for prefix comparisons. */
  readonly bytes: readonly number[];
}

// Go's "sloppy" IPv4 syntax, as kube-proxy's netutils.ParseIPSloppy accepts it: exactly four decimal parts;
// leading zeros are decimal (010 is ten, never octal). Hex, octal and short forms are refused.
const IPV4_SLOPPY = /^(\d{1,8})\.(\d{1,8})\.(\d{1,8})\.(\d{1,8})$/;

/**
 * Parses an IP address the way kube-proxy does (`netutils.ParseIPSloppy`): IPv4 dotted decimal with leading
 * zeros tolerated and read as decimal (`010.001.002.003` is `10.1.2.3`), or IPv6 text without a zone. An
 * IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) is an IPv4 address, as in Go. Returns undefined for anything
 * else (including surrounding whitespace). Pure; never throws.
 */
export function parseIP(text: string): ParsedIP | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > 64) return undefined;
  const v4 = IPV4_SLOPPY.exec(text);
  if (v4) {
    const bytes = v4.slice(1, 5).map((part) => Number.parseInt(part, 10));
    if (bytes.some((b) => b > 255)) return undefined;
    return { ip: bytes.join('.'), family: 'IPv4', bytes };
  }
  if (!text.includes(':') || text.includes('%') || !ipaddr.IPv6.isValid(text)) return undefined;
  let addr: ipaddr.IPv6;
  try {
    addr = ipaddr.IPv6.parse(text);
  } catch {
    return undefined;
  }
  if (addr.isIPv4MappedAddress()) {
    const bytes = addr.toIPv4Address().toByteArray();
    return { ip: bytes.join('.'), family: 'IPv4', bytes };
  }
  return { ip: addr.toString(), family: 'IPv6', bytes: addr.toByteArray() };
}

/** The normalised text of an IP address, or undefined when it is not one (see `parseIP`). Pure. */
export function normalizeIP(text: string): string | undefined {
  return parseIP(text)?.ip;
}
