import { describe, expect, it } from '@jest/globals';
import type { SessionAffinity } from '@kproxy/api';
import { AffinityTable } from './affinity-table.ts';

function fakeClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const STICKY: SessionAffinity = { type: 'ClientIP', timeoutSeconds: 10 };
const NONE: SessionAffinity = { type: 'None' };
const EPS = ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80'];

/** A round-robin chooser, so tests can tell stickiness from balancing. */
function roundRobin() {
  let i = 0;
  return (candidates: readonly string[]) => candidates[i++ % candidates.length];
}

describe('AffinityTable', () => {
  it('sticks a client to its first endpoint while the client keeps connecting', () => {
    const clock = fakeClock();
    const table = new AffinityTable({ clock });
    const choose = roundRobin();
    const first = table.connect('ns/svc/TCP', '192.0.2.1', STICKY, EPS, choose);
    expect(first).toEqual({ endpoint: '10.0.0.1:80', sticky: false });
    for (let i = 0; i < 5; i++) {
      clock.advance(9_000); // every connection refreshes the idle timer: 45 s total, never 10 s idle
      expect(table.connect('ns/svc/TCP', '192.0.2.1', STICKY, EPS, choose)).toEqual({
        endpoint: '10.0.0.1:80',
        sticky: true,
      });
    }
  });

  it('keeps clients apart and service ports apart', () => {
    const table = new AffinityTable({ clock: fakeClock() });
    const choose = roundRobin();
    expect(table.connect('ns/svc/TCP', '192.0.2.1', STICKY, EPS, choose).endpoint).toBe('10.0.0.1:80');
    expect(table.connect('ns/svc/TCP', '192.0.2.2', STICKY, EPS, choose).endpoint).toBe('10.0.0.2:80');
    expect(table.connect('ns/svc/UDP', '192.0.2.1', STICKY, EPS, choose).endpoint).toBe('10.0.0.3:80');
    expect(table.entries().map((e) => [e.servicePort, e.clientIP, e.endpoint])).toEqual([
      ['ns/svc/TCP', '192.0.2.1', '10.0.0.1:80'],
      ['ns/svc/TCP', '192.0.2.2', '10.0.0.2:80'],
      ['ns/svc/UDP', '192.0.2.1', '10.0.0.3:80'],
    ]);
  });

  it('expires after the timeout of idleness (exactly the timeout still holds)', () => {
    const clock = fakeClock();
    const table = new AffinityTable({ clock });
    const choose = roundRobin();
    table.connect('p', 'c', STICKY, EPS, choose);
    clock.advance(10_000);
    expect(table.connect('p', 'c', STICKY, EPS, choose)).toEqual({ endpoint: '10.0.0.1:80', sticky: true });
    clock.advance(10_001);
    expect(table.get('p', 'c')).toBeUndefined();
    expect(table.connect('p', 'c', STICKY, EPS, choose)).toEqual({ endpoint: '10.0.0.2:80', sticky: false });
  });

  it('expire() purges idle entries and reports them', () => {
    const clock = fakeClock();
    const table = new AffinityTable({ clock });
    table.connect('p', 'old', STICKY, EPS, () => EPS[0]);
    clock.advance(6_000);
    table.connect('p', 'new', STICKY, EPS, () => EPS[1]);
    clock.advance(5_000);
    expect(table.expire().map((e) => e.clientIP)).toEqual(['old']);
    expect(table.entries().map((e) => e.clientIP)).toEqual(['new']);
  });

  it('evicts a client whose endpoint leaves the usable set, and re-chooses', () => {
    const table = new AffinityTable({ clock: fakeClock() });
    table.connect('p', 'c', STICKY, EPS, () => '10.0.0.2:80');
    const remaining = ['10.0.0.1:80', '10.0.0.3:80'];
    expect(table.syncEndpoints('p', remaining).map((e) => e.endpoint)).toEqual(['10.0.0.2:80']);
    expect(table.get('p', 'c')).toBeUndefined();
    // Without an explicit sync, connect itself refuses a stale endpoint.
    table.connect('p', 'd', STICKY, EPS, () => '10.0.0.2:80');
    expect(table.connect('p', 'd', STICKY, remaining, () => '10.0.0.3:80')).toEqual({
      endpoint: '10.0.0.3:80',
      sticky: false,
    });
    expect(table.get('p', 'd')?.endpoint).toBe('10.0.0.3:80');
  });

  it('without affinity balances every connection and remembers nothing; switching off drops entries', () => {
    const table = new AffinityTable({ clock: fakeClock() });
    const choose = roundRobin();
    table.connect('p', 'c', STICKY, EPS, choose);
    expect(table.entries()).toHaveLength(1);
    expect(table.connect('p', 'c', NONE, EPS, choose).endpoint).toBe('10.0.0.2:80');
    expect(table.connect('p', 'c', NONE, EPS, choose).endpoint).toBe('10.0.0.3:80');
    expect(table.entries()).toHaveLength(0);
  });

  it('gives no endpoint when none is usable or the chooser returns a stranger', () => {
    const table = new AffinityTable({ clock: fakeClock() });
    expect(table.connect('p', 'c', STICKY, [], () => 'x')).toEqual({ endpoint: undefined, sticky: false });
    expect(table.connect('p', 'c', STICKY, EPS, () => '9.9.9.9:1')).toEqual({ endpoint: undefined, sticky: false });
    expect(table.entries()).toEqual([]);
  });

  it('uses the current timeout: lowering it takes effect live', () => {
    const clock = fakeClock();
    const table = new AffinityTable({ clock });
    table.connect('p', 'c', { type: 'ClientIP', timeoutSeconds: 100 }, EPS, () => EPS[0]);
    clock.advance(20_000);
    expect(table.connect('p', 'c', { type: 'ClientIP', timeoutSeconds: 10 }, EPS, () => EPS[1]).endpoint).toBe(EPS[1]);
  });

  it('forget() drops a service port', () => {
    const table = new AffinityTable({ clock: fakeClock() });
    table.connect('p', 'c', STICKY, EPS, () => EPS[0]);
    table.connect('q', 'c', STICKY, EPS, () => EPS[0]);
    table.forget('p');
    expect(table.entries().map((e) => e.servicePort)).toEqual(['q']);
  });
});
