import { describe, expect, it } from '@jest/globals';
import type { KubeServiceSpec } from '@kproxy/api';
import { isValidAffinityTimeout, parseSessionAffinity } from './policy.ts';
import { AFFINITY_REASONS as R } from './reason-codes.ts';

const clientIP = (timeoutSeconds?: unknown): KubeServiceSpec => ({
  sessionAffinity: 'ClientIP',
  ...(timeoutSeconds === undefined
    ? {}
    : { sessionAffinityConfig: { clientIP: { timeoutSeconds: timeoutSeconds as number } } }),
});

describe('parseSessionAffinity', () => {
  it.each<[string, KubeServiceSpec | undefined, unknown, string[]]>([
    ['no spec', undefined, { type: 'None' }, []],
    ['unset', {}, { type: 'None' }, []],
    ['empty string', { sessionAffinity: '' }, { type: 'None' }, []],
    ['None', { sessionAffinity: 'None' }, { type: 'None' }, []],
    [
      'None with a config',
      { sessionAffinity: 'None', sessionAffinityConfig: { clientIP: { timeoutSeconds: 10 } } },
      { type: 'None' },
      [R.AffinityConfigIgnored],
    ],
    ['unknown type', { sessionAffinity: 'Cookie' }, { type: 'None' }, [R.UnknownSessionAffinity]],
    ['ClientIP without config: default 10800', clientIP(), { type: 'ClientIP', timeoutSeconds: 10800 }, []],
    [
      'ClientIP with empty clientIP config: default',
      { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: {} } },
      { type: 'ClientIP', timeoutSeconds: 10800 },
      [],
    ],
    ['ClientIP 1 s (minimum)', clientIP(1), { type: 'ClientIP', timeoutSeconds: 1 }, []],
    ['ClientIP 86400 s (maximum)', clientIP(86400), { type: 'ClientIP', timeoutSeconds: 86400 }, []],
    ['ClientIP 0 s: invalid', clientIP(0), { type: 'ClientIP', timeoutSeconds: 10800 }, [R.InvalidAffinityTimeout]],
    ['ClientIP -5 s: invalid', clientIP(-5), { type: 'ClientIP', timeoutSeconds: 10800 }, [R.InvalidAffinityTimeout]],
    ['ClientIP 86401 s: invalid', clientIP(86401), { type: 'ClientIP', timeoutSeconds: 10800 }, [R.InvalidAffinityTimeout]],
    ['ClientIP 1.5 s: invalid', clientIP(1.5), { type: 'ClientIP', timeoutSeconds: 10800 }, [R.InvalidAffinityTimeout]],
    ['ClientIP "60": invalid', clientIP('60'), { type: 'ClientIP', timeoutSeconds: 10800 }, [R.InvalidAffinityTimeout]],
  ])('%s', (_name, spec, affinity, codes) => {
    const parsed = parseSessionAffinity(spec, { subject: 'Service ns/svc' });
    expect(parsed.affinity).toEqual(affinity);
    expect(parsed.reasons.map((r) => r.code)).toEqual(codes);
    for (const r of parsed.reasons) expect(r.subject).toBe('Service ns/svc');
  });

  it('rejects an invalid timeout in reject mode', () => {
    const parsed = parseSessionAffinity(clientIP(100000), { mode: 'reject' });
    expect(parsed.affinity).toBeUndefined();
    expect(parsed.reasons.map((r) => r.code)).toEqual([R.InvalidAffinityTimeout]);
    expect(parsed.reasons[0]?.message).toContain('rejected');
    expect(parseSessionAffinity(clientIP(100), { mode: 'reject' }).affinity).toEqual({
      type: 'ClientIP',
      timeoutSeconds: 100,
    });
  });

  it.each([
    [1, true],
    [86400, true],
    [0, false],
    [86401, false],
    [Number.NaN, false],
    [Number.POSITIVE_INFINITY, false],
    ['10', false],
  ])('isValidAffinityTimeout(%p) = %p', (value, ok) => {
    expect(isValidAffinityTimeout(value)).toBe(ok);
  });
});
