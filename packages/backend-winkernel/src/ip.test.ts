import { describe, expect, it } from '@jest/globals';
import { cidrContains, conjureMac, isIpAddress } from './ip.ts';

describe('ip helpers', () => {
  it('accepts IPv4 and IPv6 addresses and nothing else', () => {
    for (const ok of ['10.0.0.1', '255.255.255.255', '0.0.0.0', 'fd00::1', '::1', '2001:db8::ff']) expect(isIpAddress(ok)).toBe(true);
    for (const bad of ['10.0.0.256', '10.0.0', '10.0.0.1\n', ' 10.0.0.1', 'fe80::1%eth0', 'fd00::/64', 'x', '', '1']) {
      expect(isIpAddress(bad)).toBe(false);
    }
  });

  it('matches CIDRs per family', () => {
    expect(cidrContains('10.244.2.0/24', '10.244.2.9')).toBe(true);
    expect(cidrContains('10.244.2.0/24', '10.244.3.9')).toBe(false);
    expect(cidrContains('fd00::/64', 'fd00::9')).toBe(true);
    expect(cidrContains('10.0.0.0/8', 'fd00::9')).toBe(false);
    expect(cidrContains('junk', '10.0.0.1')).toBe(false);
  });

  it('conjures MACs like kube-proxy', () => {
    expect(conjureMac('02-11', '10.244.2.7')).toBe('02-11-0a-f4-02-07');
    expect(conjureMac('02-11', 'fd00::1:2:3:4')).toBe('02-11-04-00-03-00');
  });
});
