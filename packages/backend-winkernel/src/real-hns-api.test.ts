import { describe, expect, it } from '@jest/globals';
import { silentLogger, systemClock } from '@kproxy/api';
import { state, svc, ep } from '../test/fixtures.ts';
import { winkernelBackend } from './backend.ts';
import type { HnsApi } from './hns-api.ts';
import { RealHnsApi } from './real-hns-api.ts';

const spec = { sourceVip: '', frontendVips: [], portMappings: [], hostComputeEndpoints: [], flags: 0 };
const calls: [keyof HnsApi, (api: HnsApi) => Promise<unknown>][] = [
  ['listNetworks', (a) => a.listNetworks()],
  ['getNetworkByName', (a) => a.getNetworkByName('cbr0')],
  ['listEndpoints', (a) => a.listEndpoints()],
  ['getEndpoint', (a) => a.getEndpoint('x')],
  ['getEndpointByName', (a) => a.getEndpointByName('x')],
  ['createEndpoint', (a) => a.createEndpoint({ name: 'x', networkId: 'n', ipAddress: '10.0.0.1', macAddress: '00-00-00-00-00-00', flags: 0 })],
  ['deleteEndpoint', (a) => a.deleteEndpoint('x')],
  ['listLoadBalancers', (a) => a.listLoadBalancers()],
  ['getLoadBalancer', (a) => a.getLoadBalancer('x')],
  ['createLoadBalancer', (a) => a.createLoadBalancer(spec)],
  ['updateLoadBalancer', (a) => a.updateLoadBalancer('x', spec)],
  ['deleteLoadBalancer', (a) => a.deleteLoadBalancer('x')],
];

describe('RealHnsApi', () => {
  it.each(calls)('%s rejects with UnsupportedPlatformError naming windows', async (name, call) => {
    const err = await call(new RealHnsApi()).then(
      () => undefined,
      (e: unknown) => e as { name: string; platform: string; message: string },
    );
    expect(err?.name).toBe('UnsupportedPlatformError');
    expect(err?.platform).toBe('windows');
    expect(err?.message).toContain(`HNS ${name}`);
    expect(err?.message).toContain(process.platform);
  });

  it('covers every method of HnsApi', () => {
    const methods = Object.getOwnPropertyNames(RealHnsApi.prototype).filter((m) => m !== 'constructor' && m !== 'refuse');
    expect(methods.sort()).toEqual(calls.map(([n]) => n).sort());
  });

  it('makes a kernelspace sync fail with one clear error', async () => {
    const backend = winkernelBackend({ hns: new RealHnsApi(), networkName: 'cbr0' })({
      logger: silentLogger,
      clock: systemClock,
      executor: { run: () => Promise.reject(new Error('unused')) },
    });
    await expect(backend.sync(state([svc({ name: 'a', clusterIP: '10.96.0.1', endpoints: [ep('10.0.0.1')] })]))).rejects.toMatchObject({
      name: 'UnsupportedPlatformError',
      platform: 'windows',
    });
  });
});
