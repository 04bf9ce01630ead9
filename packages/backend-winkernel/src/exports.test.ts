import { describe, expect, it } from '@jest/globals';
import * as main from './index.ts';
import * as testing from './testing/index.ts';

describe('package entry points', () => {
  it('export the factory, the dry-run helper, the real client and the fakes from the barrels', () => {
    expect(typeof main.winkernelBackend).toBe('function');
    expect(typeof main.dryRunWinkernel).toBe('function');
    expect(new main.RealHnsApi().platform).toBe('windows');
    expect(typeof testing.FakeHns).toBe('function');
    expect(typeof testing.fakeWinkernel).toBe('function');
  });
});
