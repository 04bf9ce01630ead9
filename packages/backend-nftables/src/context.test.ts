import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { isFamilyCIDR, isFamilyIP } from './context.ts';

/** The oracle: ipaddr.js's strict four-part decimal form. */
const strictV4 = (s: string): boolean => ipaddr.IPv4.isValidFourPartDecimal(s);

describe('isFamilyIP (ip)', () => {
  it('accepts exactly the strict dotted quads', () => {
    for (const good of ['0.0.0.0', '10.1.2.3', '255.255.255.255', '172.16.0.10']) expect(isFamilyIP(good, 'ip')).toBe(true);
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.04', '1..2.3', '1.2.3.', '.1.2.3', '1.2.3.4 ', '1.2.3.a', '1.2.3.1000', '::1', '1.2.3.4/32']) {
      expect(isFamilyIP(bad, 'ip')).toBe(false);
    }
  });

  it('agrees with ipaddr.js on random near-addresses', () => {
    const octet = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.stringMatching(/^[0-9]{0,4}$/), fc.constantFrom('a', '-1', ' 1', '1 '));
    const sep = fc.constantFrom('.', '.', '.', '..', ':', '');
    const candidate = fc.oneof(
      fc.tuple(octet, sep, octet, sep, octet, sep, octet).map((p) => p.join('')),
      fc.tuple(octet, octet, octet, octet, octet).map((p) => p.join('.')),
      fc.string({ maxLength: 20 }),
    );
    fc.assert(
      fc.property(candidate, (s) => isFamilyIP(s, 'ip') === strictV4(s)),
      { numRuns: 3000 },
    );
  });

  it('keeps the families apart', () => {
    expect(isFamilyIP('fd00::1', 'ip')).toBe(false);
    expect(isFamilyIP('fd00::1', 'ip6')).toBe(true);
    expect(isFamilyIP('10.0.0.1', 'ip6')).toBe(false);
    expect(isFamilyCIDR('10.0.0.0/8', 'ip')).toBe(true);
    expect(isFamilyCIDR('10.0.0.0/33', 'ip')).toBe(false);
    expect(isFamilyCIDR('010.0.0.0/8', 'ip')).toBe(false);
  });
});
