import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { scriptedExecutor } from '@kproxy/exec/testing';
import { classifyNftFailure, listCommand, nftables, parseNftVersion } from './client.ts';
import { Transaction } from './transaction.ts';
import { nftScript } from './wire-text.ts';

const LIST = JSON.stringify({
  nftables: [
    { metainfo: { version: '1.0.6', release_name: 'Lester Gooch #5', json_schema_version: 1 } },
    { table: { family: 'ip', name: 'kube-proxy', handle: 1 } },
    { set: { family: 'ip', name: 's', table: 'kube-proxy', type: 'ipv4_addr', handle: 3, elem: ['10.0.0.1'] } },
    { chain: { family: 'ip', table: 'kube-proxy', name: 'c', handle: 2 } },
    { rule: { family: 'ip', table: 'kube-proxy', chain: 'c', handle: 4, expr: [{ accept: null }] } },
  ],
});

function tx(): Transaction {
  return new Transaction({ family: 'ip', table: 'kube-proxy' }).add({ table: {} }).add({ chain: { name: 'c' } });
}

describe('nftables() client', () => {
  it('applies a transaction as one argv nft script by default, and check adds -c', async () => {
    const exec = scriptedExecutor();
    const client = nftables({ executor: exec, nftPath: '/usr/sbin/nft' });
    const t = tx();
    const result = await client.apply(t);
    await client.check(t);
    expect(exec.calls).toHaveLength(2);
    const script = 'add table ip kube-proxy\nadd chain ip kube-proxy c\n';
    expect(nftScript(t)).toBe(script);
    expect(exec.calls[0]).toEqual({ file: '/usr/sbin/nft', args: [script] });
    expect(exec.calls[1]?.args).toEqual(['-c', script]);
    expect(result).toEqual({ operations: 2, bytes: Buffer.byteLength(script), wire: 'text' });
  });

  it('with wire json, applies one argv JSON document, and check adds -c', async () => {
    const exec = scriptedExecutor();
    const client = nftables({ executor: exec, nftPath: '/usr/sbin/nft', wire: 'json' });
    const t = tx();
    const result = await client.apply(t);
    await client.check(t);
    expect(exec.calls[0]).toEqual({ file: '/usr/sbin/nft', args: ['-j', t.serialize()] });
    expect(exec.calls[1]?.args).toEqual(['-c', '-j', t.serialize()]);
    expect(result).toEqual({ operations: 2, bytes: Buffer.byteLength(t.serialize()), wire: 'json' });
  });

  it('sends a document the text syntax cannot carry as JSON', async () => {
    const exec = scriptedExecutor();
    const client = nftables({ executor: exec });
    const t = new Transaction({ family: 'ip', table: 'kp "weird" ✓' }).add({ table: {} });
    const result = await client.apply(t);
    expect(exec.calls[0]?.args).toEqual(['-j', t.serialize()]);
    expect(result.wire).toBe('json');
    const hostileComment = tx().add({ rule: { chain: 'c', expr: [{ accept: null }], comment: 'x" drop' } });
    await client.check(hostileComment);
    expect(exec.calls[1]?.args).toEqual(['-c', '-j', hostileComment.serialize()]);
  });

  it('sends large documents through a temporary file that is removed afterwards', async () => {
    const fs = await import('node:fs');
    const seen: { args: readonly string[]; text: string; path: string }[] = [];
    const exec = scriptedExecutor((call) => {
      const path = call.args[call.args.length - 1] ?? '';
      seen.push({ args: call.args, text: fs.readFileSync(path, 'utf8'), path });
      return undefined;
    });
    const t = tx();
    await nftables({ executor: exec, argvLimitBytes: 10 }).apply(t);
    await nftables({ executor: exec, argvLimitBytes: 10, wire: 'json' }).check(t);
    expect(seen[0]?.args.slice(0, 1)).toEqual(['-f']);
    expect(seen[0]?.path).toMatch(/batch\.nft$/);
    expect(seen[0]?.text).toBe(nftScript(t));
    expect(seen[1]?.args.slice(0, 3)).toEqual(['-c', '-j', '-f']);
    expect(seen[1]?.text).toBe(t.serialize());
    for (const s of seen) {
      expect(fs.statSync(path.dirname(s.path), { throwIfNoEntry: false })).toBeUndefined();
    }
  });

  it('refuses to send a set declared by typeof as JSON (nft 1.0.6 cannot read it), sending nothing', async () => {
    const exec = scriptedExecutor();
    const withTypeof = tx().add({
      map: {
        name: 'eps',
        type: ['ipv4_addr', 'integer'],
        map: 'ipv4_addr',
        typeof: { key: { concat: [{ payload: { protocol: 'ip', field: 'daddr' } }, { numgen: { mode: 'random', mod: 1 } }] }, data: { payload: { protocol: 'ip', field: 'daddr' } } },
      },
    });
    await expect(nftables({ executor: exec, wire: 'json' }).apply(withTypeof)).rejects.toMatchObject({ name: 'InvalidCommandError', index: 2 });
    expect(exec.calls).toHaveLength(0);
    await nftables({ executor: exec }).apply(withTypeof);
    expect(exec.calls[0]?.args[0]).toContain('add map ip kube-proxy eps { typeof ip daddr . numgen random mod 1 : ip daddr; }');
  });

  it('sends nothing for an empty transaction and refuses an invalid one', async () => {
    const exec = scriptedExecutor();
    const client = nftables({ executor: exec });
    expect(await client.apply(new Transaction())).toEqual({ operations: 0, bytes: 0 });
    const bad = tx().add({ chain: { name: 'x\ny' } });
    await expect(client.apply(bad)).rejects.toMatchObject({ name: 'InvalidCommandError' });
    await expect(client.apply({ nftables: [{ add: { chain: { family: 'ip', table: 't', name: '' } } }] })).rejects.toMatchObject({
      name: 'InvalidCommandError',
    });
    expect(exec.calls).toHaveLength(0);
  });

  it('classifies failures', async () => {
    const rejected = nftables({
      executor: scriptedExecutor(() => ({ exitCode: 1, stderr: 'internal:0:0-0: Error: Could not process rule: No such file or directory\n' })),
    });
    await expect(rejected.apply(tx())).rejects.toMatchObject({
      name: 'KernelRejectedError',
      detail: 'internal:0:0-0: Error: Could not process rule: No such file or directory',
    });
    await expect(rejected.list({ family: 'ip', table: 'nope' })).rejects.toMatchObject({ name: 'NotFoundError' });
    const missing = nftables({ executor: scriptedExecutor(() => ({ exitCode: 255, stderr: 'exec of "nft" failed: No such file or directory\n' })) });
    await expect(missing.apply(tx())).rejects.toMatchObject({ name: 'ExecError' });
    await expect(missing.list({ ruleset: true })).rejects.toMatchObject({ name: 'ExecError' });
    const unstartable = nftables({
      executor: { run: () => Promise.reject(Object.assign(new Error('spawn nft ENOENT'), { name: 'ExecError' })) },
    });
    await expect(unstartable.version()).rejects.toMatchObject({ name: 'ExecError' });
    expect(classifyNftFailure(['nft'], { exitCode: 1, stdout: '', stderr: 'Error: Operation not permitted' }, 'apply').name).toBe('ExecError');
    expect(classifyNftFailure(['nft'], { exitCode: 1, stdout: '', stderr: 'netlink: Error: cannot open socket: Permission denied' }, 'apply').name).toBe('ExecError');
    // nft echoes the offending text-wire line: what it says is never read as nft's diagnostic.
    const echoed = [
      '/tmp/kproxy-nft-x/batch.nft:3:1-70: Error: Could not process rule: No such file or directory',
      'add rule ip kp c jump nope comment "Error: Operation not permitted exec of "nft" failed"',
      '^^^^^^^^^^^^^^^^',
      '',
    ].join('\n');
    const err = classifyNftFailure(['nft', '-f', 'x'], { exitCode: 1, stdout: '', stderr: echoed }, 'apply');
    expect(err).toMatchObject({ name: 'KernelRejectedError', message: 'nft transaction rejected: Error: Could not process rule: No such file or directory' });
    expect(classifyNftFailure(['nft'], { exitCode: 1, stdout: '', stderr: echoed }, 'list').name).toBe('NotFoundError');
  });

  it('lists a table through a JSON list command and parses it', async () => {
    const exec = scriptedExecutor(() => ({ stdout: LIST }));
    const rs = await nftables({ executor: exec }).list({ family: 'ip', table: 'we"ird name' });
    expect(JSON.parse(exec.calls[0]?.args[1] ?? '')).toEqual({ nftables: [{ list: { table: { family: 'ip', name: 'we"ird name' } } }] });
    expect(rs.tables).toHaveLength(1);
    const table = rs.tables[0];
    expect(table?.chains.get('c')?.rules.map((r) => r.handle)).toEqual([4]);
    expect(table?.sets.get('s')).toMatchObject({ kind: 'set', elements: ['10.0.0.1'] });
    await nftables({ executor: exec }).list({ ruleset: true });
    expect(exec.calls[1]?.args).toEqual(['-j', 'list', 'ruleset']);
    await nftables({ executor: exec }).list({ chains: true });
    expect(exec.calls[2]?.args).toEqual(['-j', 'list', 'chains']);
    await nftables({ executor: exec }).list({ family: 'ip', table: 't', map: 'm x' });
    expect(JSON.parse(exec.calls[3]?.args[1] ?? '')).toEqual({ nftables: [{ list: { map: { family: 'ip', table: 't', name: 'm x' } } }] });
    expect(listCommand({ family: 'ip6', table: 't', chain: 'c' })).toEqual({ list: { chain: { family: 'ip6', table: 't', name: 'c' } } });
    expect(listCommand({ family: 'ip6', table: 't', set: 's' })).toEqual({ list: { set: { family: 'ip6', table: 't', name: 's' } } });
  });

  it('detects the version and JSON support', async () => {
    const v = scriptedExecutor((call) =>
      call.args[0] === '-V' ? { stdout: 'nftables v1.0.6 (Lester Gooch #5)\n  cli:\t\teditline\n  json:\t\tyes\n' } : { exitCode: 1 },
    );
    expect(await nftables({ executor: v }).version()).toEqual({ version: '1.0.6', parts: [1, 0, 6], json: true });
    expect(v.calls.map((c) => c.args)).toEqual([['-V']]);
    const noJsonBuild = scriptedExecutor(() => ({ stdout: 'nftables v1.1.1 (Commodore Bullmoose #2)\n  json:\t\tno\n' }));
    expect((await nftables({ executor: noJsonBuild }).version()).json).toBe(false);
    const old = scriptedExecutor((call) =>
      call.args[0] === '--version' ? { stdout: 'nftables v0.9.8 (E.D.S.)\n' } : call.args[0] === '-V' ? { exitCode: 1, stderr: 'unknown option' } : { stdout: '' },
    );
    expect(await nftables({ executor: old }).version()).toEqual({ version: '0.9.8', parts: [0, 9, 8], json: true });
    expect(old.calls.map((c) => c.args)).toEqual([['-V'], ['--version'], ['-c', '-j', '{"nftables": []}']]);
    const noJson = scriptedExecutor((call) =>
      call.args[0] === '--version' ? { stdout: 'nftables v0.9.3 (Topsy)\n' } : { exitCode: 1, stderr: 'Error: JSON support not compiled-in' },
    );
    expect(await nftables({ executor: noJson }).version()).toEqual({ version: '0.9.3', parts: [0, 9, 3], json: false });
    expect(parseNftVersion('nftables v1.1\n')).toEqual({ version: '1.1.0', parts: [1, 1, 0] });
    expect(parseNftVersion('garbage')).toBeUndefined();
  });
});
