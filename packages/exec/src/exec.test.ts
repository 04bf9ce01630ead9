import { describe, expect, it } from '@jest/globals';
import { netnsExecutor, runChecked, spawnExecutor } from './index.ts';
import { scriptedExecutor } from './testing/index.ts';

describe('spawnExecutor', () => {
  const exec = spawnExecutor();

  it('passes arguments verbatim, never through a shell', async () => {
    const hostile = `a'b"c; rm -rf / $(id) \`x\` \n*`;
    const r = await exec.run(process.execPath, ['-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', hostile]);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([hostile]);
  });

  it('feeds stdin and returns a non-zero exit code without rejecting', async () => {
    const r = await exec.run(process.execPath, ['-e', 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{process.stderr.write(s.toUpperCase());process.exit(3)})'], { stdin: 'hello' });
    expect(r).toEqual({ exitCode: 3, stdout: '', stderr: 'HELLO' });
  });

  it('starts a long-running program: lines in, output out on both streams, closed on demand', async () => {
    const start = exec.start;
    if (!start) throw new Error('spawnExecutor has no start');
    const s = start(process.execPath, ['-e', 'process.stdin.on("data",d=>{process.stdout.write("out:"+d);process.stderr.write("err:"+d)})']);
    const seen: string[] = [];
    const both = new Promise<void>((resolve) => {
      s.onOutput((stream, text) => {
        seen.push(`${stream} ${text}`);
        if (seen.length >= 2) resolve();
      });
    });
    s.write('ping\n');
    await both;
    expect(seen.sort()).toEqual(['stderr err:ping\n', 'stdout out:ping\n']);
    s.close();
    s.close();
    expect(await s.exited).toBeNull();
  });

  it('starts a long-running program with extra environment variables', async () => {
    const s = exec.start?.(process.execPath, ['-e', 'process.stdout.write(String(process.env.KP_TEST_VAR))'], { env: { KP_TEST_VAR: 'set' } });
    if (!s) throw new Error('spawnExecutor has no start');
    let out = '';
    s.onOutput((_stream, text) => (out += text));
    expect(await s.exited).toBe(0);
    expect(out).toBe('set');
  });

  it('reports a program that cannot start as exited', async () => {
    const s = exec.start?.('/nonexistent/program', []);
    expect(await s?.exited).toBeNull();
  });

  it('rejects with ExecError when the program does not exist', async () => {
    await expect(exec.run('/nonexistent/kproxy-tool', [])).rejects.toMatchObject({ name: 'ExecError' });
  });

  it('kills a program that outlives its timeout', async () => {
    await expect(exec.run(process.execPath, ['-e', 'setTimeout(()=>{}, 10000)'], { timeoutMs: 100 })).rejects.toMatchObject({
      name: 'ExecError',
      message: expect.stringMatching(/timed out/),
    });
  });
});

describe('runChecked', () => {
  it('throws ExecError with stderr on failure and returns the result on success', async () => {
    const fake = scriptedExecutor((c) => (c.args[0] === 'bad' ? { exitCode: 2, stderr: 'no such table' } : { stdout: 'ok' }));
    await expect(runChecked(fake, 'nft', ['good'])).resolves.toMatchObject({ stdout: 'ok' });
    await expect(runChecked(fake, 'nft', ['bad'])).rejects.toMatchObject({ name: 'ExecError', exitCode: 2, stderr: 'no such table' });
  });
});

describe('netnsExecutor', () => {
  it('prefixes ip netns exec and keeps argv', async () => {
    const fake = scriptedExecutor();
    await netnsExecutor('kp-test-1', fake).run('nft', ['-j', '-f', '-'], { stdin: '{}' });
    expect(fake.calls).toEqual([{ file: 'ip', args: ['netns', 'exec', 'kp-test-1', 'nft', '-j', '-f', '-'], stdin: '{}' }]);
  });

  it('starts long-running programs inside the namespace too, when the inner executor can', () => {
    const started: string[][] = [];
    const noop = (): void => undefined;
    const inner = {
      ...scriptedExecutor(),
      start: (file: string, args: readonly string[]) => (started.push([file, ...args]), { write: noop, onOutput: noop, exited: Promise.resolve(0), close: noop }),
    };
    netnsExecutor('kp-1', inner).start?.('nft', ['-i']);
    expect(started).toEqual([['ip', 'netns', 'exec', 'kp-1', 'nft', '-i']]);
    expect(netnsExecutor('kp-1', scriptedExecutor()).start).toBeUndefined();
  });

  it('refuses namespace names that are not plain', () => {
    expect(() => netnsExecutor('a b', scriptedExecutor())).toThrow(/invalid network namespace/);
    expect(() => netnsExecutor('../x/y', scriptedExecutor())).toThrow(/invalid network namespace/);
  });
});
