import { describe, expect, it } from '@jest/globals';
import type { Command } from '@kproxy/nftables-json';
import { render } from './render.ts';
import { ep, node, stateOf, svcPort } from './testing/index.ts';

/** The layout with a chain per service port for every port (data maps off). */
const CHAINS = { dataMaps: false } as const;

const verbs = (cmds: readonly Command[]) => cmds.map((c) => `${Object.keys(c)[0]} ${Object.keys(Object.values(c)[0] as object)[0]}`);

describe('render (chains only)', () => {
  const base = [
    svcPort({ eps: [ep('10.180.0.1', 80), ep('10.180.0.2', 80)] }),
    svcPort({ svc: 'svc2', clusterIP: '172.30.0.42', eps: [ep('10.180.0.3', 80)] }),
  ];

  it('renders a full ruleset that replaces the table atomically', () => {
    const r = render(stateOf(base), undefined, CHAINS);
    expect(r.full).toBe(true);
    expect(r.transaction.error).toBeUndefined();
    expect(verbs(r.transaction.commands).slice(0, 3)).toEqual(['add table', 'delete table', 'add table']);
    const text = r.transaction.toString();
    expect(text).toContain('numgen random mod 2 0 meta l4proto tcp dnat to 10.180.0.1:80');
    expect(text).toMatch(/172\.30\.0\.41 \. tcp \. 80 comment "kp:[0-9a-z]{14}" : goto service-ULMVA6XW-ns1\/svc1\/tcp\/p80/);
  });

  it('chooses endpoints uniformly: rule i fires with probability 1/(n-i) given the earlier ones did not', () => {
    const eps4 = [1, 2, 3, 4].map((i) => ep(`10.180.0.${i}`, 80));
    const r = render(stateOf([svcPort({ eps: eps4 })]), undefined, CHAINS);
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
    expect(render(stateOf(base), undefined, CHAINS).transaction.serialize()).toBe(render(stateOf([...base].reverse()), undefined, CHAINS).transaction.serialize());
  });

  it('writes nothing for an unchanged state', () => {
    const first = render(stateOf(base), undefined, CHAINS);
    const second = render(stateOf(base), first.memo, CHAINS);
    expect(second.full).toBe(false);
    expect(second.transaction.size).toBe(0);
  });

  it('rewrites only the changed chain when an endpoint changes', () => {
    const first = render(stateOf(base), undefined, CHAINS);
    const next = [base[0]!, svcPort({ svc: 'svc2', clusterIP: '172.30.0.42', eps: [ep('10.180.0.4', 80)] })];
    const r = render(stateOf(next), first.memo, CHAINS);
    expect(r.full).toBe(false);
    // The chain, the hairpin pair and the anchor element (its fingerprint comment changes).
    expect(verbs(r.transaction.commands)).toEqual(['flush chain', 'delete element', 'delete element', 'add rule', 'add element', 'add element']);
    expect(r.transaction.toString()).toContain('10.180.0.3 . 10.180.0.3');
    expect(r.transaction.toString()).toContain('10.180.0.4 . 10.180.0.4');
  });

  it('flushes the chains of a removed service and reports them for later deletion', () => {
    const first = render(stateOf(base), undefined, CHAINS);
    const r = render(stateOf([base[0]!]), first.memo, CHAINS);
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
    const first = render(stateOf(two), undefined, CHAINS);
    const r = render(stateOf([two[0]!]), first.memo, CHAINS);
    const text = r.transaction.toString();
    expect(text).not.toContain('cluster-ips');
    expect(text).not.toContain('hairpin');
    const r2 = render(stateOf([]), r.memo, CHAINS);
    expect(r2.transaction.toString()).toContain('cluster-ips');
    expect(r2.transaction.toString()).toContain('hairpin-endpoints');
  });

  it('resolves two ports claiming one element the same way in full and partial renders (first port key wins)', () => {
    const a = svcPort({ svc: 'a', clusterIP: '172.30.0.1', externalIPs: ['192.168.99.1'], eps: [ep('10.180.0.1', 80)] });
    const b = svcPort({ svc: 'b', clusterIP: '172.30.0.2', externalIPs: ['192.168.99.1'], eps: [ep('10.180.0.2', 80)] });
    const full = render(stateOf([a, b]), undefined, CHAINS).transaction.toString();
    expect(full).toContain('192.168.99.1 . tcp . 80 : goto external-');
    expect(full.match(/192\.168\.99\.1 \. tcp \. 80/g)).toHaveLength(1);
    expect(full).toMatch(/192\.168\.99\.1 \. tcp \. 80 : goto external-[A-Z0-9]{8}-ns1\/a\//);
    // Removing the winner hands the element to the other claimant.
    const first = render(stateOf([a, b]), undefined, CHAINS);
    const r = render(stateOf([b]), first.memo, CHAINS);
    const text = r.transaction.toString();
    expect(text).toMatch(/delete element ip kube-proxy service-ips .*192\.168\.99\.1 \. tcp \. 80/);
    expect(text).toMatch(/add element ip kube-proxy service-ips .*192\.168\.99\.1 \. tcp \. 80 : goto external-[A-Z0-9]{8}-ns1\/b\//);
    // Adding a loser changes nothing in the kernel for that key.
    const back = render(stateOf([a]), undefined, CHAINS);
    const r2 = render(stateOf([a, b]), back.memo, CHAINS);
    expect(r2.transaction.toString()).not.toMatch(/192\.168\.99\.1 \. tcp/);
  });

  it('renders everything again when node facts change', () => {
    const first = render(stateOf(base), undefined, CHAINS);
    expect(render(stateOf(base, node({ masqueradeAll: true })), first.memo, CHAINS).full).toBe(true);
  });

  it('skips invalid values of a port and reports them, rendering the rest', () => {
    const r = render(stateOf([svcPort({ externalIPs: ['not-an-ip', '192.168.99.1'], eps: [ep('10.180.0.1', 80)] })]), undefined, CHAINS);
    expect(r.problems.get('ns1/svc1:p80/TCP')).toEqual(['external IP "not-an-ip"']);
    expect(r.transaction.toString()).toContain('192.168.99.1 . tcp . 80');
  });
});

describe('render (data maps, the default)', () => {
  const base = [
    svcPort({ eps: [ep('10.180.0.1', 80), ep('10.180.0.2', 80)] }),
    svcPort({ svc: 'svc2', clusterIP: '172.30.0.42', eps: [ep('10.180.0.3', 80)] }),
  ];
  const onlyElements = (cmds: readonly Command[]) => verbs(cmds).every((v) => v === 'add element' || v === 'delete element');

  it('dispatches a plain port through its counted set and one slot per endpoint, with no chain of its own', () => {
    const text = render(stateOf(base)).transaction.toString();
    expect(text).not.toMatch(/add chain ip kube-proxy (service|external|local)-/);
    expect(text).toMatch(/add element ip kube-proxy service-ips-2 .*172\.30\.0\.41 \. tcp \. 80/);
    expect(text).toContain('172.30.0.41 . tcp . 80 . 0 : 10.180.0.1 . 80');
    expect(text).toContain('172.30.0.41 . tcp . 80 . 1 : 10.180.0.2 . 80');
    expect(text).toMatch(/add element ip kube-proxy service-ips-1 .*172\.30\.0\.42 \. tcp \. 80/);
  });

  it('chooses endpoints uniformly: n slots 0..n-1, one per endpoint, drawn by numgen random mod n', () => {
    const eps5 = [1, 2, 3, 4, 5].map((i) => ep(`10.180.0.${i}`, 8080));
    const r = render(stateOf([svcPort({ eps: eps5 })]));
    const text = r.transaction.toString();
    const slots = [...text.matchAll(/172\.30\.0\.41 \. tcp \. 80 \. (\d+) : (10\.180\.0\.\d) \. 8080/g)].map((m) => [Number(m[1]), m[2]]);
    expect(slots.map(([i]) => i).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(new Set(slots.map(([, e]) => e)).size).toBe(5);
    expect(text).toContain('@service-ips-5 dnat ip to ip daddr . meta l4proto . th dport . numgen random mod 5 map @service-endpoints');
  });

  it('a service added, its endpoints changed or its removal are elements only (no chain, no rule)', () => {
    const first = render(stateOf(base));
    const added = render(stateOf([...base, svcPort({ svc: 'svc3', clusterIP: '172.30.0.43', nodePort: 30080, eps: [ep('10.180.0.9', 80)] })]), first.memo);
    expect(added.transaction.size).toBeGreaterThan(0);
    expect(onlyElements(added.transaction.commands)).toBe(true);
    expect(added.transaction.toString()).toContain('service-nodeports-1');
    const changed = render(stateOf([...base.slice(0, 1), svcPort({ svc: 'svc2', clusterIP: '172.30.0.42', eps: [ep('10.180.0.4', 80), ep('10.180.0.5', 80)] })]), first.memo);
    expect(onlyElements(changed.transaction.commands)).toBe(true);
    expect(changed.transaction.toString()).toMatch(/delete element ip kube-proxy service-ips-1 .*172\.30\.0\.42/);
    expect(changed.transaction.toString()).toMatch(/add element ip kube-proxy service-ips-2 .*172\.30\.0\.42/);
    const removed = render(stateOf(base.slice(0, 1)), first.memo);
    expect(onlyElements(removed.transaction.commands)).toBe(true);
    expect(removed.staleChains).toEqual([]);
    const drained = render(stateOf([...base.slice(0, 1), svcPort({ svc: 'svc2', clusterIP: '172.30.0.42', eps: [] })]), first.memo);
    expect(onlyElements(drained.transaction.commands)).toBe(true);
    expect(drained.transaction.toString()).toMatch(/add element ip kube-proxy no-endpoint-services .*172\.30\.0\.42/);
  });

  it('keeps chains for ports that need rules of their own: affinity, Local external policy, many endpoints', () => {
    const many = Array.from({ length: 17 }, (_, i) => ep(`10.180.1.${i + 1}`, 80));
    const text = render(stateOf([
      svcPort({ svc: 'aff', clusterIP: '172.30.0.50', sessionAffinity: { type: 'ClientIP', timeoutSeconds: 60 }, eps: [ep('10.180.0.1', 80)] }),
      svcPort({ svc: 'etp', clusterIP: '172.30.0.51', nodePort: 30081, externalPolicyLocal: true, eps: [ep('10.180.0.2', 80, { isLocal: true })] }),
      svcPort({ svc: 'many', clusterIP: '172.30.0.52', eps: many }),
    ])).transaction.toString();
    expect(text).toMatch(/add chain ip kube-proxy service-[A-Z0-9]{8}-ns1\/aff\//);
    expect(text).toMatch(/add chain ip kube-proxy external-[A-Z0-9]{8}-ns1\/etp\//);
    expect(text).toMatch(/add chain ip kube-proxy service-[A-Z0-9]{8}-ns1\/many\//);
    expect(text).not.toContain('service-ips-17');
  });

  it('resolves two ports claiming one key across layouts and counts the same way in full and partial renders', () => {
    const a = svcPort({ svc: 'a', clusterIP: '172.30.0.1', externalIPs: ['192.168.99.1'], eps: [ep('10.180.0.1', 80)] });
    const b = svcPort({ svc: 'b', clusterIP: '172.30.0.2', externalIPs: ['192.168.99.1'], eps: [ep('10.180.0.2', 80), ep('10.180.0.3', 80)] });
    const aff = svcPort({ svc: 'c', clusterIP: '172.30.0.3', externalIPs: ['192.168.99.1'], sessionAffinity: { type: 'ClientIP', timeoutSeconds: 60 }, eps: [ep('10.180.0.4', 80)] });
    const full = render(stateOf([a, b, aff])).transaction.toString();
    // a wins: its count set holds the key, b's and c's dispatch does not.
    expect(full).toMatch(/add element ip kube-proxy external-ips-1 .*192\.168\.99\.1 \. tcp \. 80/);
    expect(full).not.toMatch(/external-ips-2 .*192\.168\.99\.1/);
    expect(full).not.toMatch(/service-ips .*192\.168\.99\.1 \. tcp \. 80 : goto/);
    const first = render(stateOf([a, b, aff]));
    const r = render(stateOf([b, aff]), first.memo);
    const text = r.transaction.toString();
    expect(text).toMatch(/delete element ip kube-proxy external-ips-1 .*192\.168\.99\.1 \. tcp \. 80/);
    expect(text).toMatch(/add element ip kube-proxy external-ips-2 .*192\.168\.99\.1 \. tcp \. 80/);
    const r2 = render(stateOf([aff]), r.memo);
    expect(r2.transaction.toString()).toMatch(/add element ip kube-proxy service-ips .*192\.168\.99\.1 \. tcp \. 80 : goto external-[A-Z0-9]{8}-ns1\/c\//);
    expect(render(stateOf([aff])).transaction.toString()).toMatch(/192\.168\.99\.1 \. tcp \. 80 : goto external-[A-Z0-9]{8}-ns1\/c\//);
  });
});
