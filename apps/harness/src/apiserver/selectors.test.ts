import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { fieldsMatch, parseFieldSelector } from './field-selector.ts';
import { labelsMatch, parseLabelSelector, SelectorParseError } from './label-selector.ts';

const PROXY = '!service.kubernetes.io/service-proxy-name,!service.kubernetes.io/headless';

describe('label selectors', () => {
  it('parses the kube-proxy selector into two doesNotExist requirements', () => {
    expect(parseLabelSelector(PROXY)).toEqual([
      { op: 'doesNotExist', key: 'service.kubernetes.io/service-proxy-name' },
      { op: 'doesNotExist', key: 'service.kubernetes.io/headless' },
    ]);
  });

  it('!a,!b matches only objects carrying neither key, whatever the value (even empty)', () => {
    const sel = parseLabelSelector(PROXY);
    expect(labelsMatch(sel, undefined)).toBe(true);
    expect(labelsMatch(sel, { app: 'x' })).toBe(true);
    expect(labelsMatch(sel, { 'service.kubernetes.io/service-proxy-name': '' })).toBe(false);
    expect(labelsMatch(sel, { 'service.kubernetes.io/headless': 'true' })).toBe(false);
  });

  it('implements equality, inequality, existence and set operators like upstream', () => {
    const labels = { app: 'web', tier: 'front' };
    const cases: [string, boolean][] = [
      ['app', true],
      ['missing', false],
      ['!app', false],
      ['app=web', true],
      ['app==web', true],
      ['app=db', false],
      ['app!=db', true],
      ['app!=web', false],
      ['missing!=x', true],
      ['app in (web,db)', true],
      ['app in (db)', false],
      ['app notin (db)', true],
      ['missing notin (db)', true],
      ['app=web,tier=front', true],
      ['app=web,tier=back', false],
      ['app = web , !missing', true],
      ['', true],
    ];
    for (const [text, want] of cases) expect([text, labelsMatch(parseLabelSelector(text), labels)]).toEqual([text, want]);
  });

  it('rejects malformed selectors', () => {
    for (const bad of ['a,,b', '!', 'a=b=c', 'in (x', 'a in (b', '-bad', 'a=' + 'x'.repeat(64)]) {
      expect(() => parseLabelSelector(bad)).toThrow(SelectorParseError);
    }
  });

  it('a conjunction of !key requirements equals "none of the keys present" (property)', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'x.io/d');
    fc.assert(
      fc.property(fc.uniqueArray(key, { minLength: 1 }), fc.dictionary(key, fc.constantFrom('', 'v')), (keys, labels) => {
        const sel = parseLabelSelector(keys.map((k) => `!${k}`).join(','));
        expect(labelsMatch(sel, labels)).toBe(keys.every((k) => !(k in labels)));
      }),
    );
  });
});

describe('field selectors', () => {
  it('supports metadata.name and metadata.namespace with = and !=', () => {
    const md = { name: 'n1', namespace: 'ns' };
    expect(fieldsMatch(parseFieldSelector('metadata.name=n1'), md)).toBe(true);
    expect(fieldsMatch(parseFieldSelector('metadata.name==n2'), md)).toBe(false);
    expect(fieldsMatch(parseFieldSelector('metadata.name!=n2,metadata.namespace=ns'), md)).toBe(true);
    expect(fieldsMatch(parseFieldSelector('metadata.namespace!=ns'), md)).toBe(false);
  });

  it('rejects unsupported fields', () => {
    expect(() => parseFieldSelector('spec.clusterIP=1.2.3.4')).toThrow(SelectorParseError);
  });
});
