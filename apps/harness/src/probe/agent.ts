// The probe agent program, run inside a client namespace: `ip netns exec <ns> node .../probe/agent.ts`.
// Reads ProbeRequest JSON lines on stdin, makes one connection attempt per request (TCP or UDP) and writes
// one ProbeResult JSON line each. Every attempt is bounded by its timeoutMs. Exits when stdin closes.
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import process from 'node:process';
import { createInterface } from 'node:readline';
import { parseEchoReply } from '../echo/protocol.ts';
import { outcomeOfErrorCode } from './protocol.ts';
import type { ProbeRequest, ProbeResult } from './protocol.ts';

const MAX_REPLY = 4096;

function tcpAttempt(req: ProbeRequest): Promise<Omit<ProbeResult, 'id' | 'elapsedMs'>> {
  return new Promise((resolve) => {
    let settled = false;
    let buffer = '';
    let connected = false;
    const socket = net.connect({ host: req.dst, port: req.port, ...(req.source ? { localAddress: req.source } : {}) });
    const done = (r: Omit<ProbeResult, 'id' | 'elapsedMs'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ outcome: 'timeout', detail: connected ? 'connected, no answer' : 'no connection' }), req.timeoutMs);
    socket.on('connect', () => {
      connected = true;
      socket.write('probe\n');
    });
    socket.on('data', (b: Buffer) => {
      buffer += b.toString('utf8');
      const nl = buffer.indexOf('\n');
      if (nl >= 0 || buffer.length > MAX_REPLY) {
        try {
          done({ outcome: 'answered', reply: parseEchoReply(buffer.slice(0, nl >= 0 ? nl : MAX_REPLY)) });
        } catch (err) {
          done({ outcome: 'error', detail: (err as Error).message });
        }
      }
    });
    socket.on('end', () => done({ outcome: 'reset', detail: 'closed without an answer' }));
    socket.on('error', (err: NodeJS.ErrnoException) => done({ outcome: outcomeOfErrorCode(err.code), detail: err.code ?? err.message }));
  });
}

function udpAttempt(req: ProbeRequest): Promise<Omit<ProbeResult, 'id' | 'elapsedMs'>> {
  return new Promise((resolve) => {
    let settled = false;
    const socket = dgram.createSocket({ type: req.dst.includes(':') ? 'udp6' : 'udp4' });
    const done = (r: Omit<ProbeResult, 'id' | 'elapsedMs'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        socket.close();
      } catch {
        // already closed
      }
      resolve(r);
    };
    const timer = setTimeout(() => done({ outcome: 'timeout', detail: 'no answer' }), req.timeoutMs);
    // A connected UDP socket receives ICMP errors (port unreachable → ECONNREFUSED) as socket errors.
    socket.on('error', (err: NodeJS.ErrnoException) => done({ outcome: outcomeOfErrorCode(err.code), detail: err.code ?? err.message }));
    socket.on('message', (msg) => {
      try {
        done({ outcome: 'answered', reply: parseEchoReply(msg.toString('utf8').split('\n')[0] ?? '') });
      } catch (err) {
        done({ outcome: 'error', detail: (err as Error).message });
      }
    });
    socket.bind({ port: 0, ...(req.source ? { address: req.source } : {}) }, () => {
      socket.connect(req.port, req.dst, (err?: Error) => {
        if (err) return done({ outcome: outcomeOfErrorCode((err as NodeJS.ErrnoException).code), detail: err.message });
        socket.send('probe\n', (sendErr) => {
          if (sendErr) done({ outcome: outcomeOfErrorCode((sendErr as NodeJS.ErrnoException).code), detail: sendErr.message });
        });
      });
    });
  });
}

// node:http rather than fetch: fetch refuses "bad ports" (1, 9, 6000, ...) before it connects.
function httpAttempt(req: ProbeRequest): Promise<Omit<ProbeResult, 'id' | 'elapsedMs'>> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: Omit<ProbeResult, 'id' | 'elapsedMs'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(r);
    };
    const request = http.get({ host: req.dst, port: req.port, path: req.path ?? '/', ...(req.source ? { localAddress: req.source } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 65536) body += chunk;
      });
      res.on('end', () => done({ outcome: 'answered', http: { status: res.statusCode ?? 0, body: body.slice(0, 65536) } }));
      res.on('error', (err: NodeJS.ErrnoException) => done({ outcome: outcomeOfErrorCode(err.code), detail: err.code ?? err.message }));
    });
    const timer = setTimeout(() => done({ outcome: 'timeout', detail: 'no HTTP answer' }), req.timeoutMs);
    request.on('error', (err: NodeJS.ErrnoException) => done({ outcome: outcomeOfErrorCode(err.code), detail: err.code ?? err.message }));
  });
}

async function attempt(req: ProbeRequest): Promise<ProbeResult> {
  const started = Date.now();
  let r: Omit<ProbeResult, 'id' | 'elapsedMs'>;
  if (req.proto === 'http') r = await httpAttempt(req);
  else if (req.proto === 'tcp') r = await tcpAttempt(req);
  else if (req.proto === 'udp') r = await udpAttempt(req);
  else r = { outcome: 'skipped', detail: 'SCTP probes are not supported (Node has no SCTP sockets)' };
  return { id: req.id, ...r, elapsedMs: Date.now() - started };
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  let req: ProbeRequest;
  try {
    req = JSON.parse(line) as ProbeRequest;
  } catch {
    return;
  }
  void attempt(req).then((result) => process.stdout.write(`${JSON.stringify(result)}\n`));
});
lines.on('close', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
