import { describe, expect, it } from '@jest/globals';
import { Transaction } from './transaction.ts';
import { expressionProblem } from './validate.ts';

describe('Transaction', () => {
  it('fills defaults and serialises exactly the nft -j document', () => {
    const tx = new Transaction({ family: 'ip', table: 'kube-proxy' });
    tx.add({ table: {} })
      .add({ chain: { name: 'nat-prerouting', type: 'nat', hook: 'prerouting', prio: -100 } })
      .add({ chain: { name: 'services' } })
      .flush({ chain: { name: 'services' } })
      .add({
        rule: {
          chain: 'nat-prerouting',
          expr: [{ jump: { target: 'services' } }],
          comment: 'say "hi"\nthere ✓',
        },
      })
      .add({ map: { name: 'service-ips', type: ['ipv4_addr', 'inet_proto', 'inet_service'], map: 'verdict' } });
    expect(tx.error).toBeUndefined();
    expect(tx.size).toBe(6);
    expect(tx.toJSON()).toEqual({
      nftables: [
        { add: { table: { family: 'ip', name: 'kube-proxy' } } },
        {
          add: {
            chain: { family: 'ip', table: 'kube-proxy', name: 'nat-prerouting', type: 'nat', hook: 'prerouting', prio: -100 },
          },
        },
        { add: { chain: { family: 'ip', table: 'kube-proxy', name: 'services' } } },
        { flush: { chain: { family: 'ip', table: 'kube-proxy', name: 'services' } } },
        {
          add: {
            rule: {
              family: 'ip',
              table: 'kube-proxy',
              chain: 'nat-prerouting',
              expr: [{ jump: { target: 'services' } }],
              comment: 'say "hi"\nthere ✓',
            },
          },
        },
        {
          add: {
            map: {
              family: 'ip',
              table: 'kube-proxy',
              name: 'service-ips',
              type: ['ipv4_addr', 'inet_proto', 'inet_service'],
              map: 'verdict',
            },
          },
        },
      ],
    });
    expect(JSON.parse(tx.serialize())).toEqual(tx.toJSON());
    const text = tx.toString().split('\n');
    expect(text).toHaveLength(6);
    expect(text[1]).toBe('add chain ip kube-proxy nat-prerouting { type nat hook prerouting priority -100; }');
    expect(text[4]).toBe('add rule ip kube-proxy nat-prerouting jump services comment "say \\"hi\\"\\nthere ✓"');
  });

  it('keeps the first error and does not record invalid commands', () => {
    const tx = new Transaction({ family: 'ip', table: 't' });
    tx.add({ chain: { name: 'ok' } });
    tx.add({ chain: { name: 'bad\nname' } });
    tx.add({ chain: { name: '' } });
    expect(tx.size).toBe(1);
    expect(tx.error?.name).toBe('InvalidCommandError');
    expect(tx.error?.message).toContain('control character');
    expect(tx.error?.index).toBe(1);
  });

  it.each([
    ['missing family', () => new Transaction({ table: 't' }).add({ chain: { name: 'c' } }), 'invalid family'],
    ['bad family', () => new Transaction().add({ table: { family: 'ipx' as 'ip', name: 't' } }), 'invalid family'],
    ['long name', () => new Transaction({ family: 'ip', table: 't' }).add({ chain: { name: 'x'.repeat(256) } }), 'longer than 255'],
    ['partial base chain', () => new Transaction({ family: 'ip', table: 't' }).add({ chain: { name: 'c', hook: 'output' } }), 'base chain'],
    ['policy on regular chain', () => new Transaction({ family: 'ip', table: 't' }).add({ chain: { name: 'c', policy: 'drop' } }), 'policy'],
    ['empty rule', () => new Transaction({ family: 'ip', table: 't' }).add({ rule: { chain: 'c', expr: [] } }), 'statement'],
    ['replace without handle', () => new Transaction({ family: 'ip', table: 't' }).replace({ rule: { chain: 'c', expr: [{ accept: null }] } }), 'handle'],
    ['set without type', () => new Transaction({ family: 'ip', table: 't' }).add({ set: { name: 's' } }), 'set type'],
    ['map without data type', () => new Transaction({ family: 'ip', table: 't' }).add({ map: { name: 'm', type: 'ipv4_addr' } }), 'map data type'],
    ['empty element', () => new Transaction({ family: 'ip', table: 't' }).add({ element: { name: 's', elem: [] } }), 'at least one'],
    ['long comment', () => new Transaction({ family: 'ip', table: 't' }).add({ rule: { chain: 'c', expr: [{ accept: null }], comment: 'é'.repeat(65) } }), 'comment'],
    ['unknown statement', () => new Transaction({ family: 'ip', table: 't' }).add({ rule: { chain: 'c', expr: [{ bogus: 1 } as never] } }), 'unknown statement'],
    ['bad jump target', () => new Transaction({ family: 'ip', table: 't' }).add({ rule: { chain: 'c', expr: [{ jump: { target: '' } }] } }), 'jump target'],
    ['negative number', () => new Transaction({ family: 'ip', table: 't' }).add({ rule: { chain: 'c', expr: [{ match: { op: '==', left: { meta: { key: 'mark' } }, right: -1 } }] } }), 'unsigned'],
    ['add rule with a handle', () => new Transaction({ family: 'ip', table: 't' }).add({ rule: { chain: 'c', handle: 3, expr: [{ accept: null }] } }), 'use index'],
    ['dynamic set flag', () => new Transaction({ family: 'ip', table: 't' }).add({ set: { name: 's', type: 'ipv4_addr', flags: ['dynamic', 'timeout'] } }), 'dynamic'],
    ['nat chain in netdev', () => new Transaction({ family: 'netdev', table: 't' }).add({ chain: { name: 'c', type: 'nat', hook: 'ingress', prio: 0 } }), 'nat chains'],
  ])('refuses %s', (_name, build, message) => {
    const tx = build();
    expect(tx.size).toBe(0);
    expect(tx.error?.message).toContain(message);
  });

  it('validates concatenated element values one by one (the fast path refuses what the general one does)', () => {
    const problem = (e: unknown) => expressionProblem(e);
    expect(problem({ concat: ['10.0.0.1', 'tcp', 80, 0] })).toBeUndefined();
    expect(problem({ concat: ['10.0.0.1', -1] })).toContain('not an unsigned integer');
    expect(problem({ concat: ['a\u0000b', 1] })).toContain('NUL');
    expect(problem({ concat: ['x', 1], extra: 1 })).toContain('unknown expression');
    expect(problem({ concat: ['x'] })).toContain('at least two');
    expect(problem({ concat: ['@', 1] })).toBeDefined();
  });

  it('accepts deletes by handle and flushes of sets and maps', () => {
    const tx = new Transaction({ family: 'ip6', table: 't' });
    tx.delete({ rule: { chain: 'c', handle: 4 } })
      .delete({ chain: { handle: 7 } as never })
      .flush({ set: { name: 's' } })
      .flush({ map: { name: 'm' } })
      .delete({ element: { name: 's', elem: ['fd00::1'] } })
      .delete({ table: {} });
    expect(tx.error).toBeUndefined();
    expect(tx.commands[1]).toEqual({ delete: { chain: { family: 'ip6', table: 't', handle: 7 } } });
    expect(tx.commands[5]).toEqual({ delete: { table: { family: 'ip6', name: 't' } } });
  });
});
