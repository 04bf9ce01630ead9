import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstLine, spawnInNamespace } from '../echo/start.ts';

const FORWARDER = fileURLToPath(new URL('./forwarder.ts', import.meta.url));

/** A path from a namespace's loopback to a TCP service on the host's loopback, through a Unix socket. */
export interface ApiBridge {
  /** `http://127.0.0.1:<port>` as seen from inside the namespace. */
  readonly url: string;
  /** The private directory holding the socket (also a good place for the kubeconfig). */
  readonly dir: string;
  close(): Promise<void>;
}

/**
 * Makes `http://127.0.0.1:<port>` inside `namespace` reach `127.0.0.1:<targetPort>` on the host: a Unix
 * socket in a private 0700 directory relays to the target, and a forwarder inside the namespace relays to
 * the socket. No network link to the host's namespace is created.
 */
export async function bridgeToNamespace(namespace: string, targetPort: number, insidePort = 6443): Promise<ApiBridge> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kph-api-'));
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeDir);
  const unix = path.join(dir, 'api.sock');
  const open = new Set<net.Socket>();
  const relay = net.createServer((inbound) => {
    const outbound = net.connect(targetPort, '127.0.0.1');
    open.add(inbound).add(outbound);
    const close = (): void => {
      inbound.destroy();
      outbound.destroy();
      open.delete(inbound);
      open.delete(outbound);
    };
    inbound.on('error', close).on('close', close);
    outbound.on('error', close).on('close', close);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise<void>((resolve, reject) => {
    relay.once('error', reject);
    relay.listen(unix, () => resolve());
  });
  const forwarder = spawnInNamespace(namespace, FORWARDER, [JSON.stringify({ host: '127.0.0.1', port: insidePort, unix })]);
  const close = async (): Promise<void> => {
    await forwarder.stop(1000);
    for (const s of open) s.destroy();
    await new Promise<void>((resolve) => relay.close(() => resolve()));
    removeDir();
    process.removeListener('exit', removeDir);
  };
  try {
    const ready = JSON.parse(await firstLine(forwarder, 10_000, `API forwarder in ${namespace}`)) as { port: number };
    return { url: `http://127.0.0.1:${ready.port}`, dir, close };
  } catch (err) {
    await close();
    throw err;
  }
}
