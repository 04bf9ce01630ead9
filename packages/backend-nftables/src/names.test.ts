import { describe, expect, it } from '@jest/globals';
import { affinitySetName, hashAndTruncate, servicePortChains } from './names.ts';

describe('names', () => {
  it('hash like kube-proxy (base32 sha256, 8 characters)', () => {
    expect(hashAndTruncate('ns1/svc1/tcp/p80')).toBe('ULMVA6XW-ns1/svc1/tcp/p80');
    expect(hashAndTruncate('ns1/svc1/tcp/p80__10.180.0.1/80')).toBe('5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80');
    expect(affinitySetName({ namespace: 'testing', name: 'service', port: 'http', protocol: 'TCP' }, { ip: 'fd80:abcd:12::a1b2:c3d4:e5f6:9999', port: 80 })).toBe(
      'affinity-U7E2ET36-testing/service/tcp/http__fd80.abcd.12..a1b2.c3d4.e5f6.9999/80',
    );
  });

  it('truncates long names to 240 characters, hashing the full name', () => {
    const long = `ns/${'x'.repeat(300)}/tcp/p`;
    const a = hashAndTruncate(long);
    const b = hashAndTruncate(`${long}y`);
    expect(a).toHaveLength(240);
    expect(a.endsWith('...')).toBe(true);
    expect(a.slice(0, 8)).not.toBe(b.slice(0, 8));
  });

  it('keeps hostile characters out of object names, and distinct names distinct', () => {
    const names = ['a"b', 'a\nb', 'ümlaut', 'a b', 'a;b'].map((n) => servicePortChains({ namespace: n, name: 's', port: '', protocol: 'UDP' }).service);
    for (const n of names) expect(n).toMatch(/^service-[A-Z2-7]{8}-[A-Za-z0-9_./-]+$/);
    expect(new Set(names).size).toBe(names.length);
  });
});
