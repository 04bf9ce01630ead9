// ResourceInformer against a tiny hand-written HTTP server (the full API server lives in apps/harness,
// which this package may not depend on): restart after errors on the injected timers, and stop().
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { silentLogger } from '@kproxy/api';
import { ResourceInformer } from './informer.ts';
import { manualClock } from './testing/index.ts';
import { TokenBucket } from './token-bucket.ts';

interface Hit {
  url: string;
  status: number;
}

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  server = undefined;
});

/** Fails the first `failures` list requests with 500, then lists one object; watches stay open silently. */
async function tinyServer(failures: number): Promise<{ url: string; hits: Hit[] }> {
  const hits: Hit[] = [];
  let left = failures;
  server = http.createServer((req, res) => {
    const watch = (req.url ?? '').includes('watch=true');
    if (!watch && left > 0) {
      left--;
      hits.push({ url: req.url ?? '', status: 500 });
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', code: 500, message: 'boom' }));
      return;
    }
    hits.push({ url: req.url ?? '', status: 200 });
    res.writeHead(200, { 'content-type': 'application/json' });
    if (watch) {
      res.flushHeaders();
      return;
    }
    res.end(
      JSON.stringify({
        kind: 'ServiceList',
        metadata: { resourceVersion: '5' },
        items: [{ metadata: { name: 'a', namespace: 'd', resourceVersion: '5' } }],
      }),
    );
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server?.address() as AddressInfo).port}`, hits };
}

function kubeConfig(url: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: url, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out: ${what}`);
}

describe('ResourceInformer', () => {
  it('restarts failed lists after the backoff, on the injected timers only, with selectors on every request', async () => {
    const { url, hits } = await tinyServer(2);
    const clock = manualClock(0);
    const added: string[] = [];
    const informer = new ResourceInformer<KubernetesObject>({
      kubeConfig: kubeConfig(url),
      path: '/api/v1/services',
      labelSelector: '!a,!b',
      pageSize: 0,
      limiter: new TokenBucket(0, 1, clock, clock),
      timers: clock,
      logger: silentLogger,
      backoff: { initialMs: 1000, maxMs: 8000 },
      handlers: { add: (o) => added.push(o.metadata?.name ?? ''), update: () => undefined, delete: () => undefined },
    });
    informer.start();
    await until(() => informer.errors === 1, 'first failure');
    // Nothing happens until the manual clock moves past the backoff.
    await new Promise((r) => setTimeout(r, 50));
    expect(hits).toHaveLength(1);
    await clock.advance(999);
    expect(hits).toHaveLength(1);
    await clock.advance(1);
    await until(() => informer.errors === 2, 'second failure');
    await clock.advance(1999);
    expect(hits).toHaveLength(2);
    await clock.advance(1);
    await informer.waitForSync();
    expect(added).toEqual(['a']);
    await until(() => hits.some((h) => h.url.includes('watch=true')), 'watch');
    for (const h of hits) expect(decodeURIComponent(h.url)).toContain('labelSelector=!a,!b');
    expect(hits.find((h) => h.url.includes('watch=true'))?.url).toContain('resourceVersion=5');
    await informer.stop();
  });
});
