import { describe, expect, it } from '@jest/globals';
import { scriptedExecutor } from '@kproxy/exec/testing';
import { conntrackCleaner, conntrackDeleteArgs, staleConntrackFilters } from './index.ts';
import { ep, sp, st } from '../test/state.ts';

describe('staleConntrackFilters', () => {
  it('deletes entries of a removed UDP endpoint for every service address and the node port', () => {
    const before = st([
      sp('dns', 'UDP', [ep('10.244.1.7'), ep('10.244.2.8')], { externalIPs: ['192.0.2.50'], nodePort: 30053 }),
    ]);
    const after = st([sp('dns', 'UDP', [ep('10.244.2.8')], { externalIPs: ['192.0.2.50'], nodePort: 30053 })]);
    const filters = staleConntrackFilters(before, after).map(({ reason: _r, ...f }) => f);
    expect(filters).toEqual([
      { family: 'IPv4', protocol: 'UDP', origDst: '10.96.0.10', origPortDst: 53, replySrc: '10.244.1.7', replyPortSrc: 5353 },
      { family: 'IPv4', protocol: 'UDP', origDst: '192.0.2.50', origPortDst: 53, replySrc: '10.244.1.7', replyPortSrc: 5353 },
      { family: 'IPv4', protocol: 'UDP', origPortDst: 30053, replySrc: '10.244.1.7', replyPortSrc: 5353 },
    ]);
  });

  it('covers SCTP and removed service ports, never TCP', () => {
    const before = st([sp('s', 'SCTP', [ep('10.244.1.7')]), sp('t', 'TCP', [ep('10.244.1.9')])]);
    const filters = staleConntrackFilters(before, st([]));
    expect(filters.map((f) => `${f.protocol} ${f.replySrc}`)).toEqual(['SCTP 10.244.1.7']);
  });

  it('flushes a UDP service port that goes from no endpoints to some, but not SCTP or TCP', () => {
    const before = st([sp('u', 'UDP', []), sp('s', 'SCTP', []), sp('t', 'TCP', [])]);
    const after = st([
      sp('u', 'UDP', [ep('10.244.1.7')], { nodePort: 30001 }),
      sp('s', 'SCTP', [ep('10.244.1.8')]),
      sp('t', 'TCP', [ep('10.244.1.9')]),
      sp('new', 'UDP', [ep('10.244.1.10')], { clusterIP: '10.96.0.11' }),
    ]);
    const filters = staleConntrackFilters(before, after).map(({ reason: _r, ...f }) => f);
    expect(filters).toEqual([
      { family: 'IPv4', protocol: 'UDP', origDst: '10.96.0.10', origPortDst: 53 },
      { family: 'IPv4', protocol: 'UDP', origPortDst: 30001 },
      { family: 'IPv4', protocol: 'UDP', origDst: '10.96.0.11', origPortDst: 53 },
    ]);
  });

  it('finds nothing when nothing changed, and nothing on the first sync', () => {
    const s = st([sp('dns', 'UDP', [ep('10.244.1.7')])]);
    expect(staleConntrackFilters(s, s)).toEqual([]);
    expect(staleConntrackFilters(undefined, s)).toEqual([]);
  });
});

describe('conntrackDeleteArgs', () => {
  it('builds argv for IPv4 and IPv6', () => {
    expect(
      conntrackDeleteArgs({ family: 'IPv6', protocol: 'SCTP', origDst: 'fd00::a', origPortDst: 9, replySrc: 'fd01::7', replyPortSrc: 99, reason: '' }),
    ).toEqual(['-D', '-f', 'ipv6', '-p', 'sctp', '--orig-dst', 'fd00::a', '--orig-port-dst', '9', '--reply-src', 'fd01::7', '--reply-port-src', '99']);
  });

  it.each([
    { origDst: '10.0.0.1; rm -rf /' },
    { origDst: '10.0.0.1\n-F' },
    { origDst: 'fd00::1' },
    { replySrc: '--flush' },
    { origPortDst: 0 },
    { origPortDst: 70000 },
    { origPortDst: 1.5 },
  ])('refuses hostile or invalid values %j', (over) => {
    expect(() =>
      conntrackDeleteArgs({ family: 'IPv4', protocol: 'UDP', origDst: '10.0.0.1', origPortDst: 53, reason: '', ...over }),
    ).toThrow(RangeError);
  });

  it('refuses TCP', () => {
    expect(() => conntrackDeleteArgs({ family: 'IPv4', protocol: 'TCP' as 'UDP', origPortDst: 53, reason: '' })).toThrow(RangeError);
  });
});

