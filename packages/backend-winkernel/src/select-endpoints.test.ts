import { describe, expect, it } from '@jest/globals';
import { ep, svc, terminating } from '../test/fixtures.ts';
import { selectWinkernelEndpoints } from './select-endpoints.ts';

const ips = (s: { used: readonly { ip: string }[] }) => s.used.map((e) => e.ip);

describe('selectWinkernelEndpoints', () => {
  it('uses ready endpoints only, never terminating ones, for services without ingress IPs', () => {
    const sp = svc({
      name: 's', clusterIP: '10.96.0.1', nodePort: 30080,
      endpoints: [ep('10.0.0.1'), terminating('10.0.0.2'), ep('10.0.0.3', { ready: false, serving: false })],
    });
    const sel = selectWinkernelEndpoints(sp, false);
    expect(ips(sel)).toEqual(['10.0.0.1']);
    expect(sel.endpointsAvailableForLB).toBe(true);
    expect(sel.reasons.map((r) => r.code)).toContain('TerminatingEndpointSkipped');
  });

  it('uses nothing when every endpoint of a non-LoadBalancer service terminates', () => {
    const sp = svc({ name: 's', clusterIP: '10.96.0.1', endpoints: [terminating('10.0.0.1'), terminating('10.0.0.2')] });
    expect(ips(selectWinkernelEndpoints(sp, false))).toEqual([]);
  });

  it('falls back to serving terminating endpoints for LoadBalancer services and withholds external policies', () => {
    const sp = svc({
      name: 's', clusterIP: '10.96.0.1', loadBalancerIPs: ['1.2.3.4'],
      endpoints: [terminating('10.0.0.1'), terminating('10.0.0.2', { serving: false }), ep('10.0.0.3', { ready: false, serving: false })],
    });
    const sel = selectWinkernelEndpoints(sp, false);
    expect(ips(sel)).toEqual(['10.0.0.1']);
    expect(sel.allTerminating).toBe(true);
    expect(sel.endpointsAvailableForLB).toBe(false);
  });

  it('keeps using ready endpoints of a LoadBalancer service while any is not terminating', () => {
    const sp = svc({ name: 's', clusterIP: '10.96.0.1', loadBalancerIPs: ['1.2.3.4'], endpoints: [terminating('10.0.0.1'), ep('10.0.0.2')] });
    const sel = selectWinkernelEndpoints(sp, false);
    expect(ips(sel)).toEqual(['10.0.0.2']);
    expect(sel.endpointsAvailableForLB).toBe(true);
  });

  it('filters nothing when no considered endpoint serves (kube-proxy quirk)', () => {
    const sp = svc({
      name: 's', clusterIP: '10.96.0.1', loadBalancerIPs: ['1.2.3.4'],
      endpoints: [ep('10.0.0.1', { ready: false, serving: false }), ep('10.0.0.2', { ready: false, serving: false })],
    });
    const sel = selectWinkernelEndpoints(sp, false);
    expect(ips(sel)).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(sel.allNonServing).toBe(true);
    expect(sel.endpointsAvailableForLB).toBe(false);
    expect(sel.reasons.map((r) => r.code)).toContain('AllEndpointsNonServing');
  });

  it('judges termination on local endpoints only under externalTrafficPolicy Local (DSR)', () => {
    const sp = svc({
      name: 's', clusterIP: '10.96.0.1', loadBalancerIPs: ['1.2.3.4'], externalPolicyLocal: true,
      endpoints: [terminating('10.0.0.1', { isLocal: true }), ep('10.0.0.2')],
    });
    const dsr = selectWinkernelEndpoints(sp, true);
    expect(dsr.allTerminating).toBe(true);
    expect(ips(dsr)).toEqual(['10.0.0.1', '10.0.0.2']);
    // Without DSR support the remote ready endpoint counts, so the terminating one is skipped.
    const noDsr = selectWinkernelEndpoints(sp, false);
    expect(noDsr.allTerminating).toBe(false);
    expect(ips(noDsr)).toEqual(['10.0.0.2']);
  });

  it('skips remote endpoints when both traffic policies are Local', () => {
    const sp = svc({
      name: 's', clusterIP: '10.96.0.1', nodePort: 30080, internalPolicyLocal: true, externalPolicyLocal: true,
      endpoints: [ep('10.0.0.1', { isLocal: true }), ep('10.0.0.2')],
    });
    expect(ips(selectWinkernelEndpoints(sp, true))).toEqual(['10.0.0.1']);
    expect(ips(selectWinkernelEndpoints({ ...sp, externalPolicyLocal: false }, false))).toEqual(['10.0.0.1', '10.0.0.2']);
  });
});
