import { describe, expect, it } from '@jest/globals';
import { ep, state, svc } from '../test/fixtures.ts';
import { dryRunWinkernel } from './dry-run.ts';

const demo = () =>
  state([
    svc({ name: 'web', clusterIP: '10.96.0.10', nodePort: 30080, endpoints: [ep('10.244.1.5', { isLocal: true }), ep('10.244.2.7')] }),
    svc({ name: 'empty', clusterIP: '10.96.0.20' }),
  ]);

describe('dryRunWinkernel', () => {
  it('prints the HNS objects it would create, assuming local pod endpoints exist', () => {
    const r = dryRunWinkernel(demo());
    expect(r.text).toBe(
      [
        '# HNS objects for IPv4 on network kproxy (L2Bridge): 1 endpoints, 2 load balancers',
        'endpoint 10.244.2.7 remote mac=02-11-0a-f4-02-07 purpose=remote-pod',
        'loadbalancer *:30080/TCP kind=NodePort svc=default/web:p/TCP internal=8080 dist=None portFlags=LocalRoutedVIP|VipExternalIP flags=None sourceVip=- endpoints=10.244.1.5,10.244.2.7',
        'loadbalancer 10.96.0.10:80/TCP kind=ClusterIP svc=default/web:p/TCP internal=8080 dist=None portFlags=None flags=None sourceVip=- endpoints=10.244.1.5,10.244.2.7',
        '# NoEndpoints: default/empty:p/TCP: no usable endpoint, no HNS load balancer is programmed',
        '',
      ].join('\n'),
    );
    const json = JSON.parse(r.json) as { loadBalancers: { key: string }[] };
    expect(json.loadBalancers.map((l) => l.key)).toEqual(['*:30080/TCP', '10.96.0.10:80/TCP']);
  });

  it('renders overlay networks with the source VIP, and refuses an overlay without one', () => {
    const r = dryRunWinkernel(demo(), { networkType: 'Overlay', networkName: 'vxlan0', sourceVip: '10.244.1.250', hostMac: '00-15-5d-00-00-01' });
    expect(r.text).toContain('endpoint 10.244.1.250 local mac=00-15-5d-00-00-01 pa=192.168.1.10 purpose=source-vip');
    expect(r.text).toContain('endpoint 10.96.0.20 remote');
    expect(() => dryRunWinkernel(demo(), { networkType: 'Overlay' })).toThrow(/sourceVip/);
  });
});