describe('conntrackCleaner', () => {
  const filter = { family: 'IPv4' as const, protocol: 'UDP' as const, origDst: '10.96.0.10', origPortDst: 53, reason: 'test' };

  it('runs conntrack -D with argv and counts deleted entries', async () => {
    const exec = scriptedExecutor(() => ({ stderr: 'conntrack v1.4.7 (conntrack-tools): 3 flow entries have been deleted.\n' }));
    const result = await conntrackCleaner({ executor: exec }).clean([filter, { ...filter, origDst: '10.96.0.11' }]);
    expect(result).toEqual({ deleted: 6, failed: 0 });
    expect(exec.calls.map((c) => [c.file, ...c.args])).toEqual([
      ['conntrack', '-D', '-f', 'ipv4', '-p', 'udp', '--orig-dst', '10.96.0.10', '--orig-port-dst', '53'],
      ['conntrack', '-D', '-f', 'ipv4', '-p', 'udp', '--orig-dst', '10.96.0.11', '--orig-port-dst', '53'],
    ]);
  });

  it('treats "0 flow entries have been deleted" (exit 1) as success', async () => {
    const exec = scriptedExecutor(() => ({ exitCode: 1, stderr: 'conntrack v1.4.7 (conntrack-tools): 0 flow entries have been deleted.\n' }));
    expect(await conntrackCleaner({ executor: exec }).clean([filter])).toEqual({ deleted: 0, failed: 0 });
  });

  it('counts real failures and keeps going', async () => {
    const exec = scriptedExecutor((call) =>
      call.args.includes('10.96.0.10') ? { exitCode: 1, stderr: 'conntrack: Operation not permitted\n' } : undefined,
    );
    const errors: string[] = [];
    const logger = {
      error: (o: unknown) => errors.push(JSON.stringify(o)),
      warn: () => undefined, info: () => undefined, debug: () => undefined, trace: () => undefined,
      child: () => logger,
    };
    const result = await conntrackCleaner({ executor: exec, logger }).clean([filter, { ...filter, origDst: '10.96.0.11' }]);
    expect(result).toEqual({ deleted: 0, failed: 1 });
    expect(errors.join()).toMatch(/Operation not permitted/);
    expect(exec.calls).toHaveLength(2);
  });

  it('never runs the tool for an invalid filter', async () => {
    const exec = scriptedExecutor();
    const result = await conntrackCleaner({ executor: exec }).clean([{ ...filter, origDst: '$(reboot)' }]);
    expect(result).toEqual({ deleted: 0, failed: 1 });
    expect(exec.calls).toHaveLength(0);
  });
});

describe('staleConntrackFilters with candidate keys', () => {
  it('only looks at the named service ports', () => {
    const before = st([sp('a', 'UDP', [ep('10.244.1.7')]), sp('b', 'UDP', [ep('10.244.1.8')], { clusterIP: '10.96.0.12' })]);
    const after = st([sp('a', 'UDP', []), sp('b', 'UDP', [])]);
    expect(staleConntrackFilters(before, after).map((f) => f.replySrc)).toEqual(['10.244.1.7', '10.244.1.8']);
    expect(staleConntrackFilters(before, after, ['ns/b:p/UDP']).map((f) => f.replySrc)).toEqual(['10.244.1.8']);
  });
});
