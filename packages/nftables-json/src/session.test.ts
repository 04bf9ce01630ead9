import { describe, expect, it } from '@jest/globals';
import type { Executor, Session, StartOptions } from '@kproxy/api';
import { scriptedExecutor } from '@kproxy/exec/testing';
import { nftables } from './client.ts';
import { NftSession } from './session.ts';
import { Transaction } from './transaction.ts';

/**
 * A stand-in for `nft -i`: answers each input line the way nft 1.0.6 does on standard error (an `Error:` line,
 * the echoed input line, a caret line), in several chunks, some of them late. Lines containing `REFUSE` fail,
 * lines containing `HANG` are never answered, `DIE` ends the process.
 */
function fakeNftInteractive(): { start: NonNullable<Executor['start']>; lines: string[]; started: number; envs: (Readonly<Record<string, string>> | undefined)[] } {
  const state = { lines: [] as string[], started: 0, envs: [] as (Readonly<Record<string, string>> | undefined)[] };
  const start = (_file: string, _args: readonly string[], options?: StartOptions): Session => {
    state.started++;
    state.envs.push(options?.env);
    const listeners: ((stream: 'stdout' | 'stderr', text: string) => void)[] = [];
    let exit: (code: number | null) => void = () => undefined;
    const exited = new Promise<number | null>((r) => (exit = r));
    let alive = true;
    const emit = (text: string, late = false) => {
      const send = () => alive && listeners.forEach((l) => l('stderr', text));
      if (late) setTimeout(send, 5);
      else queueMicrotask(send);
    };
    const error = (line: string, message: string) => {
      emit(`Error: ${message}\n`);
      emit(`${line}\n`);
      emit(`${' '.repeat(12)}^^^^^\n`, true);
    };
    return {
      write(text) {
        for (const line of text.split('\n').filter((l) => l !== '')) {
          state.lines.push(line);
          if (line.includes('DIE')) {
            alive = false;
            exit(1);
          } else if (line.includes('HANG')) return;
          else if (line.startsWith('list table ip kproxy_session_marker_')) error(line, 'No such file or directory');
          else if (line.includes('REFUSE')) error(line, 'Could not process rule: No such file or directory');
          else if (line.includes('WARN')) emit('Warning: something harmless\n');
        }
      },
      onOutput: (l) => void listeners.push(l),
      exited,
      close() {
        alive = false;
        exit(null);
      },
    };
  };
  return {
    start,
    get lines() {
      return state.lines;
    },
    get started() {
      return state.started;
    },
    get envs() {
      return state.envs;
    },
  };
}

const elements = (...names: string[]) => {
  const tx = new Transaction({ family: 'ip', table: 'kp' });
  for (const n of names) tx.add({ element: { name: n, elem: ['10.0.0.1'] } });
  return tx;
};

describe('NftSession (nft -i)', () => {
  it('sends a batch as one line of commands and tells refusals from successes, with late caret lines', async () => {
    const fake = fakeNftInteractive();
    const session = NftSession.over({ run: scriptedExecutor().run, start: fake.start }, 'nft', 60_000);
    if (!session) throw new Error('no session');
    expect(await session.apply('add element ip kp a { 1 }; add element ip kp b { 2 }', 1000)).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    expect(fake.lines[0]).toBe('add element ip kp a { 1 }; add element ip kp b { 2 }');
    const refused = await session.apply('add element ip kp REFUSE { 1 }', 1000);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('Error: Could not process rule');
    expect(refused.stderr).not.toContain('kproxy_session_marker');
    // The late caret lines of the refusal and of the markers do not make the next batches fail.
    expect((await session.apply('add element ip kp c { 3 }', 1000)).exitCode).toBe(0);
    expect((await session.apply('add element ip kp WARN { 3 }', 1000)).exitCode).toBe(0);
    expect((await session.apply('add element ip kp d { 4 }', 1000)).exitCode).toBe(0);
    // A refused batch whose echo spells a marker (but not this batch's: the token is random) is still refused.
    const spelled = await session.apply('add element ip kp REFUSE { 1 } comment "x\\nlist table ip kproxy_session_marker_00_1"', 1000);
    expect(spelled.exitCode).toBe(1);
    expect(fake.started).toBe(1);
    session.close();
  });

  it('fails a batch whose answer never comes or whose process dies, and starts a new process for the next', async () => {
    const fake = fakeNftInteractive();
    const session = NftSession.over({ run: scriptedExecutor().run, start: fake.start }, 'nft', 60_000);
    if (!session) throw new Error('no session');
    await expect(session.apply('add element ip kp HANG { 1 }', 50)).rejects.toMatchObject({ name: 'ExecError' });
    expect((await session.apply('add element ip kp a { 1 }', 1000)).exitCode).toBe(0);
    await expect(session.apply('add element ip kp DIE { 1 }', 1000)).rejects.toMatchObject({ name: 'ExecError' });
    expect((await session.apply('add element ip kp b { 1 }', 1000)).exitCode).toBe(0);
    expect(fake.started).toBe(3);
    await expect(session.apply('two\nlines', 1000)).rejects.toThrow('one line');
    session.close();
  });

  it('keeps nft from saving its history (no writable HOME) and starts a fresh process every 500 batches', async () => {
    const fake = fakeNftInteractive();
    const session = NftSession.over({ run: scriptedExecutor().run, start: fake.start }, 'nft', 60_000);
    if (!session) throw new Error('no session');
    for (let i = 0; i < 501; i++) expect((await session.apply(`add element ip kp a { ${i} }`, 1000)).exitCode).toBe(0);
    expect(fake.started).toBe(2);
    expect(fake.envs).toEqual([{ HOME: '/dev/null' }, { HOME: '/dev/null' }]);
    session.close();
  });

  it('is one per executor object; executors that cannot keep a process get none', () => {
    const fake = fakeNftInteractive();
    const executor = { run: scriptedExecutor().run, start: fake.start };
    expect(NftSession.over(executor, 'nft')).toBe(NftSession.over(executor, 'nft'));
    expect(NftSession.over(executor, '/usr/sbin/nft')).not.toBe(NftSession.over(executor, 'nft'));
    expect(NftSession.over(scriptedExecutor(), 'nft')).toBeUndefined();
  });
});

describe('nftables() client over a session', () => {
  it('applies small text batches through the session; large ones, checks and the JSON wire run nft', async () => {
    const fake = fakeNftInteractive();
    const scripted = scriptedExecutor();
    const client = nftables({ executor: { run: scripted.run, start: fake.start }, sessionLimitBytes: 100 });
    expect(await client.apply(elements('a', 'b'))).toEqual({ operations: 2, bytes: 70, wire: 'text', session: true });
    expect(fake.lines[0]).toBe('add element ip kp a { "10.0.0.1" }; add element ip kp b { "10.0.0.1" }');
    await expect(client.apply(elements('REFUSE'))).rejects.toMatchObject({ name: 'KernelRejectedError' });
    expect((await client.apply(elements('a', 'b', 'c', 'd', 'e'))).session).toBeUndefined();
    await client.check(elements('a'));
    expect(scripted.calls.map((c) => c.args[0])).toEqual([expect.stringContaining('add element ip kp a'), '-c']);
    const json = nftables({ executor: { run: scripted.run, start: fake.start }, wire: 'json' });
    expect((await json.apply(elements('a'))).session).toBeUndefined();
    const off = nftables({ executor: { run: scripted.run, start: fake.start }, session: false });
    expect((await off.apply(elements('a'))).session).toBeUndefined();
    client.close?.();
  });
});
