import ipaddr from 'ipaddr.js';

/** True for a dotted-quad IPv4 or an IPv6 address (no zone, no prefix). Pure. */
export function isIpAddress(text: string): boolean {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return true;
  return !text.includes('%') && ipaddr.IPv6.isValid(text);
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
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  try {
    const bytes = ipaddr.parse(ip).toByteArray();
    const tail = bytes.length === 4 ? bytes : [bytes[15], bytes[14], bytes[13], bytes[12]];
    return `${prefix}-${tail.map((b) => hex(b ?? 0)).join('-')}`;
  } catch {
    return '02-11-22-33-44-55';
  }
}
