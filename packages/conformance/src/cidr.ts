import type { IPFamily } from '@kproxy/api';
import { parseIP } from '@kproxy/endpoints';

/** A parsed CIDR: normalised network text, family, address bytes and prefix length. */
export interface ParsedCIDR {
  /** `ip/prefix` with the address normalised (host bits kept as written). */
  readonly text: string;
  readonly family: IPFamily;
  readonly bytes: readonly number[];
  readonly prefix: number;
}

/** Parses `ip/prefix`; undefined when it is not a CIDR. Pure. */
export function parseCIDR(text: string): ParsedCIDR | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIP(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > ip.bytes.length * 8) return undefined;
  return { text: `${ip.ip}/${prefix}`, family: ip.family, bytes: ip.bytes, prefix };
}

/** True when `ip` (any text) lies inside `cidr`. Pure. */
export function cidrContains(cidr: ParsedCIDR, ip: string): boolean {
  const parsed = parseIP(ip);
  if (!parsed || parsed.family !== cidr.family) return false;
  for (let bit = 0; bit < cidr.prefix; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((parsed.bytes[byte] & mask) !== (cidr.bytes[byte] & mask)) return false;
  }
  return true;
}

/** The address `offset` (0..255) past the network address of `cidr`, as normalised text. Pure. */
export function cidrHost(cidr: ParsedCIDR, offset: number): string {
  const bytes = cidr.bytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, cidr.prefix - i * 8));
    return b & (0xff << (8 - keep)) & 0xff;
  });
  bytes[bytes.length - 1] |= offset;
  if (cidr.family === 'IPv4') return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return parseIP(groups.join(':'))?.ip ?? groups.join(':');
}
