import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { firstLine, spawnInNamespace } from '../echo/start.ts';
import type { NamespaceChild } from '../echo/start.ts';
import type { EchoProtocol } from '../echo/protocol.ts';
import type { ProbeRequest, ProbeResult } from './protocol.ts';

const AGENT = fileURLToPath(new URL('./agent.ts', import.meta.url));

/** A probe agent running inside one client namespace. */
export interface ProbeAgent {
  readonly namespace: string;
  /** One connection attempt; resolves with what it saw (never rejects for network outcomes). */
  attempt(req: Omit<ProbeRequest, 'id'>): Promise<ProbeResult>;
  stop(): Promise<void>;
}

/** Starts a probe agent inside a namespace and waits (bounded) until it reads requests. */
export async function startProbeAgent(namespace: string, timeoutMs = 10_000): Promise<ProbeAgent> {
  const c: NamespaceChild = spawnInNamespace(namespace, AGENT, []);
  try {
    await firstLine(c, timeoutMs, `probe agent in ${namespace}`);
  } catch (err) {
    await c.stop(500);
    throw err;
  }
  const pending = new Map<number, (r: ProbeResult) => void>();
  let nextId = 1;
  const lines = createInterface({ input: c.child.stdout! });
  lines.on('line', (line) => {
    let r: ProbeResult;
    try {
      r = JSON.parse(line) as ProbeResult;
    } catch {
      return;
    }
    pending.get(r.id)?.(r);
    pending.delete(r.id);
  });
  c.child.once('exit', (code) => {
    for (const [id, resolve] of pending) resolve({ id, outcome: 'error', detail: `probe agent exited (${code})`, elapsedMs: 0 });
    pending.clear();
  });
  return {
    namespace,
    attempt(req) {
      const id = nextId++;
      return new Promise((resolve) => {
        // The agent bounds each attempt itself; this watchdog only covers an agent that stopped answering.
        const watchdog = setTimeout(() => {
          pending.delete(id);
          resolve({ id, outcome: 'error', detail: 'probe agent did not answer', elapsedMs: req.timeoutMs + 3000 });
        }, req.timeoutMs + 3000);
        pending.set(id, (r) => {
          clearTimeout(watchdog);
          resolve(r);
        });
        c.child.stdin?.write(`${JSON.stringify({ ...req, id })}\n`);
      });
    },
    async stop() {
      lines.close();
      await c.stop(1000);
    },
  };
}

/** One flow to observe: `connections` attempts from one agent to dst:port. */
export interface FlowProbe {
  readonly proto: EchoProtocol;
  readonly dst: string;
  readonly port: number;
  readonly source?: string;
  /** Connections to make (each a new socket, so a new source port and a new conntrack entry). Default 1. */
  readonly connections?: number;
  /** Per-attempt timeout. Default 1000 ms for TCP, 800 ms for UDP. */
  readonly timeoutMs?: number;
  /** Extra attempts for a connection that timed out (rules may still be settling). Default 0. */
  readonly retries?: number;
  /** Stop early once this many distinct servers answered (e.g. all expected endpoints seen)... */
  readonly stopAfterServers?: number;
  /** ...but not before this many connections. Default 0. */
  readonly minConnections?: number;
}

/** What a flow saw over all its connections. */
export interface FlowObservation {
  /** Per answering server (`ip:port`): how often it answered and the client addresses (ip only) it saw. */
  readonly answers: ReadonlyMap<string, { count: number; sources: ReadonlySet<string> }>;
  /** How many connections ended in each outcome. */
  readonly outcomes: Readonly<Partial<Record<ProbeResult['outcome'], number>>>;
  /** Details of non-answers (first few), for messages. */
  readonly details: readonly string[];
  readonly connections: number;
  readonly elapsedMs: number;
}

/** Makes the connections of a flow (sequentially, each bounded) and summarises them. */
export async function probeFlow(agent: ProbeAgent, flow: FlowProbe): Promise<FlowObservation> {
  const started = Date.now();
  const count = Math.max(1, Math.min(flow.connections ?? 1, 1000));
  const retries = Math.max(0, Math.min(flow.retries ?? 0, 10));
  const timeoutMs = flow.timeoutMs ?? (flow.proto === 'udp' ? 800 : 1000);
  const answers = new Map<string, { count: number; sources: Set<string> }>();
  const outcomes: Partial<Record<ProbeResult['outcome'], number>> = {};
  const details: string[] = [];
  let made = 0;
  for (let i = 0; i < count; i++) {
    let r: ProbeResult | undefined;
    for (let a = 0; a <= retries; a++) {
      r = await agent.attempt({ proto: flow.proto, dst: flow.dst, port: flow.port, timeoutMs, ...(flow.source ? { source: flow.source } : {}) });
      if (r.outcome !== 'timeout') break;
    }
    made++;
    if (!r) break;
    outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    if (r.outcome === 'answered' && r.reply) {
      const entry = answers.get(r.reply.server) ?? { count: 0, sources: new Set<string>() };
      entry.count++;
      entry.sources.add(r.reply.client.replace(/^\[?(.*?)\]?:\d+$/, '$1'));
      answers.set(r.reply.server, entry);
      if (flow.stopAfterServers !== undefined && answers.size >= flow.stopAfterServers && i + 1 >= (flow.minConnections ?? 0)) break;
    } else if (details.length < 3) {
      details.push(`${r.outcome}${r.detail ? ` (${r.detail})` : ''}`);
    }
    // Skipped probes (SCTP) will not change with more connections.
    if (r.outcome === 'skipped') break;
  }
  return { answers, outcomes, details, connections: made, elapsedMs: Date.now() - started };
}
