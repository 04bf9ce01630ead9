// The echo server program, run inside an endpoint namespace:
//   ip netns exec <ns> node .../echo/server.ts '<EchoConfig as JSON>'
// Every TCP connection (on its first bytes) and every UDP datagram gets one JSON line: who answered and the
// source address it saw. It prints an EchoReady line once bound, and exits when stdin closes (its parent
// is gone), on SIGTERM, or after maxLifetimeMs.
import dgram from 'node:dgram';
import net from 'node:net';
import process from 'node:process';
import { joinHostPort } from './protocol.ts';
import type { EchoConfig, EchoListen, EchoReady, EchoReply } from './protocol.ts';

const config = JSON.parse(process.argv[2] ?? '{}') as EchoConfig;
const closers: (() => void)[] = [];

function reply(listen: EchoListen, remoteIp: string, remotePort: number): string {
  const answer: EchoReply = {
    name: config.name,
    proto: listen.proto,
    server: joinHostPort(listen.host, listen.port),
    client: joinHostPort(remoteIp, remotePort),
  };
  return `${JSON.stringify(answer)}\n`;
}

// Port 0 asks the kernel for a free port; the bound port is what answers and the ready line report.
function listenTcp(l: EchoListen): Promise<EchoListen> {
  return new Promise((resolve, reject) => {
    let bound: EchoListen = l;
    const server = net.createServer((socket) => {
      socket.setTimeout(5000, () => socket.destroy());
      socket.once('data', () => socket.end(reply(bound, socket.remoteAddress ?? '?', socket.remotePort ?? 0)));
      socket.on('error', () => socket.destroy());
    });
    server.once('error', reject);
    server.listen({ host: l.host, port: l.port, exclusive: true }, () => {
      bound = { ...l, port: (server.address() as net.AddressInfo).port };
      resolve(bound);
    });
    closers.push(() => server.close());
  });
}

function listenUdp(l: EchoListen): Promise<EchoListen> {
  return new Promise((resolve, reject) => {
    let bound: EchoListen = l;
    const socket = dgram.createSocket({ type: l.host.includes(':') ? 'udp6' : 'udp4' });
    socket.on('message', (_msg, rinfo) => socket.send(reply(bound, rinfo.address, rinfo.port), rinfo.port, rinfo.address));
    socket.once('error', reject);
    socket.bind({ address: l.host, port: l.port, exclusive: true }, () => {
      socket.removeListener('error', reject);
      socket.on('error', (err) => process.stderr.write(`udp ${l.host}:${l.port}: ${err.message}\n`));
      bound = { ...l, port: socket.address().port };
      resolve(bound);
    });
    closers.push(() => socket.close());
  });
}

const ready: EchoReady = { ready: true, listening: [], skipped: [] };
for (const l of config.listen ?? []) {
  const label = `${l.proto}/${joinHostPort(l.host, l.port)}`;
  try {
    let bound: EchoListen;
    if (l.proto === 'tcp') bound = await listenTcp(l);
    else if (l.proto === 'udp') bound = await listenUdp(l);
    // Node has no SCTP sockets; the harness reports SCTP listens as skipped with this reason.
    else throw new Error('SCTP is not supported by the echo server (Node has no SCTP sockets)');
    (ready.listening as string[]).push(`${bound.proto}/${joinHostPort(bound.host, bound.port)}`);
  } catch (err) {
    (ready.skipped as { listen: string; reason: string }[]).push({ listen: label, reason: (err as Error).message });
  }
}
process.stdout.write(`${JSON.stringify(ready)}\n`);

function shutdown(): void {
  for (const close of closers) close();
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.stdin.on('end', shutdown);
process.stdin.on('error', shutdown);
process.stdin.resume();
setTimeout(shutdown, config.maxLifetimeMs ?? 15 * 60_000).unref();
