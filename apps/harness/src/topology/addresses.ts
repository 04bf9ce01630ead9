import ipaddr from 'ipaddr.js';
import type { IPFamily } from '@kproxy/api';

// Kubernetes reads `010.001.002.003` as decimal with leading zeros; ipaddr.js would read octal.
function decimalDotted(ip: string): string {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(ip) ? ip.split('.').map((o) => String(Number(o))).join('.') : ip;
}

/** The family of an IP address text; throws a TypeError for anything that is not one address. */
export function familyOfAddress(ip: string): IPFamily {
  const text = decimalDotted(ip);
  if (!ipaddr.isValid(text) || (ipaddr.IPv4.isValid(text) && !ipaddr.IPv4.isValidFourPartDecimal(text))) {
    throw new TypeError(`not an IP address: ${JSON.stringify(ip)}`);
  }
  return ipaddr.parse(text).kind() === 'ipv4' ? 'IPv4' : 'IPv6';
}

/**
 * Normalised text of an address (`fd00:0::01` → `fd00::1`, `010.244.001.002` → `10.244.1.2` as
 * Kubernetes reads it), so addresses compare as strings.
 */
export function normaliseAddress(ip: string): string {
  familyOfAddress(ip);
  return ipaddr.parse(decimalDotted(ip)).toString();
}

/** Whether `ip` lies inside `cidr` (families must match; a different family is simply "no"). */
export function cidrContains(cidr: string, ip: string): boolean {
  const [net, bits] = ipaddr.parseCIDR(cidr);
  const addr = ipaddr.parse(ip);
  if (net.kind() !== addr.kind()) return false;
  return addr.match(net, bits);
}

/** The family of a CIDR text. */
export function familyOfCidr(cidr: string): IPFamily {
  return ipaddr.parseCIDR(cidr)[0].kind() === 'ipv4' ? 'IPv4' : 'IPv6';
}

/** The host-route length of a family: 32 or 128. */
export function hostBits(family: IPFamily): number {
  return family === 'IPv4' ? 32 : 128;
}

function toBigInt(ip: string): bigint {
  return ipaddr
    .parse(ip)
    .toByteArray()
    .reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
}

function fromBigInt(value: bigint, family: IPFamily): string {
  const length = family === 'IPv4' ? 4 : 16;
  const bytes: number[] = [];
  let v = value;
  for (let i = 0; i < length; i++) {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

/**
 * The `index`-th host of a CIDR counted from the start (1 = first host) or, for negative `index`, from
 * the end (-1 = the last address that is not the IPv4 broadcast). Throws when the CIDR is too small.
 */
export function nthHost(cidr: string, index: number): string {
  const [net, bits] = ipaddr.parseCIDR(cidr);
  const family: IPFamily = net.kind() === 'ipv4' ? 'IPv4' : 'IPv6';
  const width = BigInt(hostBits(family));
  const size = 1n << (width - BigInt(bits));
  const base = toBigInt(net.toString()) & ~(size - 1n);
  const last = family === 'IPv4' && size > 2n ? size - 2n : size - 1n;
  const offset = index >= 0 ? BigInt(index) : last + 1n + BigInt(index);
  if (offset < 1n || offset > last) throw new RangeError(`${cidr} has no host number ${index}`);
  return fromBigInt(base + offset, family);
}
