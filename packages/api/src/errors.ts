/**
 * Typed errors. Each class has a fixed `name` (compare `err.name`, not `instanceof`, across package
 * copies) and keeps the underlying error as `cause`.
 */

/** Base class of every kproxy error. */
export class KProxyError extends Error {
  override readonly name: string = 'KProxyError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A Kubernetes object (Service, EndpointSlice, Node) that cannot be proxied as written. */
export class InvalidObjectError extends KProxyError {
  override readonly name = 'InvalidObjectError';
  /** `kind namespace/name` of the object. */
  readonly object: string;
  constructor(object: string, reason: string, options?: { cause?: unknown }) {
    super(`${object}: ${reason}`, options);
    this.object = object;
  }
}

/** A flag, configuration file or option that is invalid; the daemon exits with a usage error. */
export class ConfigError extends KProxyError {
  override readonly name = 'ConfigError';
}

/** A program could not be started, timed out, or exited unsuccessfully where success was required. */
export class ExecError extends KProxyError {
  override readonly name = 'ExecError';
  readonly command: readonly string[];
  readonly exitCode: number | undefined;
  readonly stderr: string;
  constructor(
    message: string,
    details: { command: readonly string[]; exitCode?: number; stderr?: string },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.command = details.command;
    this.exitCode = details.exitCode;
    this.stderr = details.stderr ?? '';
  }
}

/** The kernel (or its tool) rejected a transaction; nothing of it was applied. */
export class KernelRejectedError extends KProxyError {
  override readonly name = 'KernelRejectedError';
  /** The tool's diagnostic, verbatim. */
  readonly detail: string;
  constructor(message: string, detail: string, options?: { cause?: unknown }) {
    super(message, options);
    this.detail = detail;
  }
}

/** A named kernel object (table, chain, set, service) does not exist. */
export class NotFoundError extends KProxyError {
  override readonly name = 'NotFoundError';
}

/** An operation that needs a platform this process does not run on (e.g. Windows HNS on Linux). */
export class UnsupportedPlatformError extends KProxyError {
  override readonly name = 'UnsupportedPlatformError';
  readonly platform: string;
  constructor(platform: string, message?: string, options?: { cause?: unknown }) {
    super(message ?? `this operation needs ${platform}, but the process runs on ${currentPlatform()}`, options);
    this.platform = platform;
  }
}

/** A sync failed; the runner retries with backoff and reports it. */
export class SyncError extends KProxyError {
  override readonly name = 'SyncError';
}

function currentPlatform(): string {
  const g = globalThis as { process?: { platform?: string } };
  return g.process?.platform ?? 'unknown';
}
