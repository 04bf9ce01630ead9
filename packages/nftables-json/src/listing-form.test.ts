import { describe, expect, it } from '@jest/globals';
import { listedForm } from './listing-form.ts';

describe('listedForm', () => {
  it('rewrites what nft rewrites and keeps the rest', () => {
    expect(
      listedForm(
        [
          { match: { op: '==', left: { meta: { key: 'l4proto' } }, right: 'udp' } },
          { match: { op: '==', left: { payload: { protocol: 'th', field: 'dport' } }, right: 53 } },
          { match: { op: '==', left: { ct: { key: 'state' } }, right: 'new' } },
          { match: { op: '==', left: { numgen: { mode: 'random', mod: 3 } }, right: 0 } },
          { counter: null },
          { reject: null },
        ],
        'ip6',
      ),
    ).toEqual([
      { match: { op: '==', left: { payload: { protocol: 'udp', field: 'dport' } }, right: 53 } },
      { match: { op: 'in', left: { ct: { key: 'state' } }, right: 'new' } },
      { match: { op: '==', left: { numgen: { mode: 'random', mod: 3, offset: 0 } }, right: 0 } },
      { counter: { packets: 0, bytes: 0 } },
      { reject: { type: 'icmpv6', expr: 'port-unreachable' } },
    ]);
    const kept = [
      { match: { op: '==' as const, left: { meta: { key: 'l4proto' } }, right: 'tcp' } },
      { dnat: { addr: '10.0.0.1', port: 80 } },
    ];
    expect(listedForm(kept, 'ip')).toEqual(kept);
    expect(listedForm([{ reject: null }], 'inet')).toEqual([{ reject: { type: 'icmpx', expr: 'port-unreachable' } }]);
  });
});
