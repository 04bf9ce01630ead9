import { describe, expect, it } from '@jest/globals';
import { spawnExecutor } from '@kproxy/exec';
import { netnsSupport, withNetns } from '@kproxy/netns';
import { conntrackCleaner, staleConntrackFilters } from './index.ts';
import { ep, sp, st } from '../test/state.ts';

const support = await netnsSupport();
const tool = await spawnExecutor()
  .run('conntrack', ['--version'])
  .then((r) => r.exitCode === 0)
  .catch(() => false);
const reason = !support.ok ? support.reason : !tool ? 'the conntrack tool is not installed' : undefined;
if (reason) console.warn(`skipping conntrack kernel tests: ${reason}`);
const maybe = reason ? describe.skip : describe;

maybe('conntrack cleanup in a network namespace', () => {
  it('deletes exactly the entries of the removed endpoint', async () => {
    await withNetns(async (ns) => {
      const insert = (sport: number, replySrc: string) =>
        ns.run('conntrack', [
          '-I', '-p', 'udp', '-s', '10.244.0.5', '-d', '10.96.0.10', '--sport', String(sport), '--dport', '53',
          '--reply-src', replySrc, '--reply-dst', '10.244.0.5', '--reply-port-src', '5353',
          '--reply-port-dst', String(sport), '-t', '120', '-u', 'SEEN_REPLY',
        ]);
      await insert(40001, '10.244.1.7');
      await insert(40002, '10.244.1.7');
      await insert(40003, '10.244.2.8');
      const before = st([sp('dns', 'UDP', [ep('10.244.1.7'), ep('10.244.2.8')])]);
      const after = st([sp('dns', 'UDP', [ep('10.244.2.8')])]);
      const cleaner = conntrackCleaner({ executor: ns.executor });
      expect(await cleaner.clean(staleConntrackFilters(before, after))).toEqual({ deleted: 2, failed: 0 });
      const left = await ns.executor.run('conntrack', ['-L', '-p', 'udp']);
      expect(left.stdout).toContain('sport=40003');
      expect(left.stdout).not.toContain('sport=40001');
      expect(left.stdout).not.toContain('sport=40002');
      // Again: nothing left to delete is not an error.
      expect(await cleaner.clean(staleConntrackFilters(before, after))).toEqual({ deleted: 0, failed: 0 });
    }, 'kpct');
  });
});
