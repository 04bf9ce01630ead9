import ipaddr from 'ipaddr.js';

// Dotted-quad IPv4 without leading zeros (the form the model normalises to); checked without ipaddr.js,
// which costs microseconds per call and would dominate rendering of large states.
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** True for a dotted-quad IPv4 or an IPv6 address (no zone, no prefix). Pure. */
export function isIpAddress(text: string): boolean {
  if (IPV4.test(text)) return true;
  if (!text.includes(':') || text.includes('%')) return ipaddr.IPv4.isValidFourPartDecimal(text);
  return ipaddr.IPv6.isValid(text);
}

/** True when `ip` lies inside `cidr` (same family); false for anything unparsable. Pure. */
export function cidrContains(cidr: string, ip: string): boolean {
  try {
    const [range, bits] = ipaddr.parseCIDR(cidr);
    const addr = ipaddr.parse(ip);
    if (range.kind() !== addr.kind()) return false;
    return addr.match(range, bits);
  } catch {
    return false;
  }
}

/**
 * kube-proxy's made-up MAC for remote endpoints (never sent on the wire): `prefix` followed by the four
 * IPv4 octets, or by the last four bytes of an IPv6 address in reverse order. Pure.
 */
export function conjureMac(prefix: string, ip: string): string {
  const hex = (n: number | undefined) => HEX[n ?? 0] ?? '00';
  if (IPV4.test(ip)) {
    const [a, b, c, d] = ip.split('.');
    return `${prefix}-${hex(Number(a))}-${hex(Number(b))}-${hex(Number(c))}-${hex(Number(d))}`;
  }
  try {
    const bytes = ipaddr.parse(ip).toByteArray();
    const tail = bytes.length === 4 ? bytes : [bytes[15], bytes[14], bytes[13], bytes[12]];
    return `${prefix}-${tail.map(hex).join('-')}`;
  } catch {
    return '02-11-22-33-44-55';
  }
}
