import { describe, expect, it } from '@jest/globals';
import { ep, state, svc } from '../test/fixtures.ts';
import { resolveOptions } from './options.ts';
import { formatOperation, planHns } from './reconcile.ts';
import { renderHns } from './render.ts';

const facts = { network: { id: 'net', name: 'cbr0', type: 'L2Bridge' as const, remoteSubnets: [] }, endpointsByIp: new Map() };

describe('planHns / formatOperation', () => {
  it('keeps one operation on one line whatever a service is called', () => {
    const hostile = svc({ namespace: 'ns"\n', name: `x${'y'.repeat(252)}\u00e9'; drop`, clusterIP: '10.96.0.1', endpoints: [ep('10.244.2.7')] });
    const desired = renderHns(state([hostile]), resolveOptions({ networkName: 'cbr0' }), facts);
    const ops = planHns(desired, { networkId: 'net', loadBalancers: new Map(), endpointsByIp: new Map() }, true);
    expect(ops.map((o) => o.op)).toEqual(['createEndpoint', 'createLoadBalancer']);
    for (const op of ops) expect(formatOperation(op)).not.toContain('\n');
    expect(formatOperation(ops[1] as (typeof ops)[number])).toContain('svc="ns\\"\\n/');
  });

  it('orders creates of endpoints first and deletes of endpoints last', () => {
    const desired = renderHns(state([svc({ name: 'a', clusterIP: '10.96.0.1', endpoints: [ep('10.244.2.7')] })]), resolveOptions({ networkName: 'cbr0' }), facts);
    const stale = { id: 'old', name: 'x', networkId: 'net', ipAddress: '10.244.2.9', macAddress: '02-11-0a-f4-02-09', flags: 1 };
    const oldLb = {
      id: 'lb-old', sourceVip: '', frontendVips: ['10.96.0.2'], flags: 0, hostComputeEndpoints: ['old'],
      portMappings: [{ protocol: 6, internalPort: 8080, externalPort: 80, distributionType: 'None' as const, flags: 0 }],
    };
    const ops = planHns(desired, { networkId: 'net', loadBalancers: new Map([['lb-old', oldLb]]), endpointsByIp: new Map([['10.244.2.9', stale]]) }, true);
    expect(ops.map((o) => o.op)).toEqual(['createEndpoint', 'deleteLoadBalancer', 'createLoadBalancer', 'deleteEndpoint']);
  });
});
