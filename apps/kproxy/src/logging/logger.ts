import { pino } from 'pino';
import type { Logger as PinoLogger } from 'pino';

/** Where log lines go: anything with `write(text)`. */
export interface LogSink {
  write(text: string): void;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** klog-like `-v`: 0-1 info, 2-4 debug, 5 and more trace. */
  readonly verbosity: number;
  /** `text` (klog-like lines, the default) or `json` (pino's records). */
  readonly format: 'text' | 'json';
  /** Default: standard error, so standard output stays for `explain` / `diff` results. */
  readonly sink?: LogSink;
}

/** The pino level for a klog verbosity. Pure. */
export function levelForVerbosity(v: number): 'info' | 'debug' | 'trace' {
  if (v >= 5) return 'trace';
  if (v >= 2) return 'debug';
  return 'info';
}

const LEVEL_LETTER: Record<number, string> = { 10: 'T', 20: 'D', 30: 'I', 40: 'W', 50: 'E', 60: 'F' };
const OMIT = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

function two(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function quote(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /^[^\s"=]+$/.test(s ?? '') ? (s as string) : JSON.stringify(s);
}

/**
 * Formats one pino JSON record as a klog-like text line:
 * `I1123 09:00:01.123456   42 daemon] message key=value ...`. Unparsable input passes through. Pure.
 */
export function formatKlogLine(record: string): string {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(record) as Record<string, unknown>;
  } catch {
    return record;
  }
  const d = new Date(typeof r.time === 'number' ? r.time : Date.now());
  const head = `${LEVEL_LETTER[r.level as number] ?? 'I'}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.${two(d.getUTCMilliseconds(), 3)}000 ${String(r.pid ?? '').padStart(7)}`;
  const component = typeof r.component === 'string' ? ` ${r.component}` : '';
  const kv = Object.entries(r)
    .filter(([k]) => !OMIT.has(k) && k !== 'component')
    .map(([k, v]) => `${k}=${quote(v)}`)
    .join(' ');
  return `${head}${component}] ${String(r.msg ?? '')}${kv ? ` ${kv}` : ''}\n`;
}

/** The daemon's logger: pino, filtered by the klog-like verbosity, written as text or JSON. */
export function createLogger(options: LoggerOptions): PinoLogger {
  const sink = options.sink ?? { write: (text: string) => void process.stderr.write(text) };
  const stream = options.format === 'json' ? sink : { write: (line: string) => sink.write(formatKlogLine(line)) };
  return pino({ level: levelForVerbosity(options.verbosity), base: { pid: process.pid } }, stream);
}
