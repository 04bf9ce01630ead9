import { describe, expect, it } from '@jest/globals';
import { parseIP } from '@kproxy/endpoints';
import { cidrContains, isZeroCIDR, parseCIDR } from './cidr.ts';

describe('parseCIDR', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8', 'IPv4'],
    ['10.1.2.3/8', '10.0.0.0/8', 'IPv4'],
    ['010.001.002.003/32', '10.1.2.3/32', 'IPv4'],
    ['192.168.1.129/25', '192.168.1.128/25', 'IPv4'],
    ['0.0.0.0/0', '0.0.0.0/0', 'IPv4'],
    ['1.2.3.4/0', '0.0.0.0/0', 'IPv4'],
    ['2001:DB8::1/32', '2001:db8::/32', 'IPv6'],
    ['fd00::ff/121', 'fd00::80/121', 'IPv6'],
    ['::/0', '::/0', 'IPv6'],
  ])('%s -> %s', (text, cidr, family) => {
    expect(parseCIDR(text)).toMatchObject({ cidr, family });
  });

  it.each(['10.0.0.0', '10.0.0.0/33', 'fd00::/129', '10.0.0.0/-1', '10.0.0.0/8/8', ' 10.0.0.0/8', '/8', '10.0.0.0/', '10.0.0.0/0x8', '::ffff:1.2.3.4/120', 'x/8'])(
    'rejects %j',
    (text) => {
      expect(parseCIDR(text)).toBeUndefined();
    },
  );

  const must = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('unexpected undefined');
    return value;
  };

  it('recognises zero CIDRs and containment', () => {
    expect(isZeroCIDR(must(parseCIDR('0.0.0.0/0')))).toBe(true);
    expect(isZeroCIDR(must(parseCIDR('::/0')))).toBe(true);
    expect(isZeroCIDR(must(parseCIDR('10.0.0.0/8')))).toBe(false);
    const c = must(parseCIDR('192.168.0.0/23'));
    expect(cidrContains(c, must(parseIP('192.168.1.255')).bytes)).toBe(true);
    expect(cidrContains(c, must(parseIP('192.168.2.0')).bytes)).toBe(false);
    expect(cidrContains(c, must(parseIP('fd00::1')).bytes)).toBe(false);
  });
});
