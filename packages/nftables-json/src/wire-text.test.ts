import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Command, NftablesDocument, Statement } from './schema.ts';
import { randomBatchesArb } from './testing/random-commands.ts';
import { sampleTransaction } from './testing/sample-ruleset.ts';
import { WIRE_ZOO } from './testing/wire-zoo.ts';
import { Transaction } from './transaction.ts';
import { NFT_KEYWORDS } from './wire-keywords.ts';
import { nftScript } from './wire-text.ts';

const at = { family: 'ip', table: 'kp' } as const;
const doc = (...nftables: Command[]): NftablesDocument => ({ nftables });
const rule = (expr: Statement[], comment?: string): NftablesDocument =>
  doc({ add: { rule: { ...at, chain: 'c', expr, ...(comment === undefined ? {} : { comment }) } } });
const line = (d: NftablesDocument): string => nftScript(d).replace(/\n$/, '');
const refuses = (d: NftablesDocument): void => {
  expect(() => nftScript(d)).toThrow(expect.objectContaining({ name: 'InvalidCommandError' }));
};

/** Printable ASCII without `"` and `\`: the only strings nft's quoted strings carry unchanged. */
const SAFE = /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_./-]*$/;
const HOSTILE = ['a"b', 'back\\slash', 'new\nline', 'cr\rhere', 'tab\t', 'nul\u0000', 'del\u007f', 'ümlaut', '日本', '🚀', '" ; flush ruleset ; "', '\u2028'];
const anyString = fc.oneof(
  fc.constantFrom(...HOSTILE),
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ maxLength: 24 }),
);

