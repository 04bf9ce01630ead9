import type { Executor } from './executor.ts';

/** A log method: `log('text')` or `log({ key: value }, 'text')`. pino's methods fit. */
export interface LogFn {
  (msg: string): void;
  (obj: object, msg?: string): void;
}

/** The logger every component receives. pino loggers satisfy it. */
export interface Logger {
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
  trace: LogFn;
  /** A logger whose every record carries `bindings`. */
  child(bindings: Record<string, unknown>): Logger;
}

/** Time source, injected so tests control it. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** The components injected into backends and kernel clients by the daemon, the harness or a test. */
export interface Components {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly executor: Executor;
}

const noop: LogFn = () => undefined;

/** A logger that discards everything. */
export const silentLogger: Logger = {
  error: noop,
  warn: noop,
  info: noop,
  debug: noop,
  trace: noop,
  child: () => silentLogger,
};

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };
