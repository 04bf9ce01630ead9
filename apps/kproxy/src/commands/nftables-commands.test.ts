/** `explain` and `diff` over the real nftables backend and the semantic nft fake (no kernel). */
import { describe, expect, it } from '@jest/globals';
import { silentLogger, systemClock } from '@kproxy/api';
import type { Components, IPFamily } from '@kproxy/api';
import { nftablesBackend } from '@kproxy/backend-nftables';
import { ep, stateOf, svcPort } from '@kproxy/backend-nftables/testing';
import { scriptedExecutor } from '@kproxy/exec/testing';
import { fakeNftClient } from '@kproxy/nftables-json/testing';
import { parseCommandLine } from '../cli/command-line.ts';
import { describePlans, planAll } from './diff.ts';
import { runExplain } from './explain.ts';

const components: Components = { logger: silentLogger, clock: systemClock, executor: scriptedExecutor() };

function explainArgs(dst: string, port: number, proto = 'tcp') {
  const cl = parseCommandLine(['explain', '--src', '10.180.9.9', '--dst', dst, '--port', String(port), '--proto', proto]);
  if (!cl.explain) throw new Error('no args');
  return cl.explain;
}

const web = svcPort({ svc: 'web', clusterIP: '172.30.0.41', eps: [ep('10.180.0.1', 8080), ep('10.180.0.2', 8080)] });
const empty = svcPort({ svc: 'empty', clusterIP: '172.30.0.42', eps: [] });

async function programmed() {
  const client = fakeNftClient();
  // The daemon programmed the (fake) kernel...
  await nftablesBackend({ client: () => client })(components).sync(stateOf([web, empty]));
  // ...and `kproxy explain` / `kproxy diff` run later, in another process, with a fresh backend.
  const fresh = nftablesBackend({ client: () => client })(components);
  return { client, backends: new Map<IPFamily, typeof fresh>([['IPv4', fresh]]) };
}

describe('explain over the nftables fake', () => {
  it('says which service port and endpoints a packet to a cluster IP reaches', async () => {
    const { backends } = await programmed();
    const text = await runExplain({ args: explainArgs('172.30.0.41', 80), backends, mode: 'nftables', state: stateOf([web, empty]) });
    expect(text).toMatch(/^Packet: TCP 10.180.9.9 -> 172.30.0.41:80 \(IPv4, arriving from a pod or from outside the node\), nftables rules\.\n/);
    expect(text).toContain('Matches service port ns1/web:p80/TCP.');
    expect(text).toContain('one of 2 endpoints');
    expect(text).toContain('  - 10.180.0.1:8080');
    expect(text).toContain('  - 10.180.0.2:8080');
    expect(text).toMatch(/Path through the rules:\n {2}ip kube-proxy\//);
  });

  it('says a packet to a service without endpoints is rejected', async () => {
    const { backends } = await programmed();
    const text = await runExplain({ args: explainArgs('172.30.0.42', 80), backends, mode: 'nftables', state: stateOf([web, empty]) });
    expect(text).toMatch(/rejects it: the client gets "connection refused"/);
  });

  it('says a packet no rule matches is left untouched', async () => {
    const { backends } = await programmed();
    const text = await runExplain({ args: explainArgs('192.0.2.99', 443), backends, mode: 'nftables' });
    expect(text).toMatch(/left untouched and goes on to 192.0.2.99:443/);
  });
});

describe('diff over the nftables fake', () => {
  it('shows nothing when the kernel matches, and the exact additions when the cluster changed', async () => {
    const { backends, client } = await programmed();
    const applies = client.stats.applies;
    const same = describePlans(await planAll(backends, new Map([['IPv4', stateOf([web, empty])]])));
    expect(same).toBe('IPv4 (nftables): no changes; the kernel already matches the cluster.\n');
    const added = svcPort({ svc: 'api', clusterIP: '172.30.0.43', eps: [ep('10.180.0.3', 6443)] });
    const text = describePlans(await planAll(backends, new Map([['IPv4', stateOf([web, empty, added])]])));
    expect(text).toMatch(/^IPv4 \(nftables\): the next sync would send \d+ operations \((full|partial)\):\n/);
    expect(text).toContain('172.30.0.43');
    expect(text).toContain('10.180.0.3');
    expect(text).not.toContain('172.30.0.41');
    // Nothing was applied.
    expect(client.stats.applies).toBe(applies);
  });
});