describe('nftScript (the text wire)', () => {
  it('writes one line per command, names bare, values quoted, protocols as keywords', () => {
    const script = nftScript(sampleTransaction());
    const lines = script.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(sampleTransaction().size);
    expect(lines).toContain('add chain ip kp nat-prerouting { type nat hook prerouting priority -100; }');
    expect(lines).toContain('add chain ip kp filter-input { type filter hook input priority 0; policy accept; }');
    expect(lines).toContain('add map ip kp service-ips { type ipv4_addr . inet_proto . inet_service : verdict; }');
    expect(lines).toContain('add set ip kp aff-ep1 { type ipv4_addr; flags timeout; timeout 10800s; }');
    expect(lines).toContain(
      'add element ip kp service-ips { "10.96.0.1" . tcp . "80" : goto svc-a, "10.96.0.2" . tcp . "80" : goto svc-b, "10.96.0.3" . tcp . "80" : goto svc-aff, "10.96.0.4" . tcp . "80" : goto firewall-drop }',
    );
    expect(lines).toContain('add rule ip kp services ip daddr . meta l4proto . th dport vmap @service-ips');
    expect(lines).toContain('add rule ip kp svc-a numgen random mod 3 == "0" meta l4proto == tcp dnat to "10.1.0.1":"8080"');
    expect(lines).toContain('add rule ip kp svc-b numgen random mod 2 vmap { "0" : goto ep-b1, "1" : goto ep-b2 }');
    expect(lines).toContain('add rule ip kp ep-aff1 update @aff-ep1 { ip saddr } meta l4proto == tcp dnat to "10.3.0.1":"80"');
    expect(lines).toContain('add rule ip kp mark-for-masq meta mark set meta mark | "16384"');
    expect(lines).toContain('add rule ip kp masquerading ct status "dnat" ip saddr . ip daddr == @hairpin masquerade');
    expect(lines).toContain('add rule ip kp masquerading meta mark & "16384" == "0" return');
    expect(lines).toContain('add rule ip kp masquerading masquerade fully-random');
    expect(lines).toContain('add rule ip kp filter-forward ct state "established","related" accept');
    expect(lines).toContain('add rule ip kp svc-a ip saddr != "10.0.0.0"/8 jump mark-for-masq');
    expect(lines).toContain('add element ip kp allowed-sources { "203.0.113.0"/24 }');
  });

  it('writes a set declared by typeof (a kproxy extension) as nft typeof, and checks its shape', () => {
    const daddr = { payload: { protocol: 'ip', field: 'daddr' } } as const;
    const dport = { payload: { protocol: 'tcp', field: 'dport' } } as const;
    const slot = { numgen: { mode: 'random', mod: 1, offset: 0 } } as const;
    const map = (typeOf: unknown) =>
      doc({ add: { map: { ...at, name: 'eps', type: ['ipv4_addr', 'inet_service', 'integer'], map: ['ipv4_addr', 'inet_service'], typeof: typeOf } } } as unknown as Command);
    expect(line(map({ key: { concat: [daddr, dport, slot] }, data: { concat: [daddr, dport] } }))).toBe(
      'add map ip kp eps { typeof ip daddr . tcp dport . numgen random mod 1 offset 0 : ip daddr . tcp dport; }',
    );
    refuses(map({ key: { concat: [daddr, dport, slot] } }));
    refuses(map({ key: daddr, data: daddr, extra: 1 }));
    refuses(map('ip daddr'));
    refuses(doc({ add: { set: { ...at, name: 's', type: 'ipv4_addr', typeof: { key: daddr, data: daddr } } } } as unknown as Command));
  });

  it('writes every document of the zoo', () => {
    for (const z of WIRE_ZOO) for (const d of z.docs) expect(nftScript(d).split('\n')).toHaveLength(d.nftables.length + 1);
    const zoo = WIRE_ZOO.flatMap((z) => z.docs.map((d) => nftScript(d))).join('');
    for (const expected of [
      'add table ip zoo\n',
      'add chain ip zoo filter-in { type filter hook input priority 0; policy accept; }',
      'add chain ip zoo b\n',
      'add chain netdev zoo ingress { type filter hook ingress device "lo" priority 0; policy accept; }',
      'create chain ip zoo c_1.x/y',
      'add set ip zoo aff { type ipv4_addr; flags timeout; timeout 10800s; gc-interval 10s; size 1000; policy memory; elements = { "10.1.0.1" timeout 60s comment "first" }; }',
      'add map ip zoo verdicts { type ipv4_addr : verdict; elements = { "10.2.0.1" : accept, * : drop }; }',
      'add element ip zoo dyn { "10.1.0.2" timeout 30s, "10.1.0.3", "10.1.0.4" timeout 30s expires 20s comment "c" }',
      'add element ip zoo pairs { "10.3.0.0"/16 . "8000"-"8080", "10.4.0.1" . "22" }',
      'add element ip zoo backends { "80" : "10.5.0.1", "443" : "10.5.0.2" }',
      'delete element ip zoo svc { "10.96.0.6" . tcp . "2" }',
      'add rule ip zoo filter-in ct state "new" ct status "dnat" counter',
      'add rule ip zoo filter-in ct state == "new" counter packets 5 bytes 300',
      'add rule ip zoo filter-in fib daddr oif == exists fib daddr . mark oifname != "lo" accept',
      'add rule ip zoo filter-in numgen random mod 3 == "0" numgen inc mod 4 offset 10 != "12" accept',
      'add rule ip zoo filter-in @nh,72,8 == "6" @th,16,16 == "80" accept comment "raw payload"',
      'add rule ip zoo filter-in meta mark & "255" | "256" != "257" meta mark & "255" ^ "1" == "3" accept',
      'add rule ip zoo filter-in ct original saddr == "10.0.0.1" ct reply daddr == "10.0.0.2" ct original protocol == tcp accept',
      'add rule ip zoo raw update @dyn { ip saddr } add @dyn { ip daddr timeout 30s }',
      'add rule ip zoo pre meta l4proto == tcp dnat ip to "10.5.0.1":"8000"-"8010" random,persistent',
      'add rule ip zoo pre dnat to numgen random mod 2 map { "0" : "10.5.0.1", "1" : "10.5.0.2" }',
      'add rule ip zoo pre meta l4proto == tcp dnat to "10.5.0.3":tcp dport map { "80" : "8080", "443" : "8443" }',
      'add rule ip zoo post meta l4proto == tcp masquerade to :"1024"-"2048" random,persistent',
      'tcp flags "syn" reject with tcp reset',
      'add rule ip6 zoo pre meta l4proto == tcp dnat to "fd00::1":"8080"',
      'insert rule ip zoo a handle 76 accept comment "before handle 76"',
      'replace rule ip zoo a handle 76 drop comment "replaced"',
      'add rule ip zoo a index 0 counter comment "after first"',
      'delete rule ip zoo a handle 72',
      'flush map ip zoo verdicts',
      'delete chain ip zoo c_1.x/y',
    ]) {
      expect(zoo).toContain(expected);
    }
  });

  it('writes what nft 1.0.6 JSON means: `in` is implicit, lists stay lists, table/chain/set comments are left out', () => {
    expect(line(rule([{ match: { op: 'in', left: { ct: { key: 'state' } }, right: ['new', 'untracked'] } }]))).toBe('add rule ip kp c ct state "new","untracked"');
    expect(line(rule([{ match: { op: '==', left: { ct: { key: 'state' } }, right: 'new' } }]))).toBe('add rule ip kp c ct state == "new"');
    expect(line(rule([{ match: { op: '>=', left: { payload: { protocol: 'th', field: 'dport' } }, right: 1024 } }]))).toBe('add rule ip kp c th dport >= "1024"');
    expect(line(doc({ add: { set: { ...at, name: 's', type: 'ipv4_addr', comment: 'nft 1.0.6 JSON ignores this' } } }))).toBe('add set ip kp s { type ipv4_addr; }');
    expect(line(doc({ add: { table: { family: 'ip', name: 'kp', comment: 'ignored too' } } }))).toBe('add table ip kp');
    expect(line(doc({ add: { chain: { ...at, name: 'c', comment: 'and this' } } }))).toBe('add chain ip kp c');
    expect(line(doc({ add: { chain: { ...at, name: 'b', type: 'nat', hook: 'output', prio: -100, comment: 'and this' } } }))).toBe(
      'add chain ip kp b { type nat hook output priority -100; }',
    );
    expect(line(doc({ delete: { table: { family: 'ip', handle: 7 } } } as unknown as Command))).toBe('delete table ip handle 7');
    expect(line(doc({ delete: { set: { ...at, handle: 9 } } } as unknown as Command))).toBe('delete set ip kp handle 9');
    expect(line(doc({ flush: { ruleset: null } }))).toBe('flush ruleset');
    expect(line(doc({ list: { tables: null } }))).toBe('list tables');
    expect(line(doc({ add: { set: { ...at, name: 'm', type: ['mark', 'ifname'] } } }))).toBe('add set ip kp m { type mark . ifname; }');
  });

  it('refuses forms nft 1.0.6 reads differently in JSON and text', () => {
    refuses(doc({ add: { set: { ...at, name: 's', type: 'ipv4_addr', flags: 'interval' } } }));
    refuses(rule([{ match: { op: '==', left: { ct: { key: 'saddr', dir: 'original', family: 'ip' } }, right: '10.0.0.1' } }]));
    // tcp is a typed constant in JSON: only where the grammar also makes it one.
    refuses(rule([{ match: { op: '==', left: { payload: { protocol: 'th', field: 'dport' } }, right: { range: ['tcp', 'udp'] } } }]));
    refuses(rule([{ mangle: { key: { meta: { key: 'mark' } }, value: 'tcp' } }]));
    refuses(rule([{ match: { op: '==', left: { meta: { key: 'l4proto' } }, right: 'redirect' } }]));
  });

  it('refuses whatever it does not know rather than dropping it', () => {
    const unknown: NftablesDocument[] = [
      doc({ add: { table: { family: 'ip', name: 'kp', flags: ['dormant'] } } }),
      doc({ add: { chain: { ...at, name: 'c', newname: 'd' } } }),
      doc({ add: { rule: { ...at, chain: 'c', expr: [{ accept: null }], extra: 1 } } } as unknown as Command),
      rule([{ match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr', extra: 1 } }, right: '10.0.0.1' } } as unknown as Statement]),
      rule([{ match: { op: '==', left: { payload: { protocol: 'ip', field: 'options' } }, right: 1 } }]),
      rule([{ match: { op: '==', left: { meta: { key: 'secpath' } }, right: 1 } }]),
      rule([{ match: { op: '==', left: { ct: { key: 'label' } }, right: 1 } }]),
      rule([{ match: { op: '==', left: { concat: [{ concat: [{ meta: { key: 'mark' } }, { meta: { key: 'mark' } }] }, { meta: { key: 'mark' } }] }, right: 1 } }]),
      rule([{ match: { op: '==', left: { '&': [{ '|': [{ meta: { key: 'mark' } }, 1] }, 2] }, right: 1 } }]),
      rule([{ match: { op: '==', left: { '&': [{ meta: { key: 'mark' } }, { meta: { key: 'mark' } }] }, right: 1 } }]),
      rule([{ match: { op: '==', left: '10.0.0.1', right: { payload: { protocol: 'ip', field: 'saddr' } } } }]),
      rule([{ match: { op: '==', left: { meta: { key: 'mark' } }, right: { set: [] } } }]),
      rule([{ match: { op: '==', left: { meta: { key: 'mark' } }, right: '*' } }]),
      rule([{ reject: { type: 'icmpx' } }]),
      rule([{ dnat: { addr: { map: { key: { numgen: { mode: 'random', mod: 2 } }, data: '@m' } }, port: 80 } }]),
      rule([{ set: { op: 'update', elem: { elem: { val: { payload: { protocol: 'ip', field: 'saddr' } }, comment: 'x' } }, set: '@s' } }]),
      rule([{ vmap: { key: { meta: { key: 'mark' } }, data: { set: ['x'] } } }]),
      doc({ add: { rule: { ...at, chain: 'c', handle: 3, expr: [{ accept: null }] } } }),
      doc({ add: { set: { ...at, name: 's', type: 'ipv4_addr', handle: 3 } } }),
    ];
    for (const d of unknown) refuses(d);
  });

  it('refuses names that are not plain identifiers or that spell nft keywords', () => {
    for (const k of ['in', 'map', 'tcp', 'counter', 'vm', 'saddr', 'll', 'ip6', 'gc-interval']) {
      expect(NFT_KEYWORDS.has(k)).toBe(true);
      refuses(doc({ add: { chain: { ...at, name: k } } }));
      refuses(rule([{ jump: { target: k } }]));
      refuses(rule([{ match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: `@${k}` } }]));
    }
    for (const n of ['9lives', '-x', '.x', 'a b', 'a"b', 'a:b', 'a*', 'a@b', 'a\\b', 'ä', 'x'.repeat(256)]) refuses(doc({ add: { chain: { ...at, name: n } } }));
    expect(line(doc({ add: { chain: { ...at, name: 'service-ABCD2345-ns1/svc_1/tcp/p80...' } } }))).toBe('add chain ip kp service-ABCD2345-ns1/svc_1/tcp/p80...');
  });

  it('property: any string as a comment, value, device or element comment is written verbatim in quotes, or refused', () => {
    const places: ((s: string) => NftablesDocument)[] = [
      (s) => rule([{ accept: null }], s),
      (s) => rule([{ match: { op: '==', left: { meta: { key: 'iifname' } }, right: s } }, { accept: null }]),
      (s) => doc({ add: { element: { ...at, name: 's', elem: [{ elem: { val: '10.0.0.1', comment: s } }] } } }),
      (s) => doc({ add: { chain: { ...at, name: 'c', type: 'filter', hook: 'ingress', prio: 0, dev: s } } }),
    ];
    fc.assert(
      fc.property(fc.oneof(anyString, fc.constantFrom('@set', 'tcp', '*')), fc.nat(places.length - 1), (s, i) => {
        const d = (places[i] as (s: string) => NftablesDocument)(s);
        let out: string;
        try {
          out = nftScript(d);
        } catch (err) {
          expect(err).toMatchObject({ name: 'InvalidCommandError' });
          // Refused: the string is unsafe for nft's quoted strings (or invalid for the model itself).
          expect(SAFE.test(s) && s !== '*' && !s.startsWith('@')).toBe(false);
          return;
        }
        expect(SAFE.test(s)).toBe(true);
        expect(out.split('\n')).toHaveLength(2);
        // A value may also be a set reference or one of JSON's protocol constants, both written bare.
        const bare = i === 1 && (s.startsWith('@') || ['tcp', 'udp', 'udplite', 'esp', 'ah', 'icmp', 'icmpv6', 'comp', 'dccp', 'sctp'].includes(s));
        expect(out).toContain(bare ? ` ${s} ` : `"${s}"`);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: any string as a name is written bare when it is an identifier and no keyword, else refused', () => {
    fc.assert(
      fc.property(fc.oneof(anyString, fc.constantFrom(...NFT_KEYWORDS), fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_./-]{0,20}$/)), (s) => {
        const d = doc({ add: { chain: { ...at, name: s } } }, { add: { rule: { ...at, chain: 'c', expr: [{ goto: { target: s } }] } } });
        const ok = IDENT.test(s) && !NFT_KEYWORDS.has(s) && s.length <= 255;
        if (!ok) {
          refuses(d);
          return;
        }
        expect(nftScript(d)).toBe(`add chain ip kp ${s}\nadd rule ip kp c goto ${s}\n`);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: random batches (hostile too) are refused or written as exactly one command per line', () => {
    const verbs = /^(add|create|insert|replace|delete|flush|list) /;
    fc.assert(
      fc.property(randomBatchesArb({ hostile: true }), (batches) => {
        for (const nftables of batches) {
          let out: string;
          try {
            out = nftScript({ nftables });
          } catch (err) {
            expect(err).toMatchObject({ name: 'InvalidCommandError' });
            continue;
          }
          const lines = out.split('\n');
          expect(lines.pop()).toBe('');
          expect(lines).toHaveLength(nftables.length);
          for (const l of lines) {
            expect(l).toMatch(verbs);
            expect(l).toMatch(/^[\x20-\x7e]*$/);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('throws a transaction\'s own error, and validates raw documents first', () => {
    const bad = new Transaction({ family: 'ip', table: 'kp' }).add({ chain: { name: '' } });
    expect(() => nftScript(bad)).toThrow(bad.error as Error);
    expect(() => nftScript(doc({ add: { chain: { ...at, name: 'x\ny' } } }))).toThrow(/control character/);
    expect(nftScript(new Transaction())).toBe('');
  });
});
