import type { Endpoint } from '@kproxy/api';

/** Options of `testEndpoint`: conditions and placement, Kubernetes defaults when omitted. */
export interface TestEndpointOptions {
  readonly port?: number;
  readonly ready?: boolean;
  readonly serving?: boolean;
  readonly terminating?: boolean;
  /** Node of the endpoint; local when it equals `localNode` (default `node-a`). */
  readonly node?: string;
  readonly localNode?: string;
  readonly zone?: string;
  readonly zoneHints?: readonly string[];
  readonly nodeHints?: readonly string[];
}

/**
 * A merged `Endpoint` for tests: ready/serving default true, terminating false, port 80, local when on
 * `localNode` (default `node-a`). Shorthands: `testEndpoint('10.0.0.1', { terminating: true, ready: false })`.
 */
export function testEndpoint(ip: string, options: TestEndpointOptions = {}): Endpoint {
  const localNode = options.localNode ?? 'node-a';
  const e: { -readonly [K in keyof Endpoint]: Endpoint[K] } = {
    ip,
    port: options.port ?? 80,
    ready: options.ready ?? true,
    serving: options.serving ?? true,
    terminating: options.terminating ?? false,
    isLocal: options.node !== undefined && options.node === localNode,
  };
  if (options.node !== undefined) e.nodeName = options.node;
  if (options.zone !== undefined) e.zone = options.zone;
  if (options.zoneHints !== undefined) e.zoneHints = [...options.zoneHints];
  if (options.nodeHints !== undefined) e.nodeHints = [...options.nodeHints];
  return e;
}
