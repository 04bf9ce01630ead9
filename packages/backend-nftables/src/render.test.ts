import { describe, expect, it } from '@jest/globals';
import type { Command } from '@kproxy/nftables-json';
import { render } from './render.ts';
import { ep, node, stateOf, svcPort } from './testing/index.ts';

const verbs = (cmds: readonly Command[]) => cmds.map((c) => `${Object.keys(c)[0]} ${Object.keys(Object.values(c)[0] as object)[0]}`);

describe('render', () => {
  const base = [
    svcPort({ eps: [ep('10.180.0.1', 80), ep('10.180.0.2', 80)] }),
    svcPort({ svc: 'svc2', clusterIP: '172.30.0.42', eps: [ep('10.180.0.3', 80)] }),
  ];

  it('renders a full ruleset that replaces the table atomically', () => {
    const r = render(stateOf(base));
    expect(r.full).toBe(true);
    expect(r.transaction.error).toBeUndefined();
    expect(verbs(r.transaction.commands).slice(0, 3)).toEqual(['add table', 'delete table', 'add table']);
    const text = r.transaction.toString();
    expect(text).toContain('numgen random mod 2 0 meta l4proto tcp dnat to 10.180.0.1:80');
    expect(text).toMatch(/172\.30\.0\.41 \. tcp \. 80 comment "kp:[0-9a-z]{14}" : goto service-ULMVA6XW-ns1\/svc1\/tcp\/p80/);
  });

  it('chooses endpoints uniformly: rule i fires with probability 1/(n-i) given the earlier ones did not', () => {
    const eps4 = [1, 2, 3, 4].map((i) => ep(`10.180.0.${i}`, 80));
    const r = render(stateOf([svcPort({ eps: eps4 })]));
    const chain = r.transaction.commands
      .map((c) => (c as { add?: { rule?: { chain: string; expr: unknown[] } } }).add?.rule)
      .filter((x): x is { chain: string; expr: unknown[] } => x !== undefined && x.chain.startsWith('service-'));
    const mods = chain.map((rule) => {
      const m = JSON.stringify(rule.expr).match(/"numgen":\{"mode":"random","mod":(\d+)/);
      return m ? Number(m[1]) : 1;
    });
    expect(mods).toEqual([4, 3, 2, 1]);
    // P(endpoint i) = prod_{j<i} (1 - 1/mods[j]) * 1/mods[i] = 1/4 for every i.
    let reach = 1;
    const p = mods.map((m) => {
      const here = reach / m;
      reach -= here;
      return here;
    });
    for (const x of p) expect(x).toBeCloseTo(0.25, 12);
  });

  it('is deterministic', () => {
    expect(render(stateOf(base)).transaction.serialize()).toBe(render(stateOf([...base].reverse())).transaction.serialize());
  });

  it('writes nothing for an unchanged state', () => {
    const first = render(stateOf(base));
    const second = render(stateOf(base), first.memo);
    expect(second.full).toBe(false);
    expect(second.transaction.size).toBe(0);
  });

  it('rewrites only the changed chain when an endpoint changes', () => {
    const first = render(stateOf(base));
    const next = [base[0]!, svcPort({ svc: 'svc2', clusterIP: '172.30.0.42', eps: [ep('10.180.0.4', 80)] })];
    const r = render(stateOf(next), first.memo);
    expect(r.full).toBe(false);
    // The chain, the hairpin pair and the anchor element (its fingerprint comment changes).
    expect(verbs(r.transaction.commands)).toEqual(['flush chain', 'delete element', 'delete element', 'add rule', 'add element', 'add element']);
    expect(r.transaction.toString()).toContain('10.180.0.3 . 10.180.0.3');
    expect(r.transaction.toString()).toContain('10.180.0.4 . 10.180.0.4');
  });

  it('flushes the chains of a removed service and reports them for later deletion', () => {
    const first = render(stateOf(base));
    const r = render(stateOf([base[0]!]), first.memo);
    expect(r.staleChains).toEqual(['service-QCIBCZ4I-ns1/svc2/tcp/p80']);
    expect(verbs(r.transaction.commands)).toEqual(['flush chain', 'delete element', 'delete element', 'delete element']);
    const deleted = JSON.stringify(r.transaction.commands);
    expect(deleted).toContain('172.30.0.42');
  });

  it('keeps shared elements while another port still uses them', () => {
    const two = [
      svcPort({ portName: 'a', eps: [ep('10.180.0.1', 80)] }),
      svcPort({ portName: 'b', port: 81, eps: [ep('10.180.0.1', 81)] }),
    ];
    const first = render(stateOf(two));
    const r = render(stateOf([two[0]!]), first.memo);
    const text = r.transaction.toString();
    expect(text).not.toContain('cluster-ips');
    expect(text).not.toContain('hairpin');
    const r2 = render(stateOf([]), r.memo);
    expect(r2.transaction.toString()).toContain('cluster-ips');
    expect(r2.transaction.toString()).toContain('hairpin-endpoints');
  });

  it('resolves two ports claiming one element the same way in full and partial renders (first port key wins)', () => {
    const a = svcPort({ svc: 'a', clusterIP: '172.30.0.1', externalIPs: ['192.168.99.1'], eps: [ep('10.180.0.1', 80)] });
    const b = svcPort({ svc: 'b', clusterIP: '172.30.0.2', externalIPs: ['192.168.99.1'], eps: [ep('10.180.0.2', 80)] });
    const full = render(stateOf([a, b])).transaction.toString();
    expect(full).toContain('192.168.99.1 . tcp . 80 : goto external-');
    expect(full.match(/192\.168\.99\.1 \. tcp \. 80/g)).toHaveLength(1);
    expect(full).toMatch(/192\.168\.99\.1 \. tcp \. 80 : goto external-[A-Z0-9]{8}-ns1\/a\//);
    // Removing the winner hands the element to the other claimant.
    const first = render(stateOf([a, b]));
    const r = render(stateOf([b]), first.memo);
    const text = r.transaction.toString();
    expect(text).toMatch(/delete element ip kube-proxy service-ips .*192\.168\.99\.1 \. tcp \. 80/);
    expect(text).toMatch(/add element ip kube-proxy service-ips .*192\.168\.99\.1 \. tcp \. 80 : goto external-[A-Z0-9]{8}-ns1\/b\//);
    // Adding a loser changes nothing in the kernel for that key.
    const back = render(stateOf([a]));
    const r2 = render(stateOf([a, b]), back.memo);
    expect(r2.transaction.toString()).not.toMatch(/192\.168\.99\.1 \. tcp/);
  });

  it('renders everything again when node facts change', () => {
    const first = render(stateOf(base));
    expect(render(stateOf(base, node({ masqueradeAll: true })), first.memo).full).toBe(true);
  });

  it('skips invalid values of a port and reports them, rendering the rest', () => {
    const r = render(stateOf([svcPort({ externalIPs: ['not-an-ip', '192.168.99.1'], eps: [ep('10.180.0.1', 80)] })]));
    expect(r.problems.get('ns1/svc1:p80/TCP')).toEqual(['external IP "not-an-ip"']);
    expect(r.transaction.toString()).toContain('192.168.99.1 . tcp . 80');
  });
});
