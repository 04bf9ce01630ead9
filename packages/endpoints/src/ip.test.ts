import { describe, expect, it } from '@jest/globals';
import { normalizeIP, normalizeIPWithFamily, parseIP } from './ip.ts';

describe('parseIP', () => {
  it.each([
    ['10.1.2.3', '10.1.2.3', 'IPv4'],
    ['010.001.002.003', '10.1.2.3', 'IPv4'],
    ['000.000.000.000', '0.0.0.0', 'IPv4'],
    ['255.255.255.255', '255.255.255.255', 'IPv4'],
    ['FD00:0:0::0001', 'fd00::1', 'IPv6'],
    ['2001:db8::', '2001:db8::', 'IPv6'],
    ['::', '::', 'IPv6'],
    ['::ffff:1.2.3.4', '1.2.3.4', 'IPv4'],
  ])('%s -> %s (%s)', (text, ip, family) => {
    expect(parseIP(text)).toMatchObject({ ip, family });
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '0x0a.1.2.3',
    ' 10.0.0.1',
    '10.0.0.1 ',
    'fe80::1%eth0',
    '1:2:3:4:5:6:7:8:9',
    'not-an-ip',
    '10.0.0.0/8',
  ])('rejects %j', (text) => {
    expect(parseIP(text)).toBeUndefined();
    expect(normalizeIP(text)).toBeUndefined();
  });

  it('rejects non-strings without throwing', () => {
    expect(parseIP(undefined as unknown as string)).toBeUndefined();
    expect(parseIP(42 as unknown as string)).toBeUndefined();
  });
});

describe('parseIP: canonical forms', () => {
  it.each([
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['1:0:0:1:0:0:0:1', '1:0:0:1::1'],
    ['1:0:0:0:1:0:0:1', '1::1:0:0:1'],
    ['fd00:0:0:0:0:0:0:0', 'fd00::'],
    ['0.0.0.0', '0.0.0.0'],
    ['00000000010.1.2.3', '10.1.2.3'],
    ['1.02.3.4', '1.2.3.4'],
  ])('%s -> %s (RFC 5952 / Go String())', (text, ip) => {
    expect(parseIP(text)?.ip).toBe(ip);
    expect(normalizeIPWithFamily(text)?.ip).toBe(ip);
  });

  it.each(['1..2.3', '.1.2.3', '1.2.3.', '1.2.3.4.', '1.2.3.256', '1.2.3.-4', '１.2.3.4'])('rejects %j', (text) => {
    expect(parseIP(text)).toBeUndefined();
    expect(normalizeIPWithFamily(text)).toBeUndefined();
  });
});
