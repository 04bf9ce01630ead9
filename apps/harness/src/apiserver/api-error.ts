/** An API failure carried as a Kubernetes `Status` object. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** HTTP status code. */
  readonly code: number;
  /** Kubernetes `Status.reason` (`NotFound`, `AlreadyExists`, `Conflict`, `Expired`, ...). */
  readonly reason: string;
  readonly details?: { name?: string; kind?: string; group?: string };
  constructor(code: number, reason: string, message: string, details?: ApiError['details']) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  /** The `Status` object the API server sends for this error. */
  toStatus(): Record<string, unknown> {
    return statusObject(this.code, this.reason, this.message, this.details);
  }
}

/** A `Status` object (`kind: Status`, `status: Failure`). */
export function statusObject(
  code: number,
  reason: string,
  message: string,
  details?: ApiError['details'],
): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}
