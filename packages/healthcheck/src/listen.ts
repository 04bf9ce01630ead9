import type { Server } from 'node:http';

/** A `host:port` listen address split into parts (IPv6 hosts may be bracketed: `[::]:10256`). */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** Parses `host:port` (`0.0.0.0:10256`, `[::1]:10249`, `:10256`); throws `RangeError` on bad input. Pure. */
export function parseListenAddress(text: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]*)):(\d{1,5})$/.exec(text.trim());
  if (!m) throw new RangeError(`invalid listen address ${JSON.stringify(text)}: want host:port`);
  const port = Number(m[3]);
  if (port > 65535) throw new RangeError(`invalid port in listen address ${JSON.stringify(text)}`);
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? '0.0.0.0' : host, port };
}

/** Starts `server` listening and resolves with the bound port (useful when port 0 was asked for). */
export function listenOn(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** Closes `server`, dropping idle keep-alive connections so the close does not hang. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
