import type { KubeServiceSpec, Reason, SessionAffinity } from '@kproxy/api';
import { DEFAULT_AFFINITY_TIMEOUT_SECONDS, MAX_AFFINITY_TIMEOUT_SECONDS } from '@kproxy/api';
import { AFFINITY_REASONS as R } from './reason-codes.ts';

/** How `parseSessionAffinity` treats a ClientIP timeout the API server would have refused. */
export type InvalidAffinityMode =
  /** Use the default timeout (10800 s) and give a reason: the Service keeps working. */
  | 'default'
  /** Give a reason and no affinity result: the caller skips the Service, as the API server would refuse it. */
  | 'reject';

/** The result of `parseSessionAffinity`. `affinity` is undefined only when an invalid value was rejected. */
export interface ParsedSessionAffinity {
  readonly affinity: SessionAffinity | undefined;
  readonly reasons: Reason[];
}

/** The `None` affinity, shared. */
export const NO_AFFINITY: SessionAffinity = { type: 'None' };

/**
 * Reads `sessionAffinity` and `sessionAffinityConfig.clientIP.timeoutSeconds` of a Service spec, with the API
 * server's defaulting and validation: unset or `None` is None; `ClientIP` without a timeout uses 10800 s;
 * the timeout must be an integer in 1..86400. An invalid timeout gives an `InvalidAffinityTimeout` reason and
 * either the default timeout (`mode: 'default'`, the default) or no result (`mode: 'reject'`). An unknown
 * affinity type gives `UnknownSessionAffinity` and None. `subject` names the object in reasons. Pure; never throws.
 */
export function parseSessionAffinity(
  spec: Pick<KubeServiceSpec, 'sessionAffinity' | 'sessionAffinityConfig'> | undefined,
  options: { readonly mode?: InvalidAffinityMode; readonly subject?: string } = {},
): ParsedSessionAffinity {
  const reasons: Reason[] = [];
  const subject = options.subject;
  const withSubject = (r: Omit<Reason, 'subject'>): Reason => (subject === undefined ? r : { ...r, subject });
  const type = spec?.sessionAffinity;
  if (type === undefined || type === null || type === '' || type === 'None') {
    if (spec?.sessionAffinityConfig?.clientIP !== undefined && type === 'None') {
      reasons.push(
        withSubject({
          code: R.AffinityConfigIgnored,
          message: `${prefix(subject)}sessionAffinityConfig is set but sessionAffinity is None; ignored`,
        }),
      );
    }
    return { affinity: NO_AFFINITY, reasons };
  }
  if (type !== 'ClientIP') {
    reasons.push(
      withSubject({
        code: R.UnknownSessionAffinity,
        message: `${prefix(subject)}unknown sessionAffinity ${JSON.stringify(type)}; using None`,
      }),
    );
    return { affinity: NO_AFFINITY, reasons };
  }
  const timeout: unknown = spec?.sessionAffinityConfig?.clientIP?.timeoutSeconds;
  if (timeout === undefined || timeout === null) {
    return { affinity: { type: 'ClientIP', timeoutSeconds: DEFAULT_AFFINITY_TIMEOUT_SECONDS }, reasons };
  }
  if (isValidAffinityTimeout(timeout)) return { affinity: { type: 'ClientIP', timeoutSeconds: timeout }, reasons };
  const reject = options.mode === 'reject';
  reasons.push(
    withSubject({
      code: R.InvalidAffinityTimeout,
      message: `${prefix(subject)}sessionAffinityConfig.clientIP.timeoutSeconds ${JSON.stringify(timeout)} is not an integer in 1..${MAX_AFFINITY_TIMEOUT_SECONDS}; ${reject ? 'rejected' : `using ${DEFAULT_AFFINITY_TIMEOUT_SECONDS}`}`,
    }),
  );
  if (reject) return { affinity: undefined, reasons };
  return { affinity: { type: 'ClientIP', timeoutSeconds: DEFAULT_AFFINITY_TIMEOUT_SECONDS }, reasons };
}

/** True for an integer number of seconds in 1..86400, the range the API server accepts. Pure. */
export function isValidAffinityTimeout(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_AFFINITY_TIMEOUT_SECONDS;
}

function prefix(subject: string | undefined): string {
  return subject === undefined ? '' : `${subject}: `;
}
