// The forwarder program, run inside the node namespace:
//   ip netns exec <ns> node .../kernel-runner/forwarder.ts '{"host":"127.0.0.1","port":6443,"unix":"/tmp/.../api.sock"}'
// Listens on host:port inside the namespace and pipes every connection to a Unix socket. Unix sockets live
// in the file system, not in a network namespace: this is how a daemon in the node namespace reaches the
// embedded API server without any network link to the host's namespace. Exits when stdin closes.
import net from 'node:net';
import process from 'node:process';

const config = JSON.parse(process.argv[2] ?? '{}') as { host: string; port: number; unix: string };
const sockets = new Set<net.Socket>();
const server = net.createServer((inbound) => {
  const outbound = net.connect(config.unix);
  sockets.add(inbound).add(outbound);
  const close = (): void => {
    inbound.destroy();
    outbound.destroy();
    sockets.delete(inbound);
    sockets.delete(outbound);
  };
  inbound.on('error', close).on('close', close);
  outbound.on('error', close).on('close', close);
  inbound.pipe(outbound);
  outbound.pipe(inbound);
});
server.once('error', (err) => {
  process.stderr.write(`forwarder: ${err.message}\n`);
  process.exit(1);
});
server.listen({ host: config.host, port: config.port }, () => {
  const address = server.address() as net.AddressInfo;
  process.stdout.write(`${JSON.stringify({ ready: true, port: address.port })}\n`);
});
function shutdown(): void {
  server.close();
  for (const s of sockets) s.destroy();
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.stdin.on('end', shutdown);
process.stdin.on('error', shutdown);
process.stdin.resume();
