import { describe, expect, it } from '@jest/globals';
import { createLogger, formatKlogLine, levelForVerbosity } from './logger.ts';

describe('logging', () => {
  it('maps klog verbosity to pino levels', () => {
    expect([0, 1, 2, 4, 5, 9].map(levelForVerbosity)).toEqual(['info', 'info', 'debug', 'debug', 'trace', 'trace']);
  });

  it('formats records as klog-like lines', () => {
    const line = formatKlogLine(JSON.stringify({ level: 40, time: Date.UTC(2026, 10, 23, 9, 5, 7, 123), pid: 42, component: 'sync', msg: 'hello world', family: 'IPv4', n: 3, why: 'a b' }));
    expect(line).toBe('W1123 09:05:07.123000      42 sync] hello world family=IPv4 n=3 why="a b"\n');
    expect(formatKlogLine('not json')).toBe('not json');
  });

  it('filters by verbosity and writes text or JSON', () => {
    const lines: string[] = [];
    const quiet = createLogger({ verbosity: 0, format: 'text', sink: { write: (t) => void lines.push(t) } });
    quiet.debug('hidden');
    quiet.info({ a: 1 }, 'shown');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^I\d{4} .*\] shown a=1\n$/);
    const json: string[] = [];
    const loud = createLogger({ verbosity: 5, format: 'json', sink: { write: (t) => void json.push(t) } });
    loud.trace('deep');
    expect(JSON.parse(json[0] as string)).toMatchObject({ level: 10, msg: 'deep' });
  });
});
