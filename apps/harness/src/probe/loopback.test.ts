// The echo server and probe agent programs, run as plain child processes on loopback (no namespaces, no
// root): what they answer, and how refusals and silence are told apart.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { EchoReady } from '../echo/protocol.ts';
import type { ProbeRequest, ProbeResult } from './protocol.ts';

const SERVER = fileURLToPath(new URL('../echo/server.ts', import.meta.url));
const AGENT = fileURLToPath(new URL('./agent.ts', import.meta.url));

function start(file: string, args: string[]): { child: ChildProcess; lines: AsyncIterator<string> } {
  const child = spawn(process.execPath, ['--no-warnings', file, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  return { child, lines: createInterface({ input: child.stdout! })[Symbol.asyncIterator]() };
}

async function next(lines: AsyncIterator<string>): Promise<string> {
  const r = await lines.next();
  if (r.done) throw new Error('the program ended');
  return r.value;
}

let server: ReturnType<typeof start>;
let agent: ReturnType<typeof start>;
let ready: EchoReady;
let id = 0;

async function attempt(req: Omit<ProbeRequest, 'id'>): Promise<ProbeResult> {
  agent.child.stdin!.write(`${JSON.stringify({ ...req, id: ++id })}\n`);
  return JSON.parse(await next(agent.lines)) as ProbeResult;
}

const port = (proto: string): number => Number(ready.listening.find((l) => l.startsWith(`${proto}/`))?.split(':').pop());

beforeAll(async () => {
  server = start(SERVER, [
    JSON.stringify({ name: 'pod-a', listen: [{ proto: 'tcp', host: '127.0.0.1', port: 0 }, { proto: 'udp', host: '127.0.0.1', port: 0 }, { proto: 'sctp', host: '127.0.0.1', port: 0 }] }),
  ]);
  ready = JSON.parse(await next(server.lines)) as EchoReady;
  agent = start(AGENT, []);
  expect(JSON.parse(await next(agent.lines))).toEqual({ ready: true });
});

afterAll(() => {
  server.child.stdin!.end();
  agent.child.stdin!.end();
});

describe('echo server and probe agent on loopback', () => {
  it('binds TCP and UDP, and reports SCTP as skipped with the reason', () => {
    expect(ready.listening).toHaveLength(2);
    expect(port('tcp')).toBeGreaterThan(0);
    expect(ready.skipped).toEqual([{ listen: 'sctp/127.0.0.1:0', reason: expect.stringMatching(/SCTP/) }]);
  });

  it('answers TCP and UDP with who answered and the source it saw', async () => {
    for (const proto of ['tcp', 'udp'] as const) {
      const r = await attempt({ proto, dst: '127.0.0.1', port: port(proto), timeoutMs: 2000 });
      expect(r.outcome).toBe('answered');
      expect(r.reply).toMatchObject({ name: 'pod-a', proto, server: `127.0.0.1:${port(proto)}`, client: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
    }
  });

  // Silence (timeouts) is checked in the namespace kernel tests: here traffic stays on loopback.
  it('reports a closed port as refused, for TCP and UDP', async () => {
    const closed = port('tcp') === 1 ? 2 : 1;
    expect((await attempt({ proto: 'tcp', dst: '127.0.0.1', port: closed, timeoutMs: 2000 })).outcome).toBe('refused');
    expect((await attempt({ proto: 'udp', dst: '127.0.0.1', port: closed, timeoutMs: 2000 })).outcome).toBe('refused');
  });

  it('skips SCTP and answers HTTP errors as outcomes', async () => {
    expect((await attempt({ proto: 'sctp', dst: '127.0.0.1', port: 1, timeoutMs: 500 })).outcome).toBe('skipped');
    expect((await attempt({ proto: 'http', dst: '127.0.0.1', port: port('tcp') === 1 ? 2 : 1, path: '/healthz', timeoutMs: 1000 })).outcome).toBe('refused');
  });
});
