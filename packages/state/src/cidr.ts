import type { IPFamily } from '@kproxy/api';
import { parseIP } from '@kproxy/endpoints';
import ipaddr from 'ipaddr.js';

/** A parsed CIDR: normalised network text (host bits cleared), family, prefix length and network bytes. */
export interface ParsedCIDR {
  /** `10.0.0.0/8`, `fd00::/64`: the address masked to the prefix, normalised. */
  readonly cidr: string;
  readonly family: IPFamily;
  readonly prefix: number;
  readonly bytes: readonly number[];
}

/**
 * Parses a CIDR the way kube-proxy does (`netutils.ParseCIDRSloppy`): the address part as `parseIP` reads it
 * (IPv4 leading zeros are decimal), a decimal prefix within the family's range; host bits are cleared
 * (`10.1.2.3/8` is `10.0.0.0/8`). No whitespace is accepted (trim first). Undefined when invalid. Pure.
 */
export function parseCIDR(text: string): ParsedCIDR | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  if (slash <= 0 || slash !== text.lastIndexOf('/')) return undefined;
  const addressText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const ip = parseIP(addressText);
  // An IPv4-mapped IPv6 address with an IPv6 prefix is ambiguous: refuse it.
  if (!ip || (ip.family === 'IPv4' && addressText.includes(':'))) return undefined;
  const prefix = Number.parseInt(prefixText, 10);
  const bits = ip.family === 'IPv4' ? 32 : 128;
  if (prefix > bits) return undefined;
  const bytes = ip.bytes.map((b, i) => b & maskByte(prefix, i));
  const network = ip.family === 'IPv4' ? bytes.join('.') : ipaddr.fromByteArray(bytes).toString();
  return { cidr: `${network}/${prefix}`, family: ip.family, prefix, bytes };
}

/** True for `0.0.0.0/0` or `::/0` (in any spelling). Pure. */
export function isZeroCIDR(cidr: ParsedCIDR): boolean {
  return cidr.prefix === 0;
}

/** True when `ipBytes` (same family) lies inside `cidr`. Pure. */
export function cidrContains(cidr: ParsedCIDR, ipBytes: readonly number[]): boolean {
  if (ipBytes.length !== cidr.bytes.length) return false;
  for (let i = 0; i < ipBytes.length; i++) {
    if (((ipBytes[i] as number) & maskByte(cidr.prefix, i)) !== cidr.bytes[i]) return false;
  }
  return true;
}

function maskByte(prefix: number, index: number): number {
  const remaining = prefix - index * 8;
  if (remaining >= 8) return 0xff;
  if (remaining <= 0) return 0;
  return (0xff << (8 - remaining)) & 0xff;
}
