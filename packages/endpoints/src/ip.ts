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

/**
 * Parses an IP address the way kube-proxy does (`netutils.ParseIPSloppy`): IPv4 dotted decimal with leading
 * zeros tolerated and read as decimal (`010.001.002.003` is `10.1.2.3`), or IPv6 text without a zone. An
 * IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) is an IPv4 address, as in Go. Returns undefined for anything
 * else (including surrounding whitespace, hex or octal forms, short forms like `1.2.3`). Pure; never throws.
 */
export function parseIP(text: string): ParsedIP | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > 64) return undefined;
  const v4 = parseIPv4Sloppy(text);
  if (v4) return { ip: v4.text, family: 'IPv4', bytes: v4.bytes };
  if (!text.includes(':')) return undefined;
  return parseIPv6(text);
}

/**
 * Like `parseIP` but without the bytes: the normalised text and family only. The hot path of slice merging
 * (no allocation for an already-canonical IPv4 address). Pure; never throws.
 */
export function normalizeIPWithFamily(text: string): { ip: string; family: IPFamily } | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > 64) return undefined;
  const v4 = parseIPv4Sloppy(text);
  if (v4) return { ip: v4.text, family: 'IPv4' };
  if (!text.includes(':')) return undefined;
  const v6 = parseIPv6(text);
  return v6 ? { ip: v6.ip, family: v6.family } : undefined;
}

// Go's "sloppy" IPv4 syntax: exactly four decimal parts, leading zeros read as decimal (010 is ten, never
// octal). Hex, octal and short forms are refused. Hand-written: this runs for every endpoint.
function parseIPv4Sloppy(text: string): { text: string; bytes: number[] } | undefined {
  const bytes = [0, 0, 0, 0];
  let part = 0;
  let digits = 0;
  let value = 0;
  let canonical = true;
  for (let i = 0; i <= text.length; i++) {
    const c = i === text.length ? 46 /* '.' */ : text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 1 && value === 0) canonical = false; // leading zero
      value = value * 10 + (c - 48);
      digits++;
      if (value > 255) return undefined;
    } else if (c === 46) {
      if (digits === 0 || part > 3) return undefined;
      bytes[part++] = value;
      value = 0;
      digits = 0;
    } else return undefined;
  }
  if (part !== 4) return undefined;
  return { text: canonical ? text : bytes.join('.'), bytes };
}

function parseIPv6(text: string): ParsedIP | undefined {
  if (text.includes('%') || !ipaddr.IPv6.isValid(text)) return undefined;
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
