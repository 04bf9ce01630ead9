/** Transport protocols the echo server and the probes speak (SCTP is refused by kernels without it). */
export type EchoProtocol = 'tcp' | 'udp' | 'sctp';

/** One socket the echo server listens on. */
export interface EchoListen {
  readonly proto: EchoProtocol;
  /** The address to bind: the endpoint's own address, so replies leave from it. */
  readonly host: string;
  readonly port: number;
}

/** The echo server's configuration, passed as one JSON argument. */
export interface EchoConfig {
  /** A label the server repeats in every answer (e.g. the endpoint address or pod name). */
  readonly name: string;
  readonly listen: readonly EchoListen[];
  /** The server exits after this long even if nobody stops it. Default 15 minutes. */
  readonly maxLifetimeMs?: number;
}

/** The answer to every request: who answered and which source address:port it saw. One JSON line. */
export interface EchoReply {
  readonly name: string;
  readonly proto: EchoProtocol;
  /** The server's address:port (`10.244.0.5:8080`, `[fd00::5]:8080`). */
  readonly server: string;
  /** The source address:port the server saw (after any SNAT on the way). */
  readonly client: string;
}

/** The first line the server prints once every socket is bound (or why one could not be). */
export interface EchoReady {
  readonly ready: boolean;
  readonly listening: readonly string[];
  /** Sockets that could not be opened (e.g. SCTP on a kernel without it), with the reason. */
  readonly skipped: readonly { readonly listen: string; readonly reason: string }[];
}

/** `ip:port`, with IPv6 addresses in brackets. */
export function joinHostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Splits `ip:port` / `[ip6]:port`. */
export function splitHostPort(text: string): { ip: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  if (!m) throw new TypeError(`not an address:port: ${JSON.stringify(text)}`);
  return { ip: m[1] ?? '', port: Number(m[2]) };
}

/** Parses and checks one reply line; throws a TypeError naming what is wrong. */
export function parseEchoReply(line: string): EchoReply {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new TypeError(`echo reply is not JSON: ${JSON.stringify(line.slice(0, 200))}`);
  }
  const v = value as Partial<Record<keyof EchoReply, unknown>>;
  if (typeof v !== 'object' || v === null) throw new TypeError('echo reply is not an object');
  for (const key of ['name', 'proto', 'server', 'client'] as const) {
    if (typeof v[key] !== 'string') throw new TypeError(`echo reply lacks ${key}`);
  }
  splitHostPort(v.server as string);
  splitHostPort(v.client as string);
  return v as EchoReply;
}
