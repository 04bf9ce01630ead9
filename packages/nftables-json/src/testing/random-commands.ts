import fc from 'fast-check';
import type { Command, NftablesDocument, Statement } from '../schema.ts';

/**
 * fast-check arbitraries of batches on one small table (`ip kp`: a NAT base chain, chains a/b/c, a set `s` and
 * a verdict map `m`), shared by the random fake-vs-kernel test and the text-wire-vs-JSON-wire kernel test.
 * With `hostile`, names, comments and values also come from strings the text wire must refuse (quotes,
 * backslashes, newlines, non-ASCII, keywords). Not exported from the package.
 */

const at = { family: 'ip', table: 'kp' } as const;
const CHAINS = ['a', 'b', 'c'];
const ADDRS = ['10.0.0.1', '10.0.0.2', 'fd00::1'];

/** Strings the text wire cannot carry (it must refuse them, and the client then sends JSON). */
export const HOSTILE_STRINGS: readonly string[] = [
  'q"uote',
  'back\\slash',
  'new\nline',
  'tab\there',
  'ümlaut',
  '; flush ruleset',
  'x" drop comment "y',
  'tcp',
  'counter',
  '',
];

export interface RandomCommandOptions {
  /** Also use hostile chain names and comments. */
  readonly hostile?: boolean;
}

/** Chain names the batches use. */
function chainArb(hostile: boolean): fc.Arbitrary<string> {
  return hostile ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...CHAINS) }, { weight: 1, arbitrary: fc.constantFrom('q"c', 'map', 'x y', 'ü') }) : fc.constantFrom(...CHAINS);
}

function commentArb(hostile: boolean): fc.Arbitrary<string | undefined> {
  const plain = fc.constantFrom(undefined, 'kp:abc', 'a comment; with # and $ and @');
  if (!hostile) return plain;
  return fc.oneof(
    { weight: 3, arbitrary: plain },
    { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_STRINGS.filter((s) => s !== '')) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).filter((s) => !s.includes('\u0000') && Buffer.byteLength(s) <= 128) },
  );
}

function statementArb(chainName: fc.Arbitrary<string>): fc.Arbitrary<Statement[]> {
  return fc.oneof(
    fc.constant<Statement[]>([{ counter: null }]),
    chainName.map<Statement[]>((t) => [{ jump: { target: t } }]),
    fc.constant<Statement[]>([{ match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: '@s' } }, { drop: null }]),
    fc.constant<Statement[]>([
      { vmap: { key: { concat: [{ payload: { protocol: 'ip', field: 'daddr' } }, { payload: { protocol: 'th', field: 'dport' } }] }, data: '@m' } },
    ]),
    fc.tuple(chainName, chainName).map<Statement[]>(([x, y]) => [
      { vmap: { key: { numgen: { mode: 'random', mod: 2 } }, data: { set: [[0, { goto: { target: x } }], [1, { goto: { target: y } }]] } } },
    ]),
    fc.boolean().map<Statement[]>((l4) => [
      ...(l4 ? [{ match: { op: '==', left: { meta: { key: 'l4proto' } }, right: 'tcp' } } as Statement] : []),
      { dnat: { addr: '10.9.0.1', port: 80 } },
    ]),
  );
}

/** One random command on `ip kp`. */
export function randomCommandArb(options: RandomCommandOptions = {}): fc.Arbitrary<Command> {
  const hostile = options.hostile ?? false;
  const chainName = chainArb(hostile);
  const comment = commentArb(hostile);
  return fc.oneof(
    fc.tuple(fc.constantFrom('add', 'create', 'delete', 'flush'), chainName).map(([verb, name]) => ({ [verb]: { chain: { ...at, name } } }) as unknown as Command),
    fc.tuple(fc.constantFrom(...CHAINS, 'pre'), statementArb(chainName), comment).map(([chain, expr, c]) => ({
      add: { rule: { ...at, chain, expr, ...(c === undefined ? {} : { comment: c }) } },
    })),
    fc.tuple(chainName, fc.integer({ min: 1, max: 30 })).map(([chain, handle]) => ({ delete: { rule: { ...at, chain, handle } } })),
    fc.tuple(fc.constantFrom('add', 'create', 'delete'), fc.constantFrom(...ADDRS)).map(
      ([verb, a]) => ({ [verb]: { element: { ...at, name: 's', elem: [a] } } }) as unknown as Command,
    ),
    fc.tuple(fc.constantFrom('add', 'delete'), fc.constantFrom('10.96.0.1', '10.96.0.2'), chainName, comment).map(
      ([verb, a, t, c]) =>
        ({
          [verb]: { element: { ...at, name: 'm', elem: [[verb === 'add' && c !== undefined ? { elem: { val: { concat: [a, 80] }, comment: c } } : { concat: [a, 80] }, { goto: { target: t } }]] } },
        }) as unknown as Command,
    ),
    fc.constantFrom<Command>(
      { flush: { set: { ...at, name: 's' } } },
      { flush: { map: { ...at, name: 'm' } } },
      { delete: { set: { ...at, name: 's' } } },
      { add: { set: { ...at, name: 's', type: 'ipv4_addr' } } },
      { flush: { table: { family: 'ip', name: 'kp' } } },
    ),
  );
}

/** Sequences of 1..8 batches of 1..3 random commands. */
export function randomBatchesArb(options: RandomCommandOptions = {}): fc.Arbitrary<Command[][]> {
  return fc.array(fc.array(randomCommandArb(options), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 8 });
}

/** What the random batches start from. */
export const RANDOM_SETUP: NftablesDocument = {
  nftables: [
    { add: { table: { family: 'ip', name: 'kp' } } },
    { add: { chain: { ...at, name: 'pre', type: 'nat', hook: 'prerouting', prio: -100 } } },
    { add: { set: { ...at, name: 's', type: 'ipv4_addr' } } },
    { add: { map: { ...at, name: 'm', type: ['ipv4_addr', 'inet_service'], map: 'verdict' } } },
    ...CHAINS.map((name) => ({ add: { chain: { ...at, name } } })),
  ],
};
