import type { EchoProtocol, EchoReply } from '../echo/protocol.ts';

/** One connection attempt, sent to the probe agent as a JSON line. */
export interface ProbeRequest {
  readonly id: number;
  /** `http`: a GET of `path` (health checks of a daemon inside the namespace). */
  readonly proto: EchoProtocol | 'http';
  /** For `http`: the path to GET. */
  readonly path?: string;
  readonly dst: string;
  readonly port: number;
  /** Bind this source address (the client namespace may hold several). */
  readonly source?: string;
  /** Give up after this long. */
  readonly timeoutMs: number;
}

/**
 * What one attempt saw:
 * - `answered`: an echo server replied (who, and the source it saw);
 * - `refused`: TCP RST or ICMP port unreachable (ECONNREFUSED): a REJECT;
 * - `unreachable`: ICMP host/net unreachable or prohibited (EHOSTUNREACH, ENETUNREACH): also a rejection;
 * - `blocked`: the local stack refused to send (EPERM: a drop in this namespace's own output path);
 * - `timeout`: nothing came back in time (a DROP, or no route);
 * - `reset`: connected, then reset before an answer;
 * - `skipped`: the probe cannot be sent here (SCTP), with the reason;
 * - `error`: anything else, with the message.
 */
export type ProbeOutcome = 'answered' | 'refused' | 'unreachable' | 'blocked' | 'timeout' | 'reset' | 'skipped' | 'error';

/** The agent's answer to one request. */
export interface ProbeResult {
  readonly id: number;
  readonly outcome: ProbeOutcome;
  readonly reply?: EchoReply;
  /** For `http`: the status code and (at most 64 KiB of) the body. */
  readonly http?: { readonly status: number; readonly body: string };
  readonly detail?: string;
  readonly elapsedMs: number;
}

/** Maps a socket error code to an outcome. Pure. */
export function outcomeOfErrorCode(code: string | undefined): ProbeOutcome {
  switch (code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
      return 'unreachable';
    case 'EPERM':
    case 'EACCES':
      return 'blocked';
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'reset';
    default:
      return 'error';
  }
}
