import { describe, expect, it } from '@jest/globals';
import type { ProxyMode } from '../config/kube-proxy-configuration.ts';
import { probeIpvsSupport } from './ipvs-support.ts';
import { selectMode } from './select-mode.ts';
import type { ModeSelectionInput } from './select-mode.ts';

function input(over: Partial<ModeSelectionInput> & { available?: ReadonlySet<ProxyMode> }): ModeSelectionInput {
  return {
    requested: 'nftables',
    platform: 'linux',
    available: new Set<ProxyMode>(['nftables', 'kernelspace']),
    strict: false,
    dryRun: false,
    ipvsSupport: async () => ({ ok: true }),
    ...over,
  };
}

describe('selectMode', () => {
  it('runs nftables', async () => {
    expect(await selectMode(input({}))).toEqual({ mode: 'nftables', dryRunOnly: false, warnings: [] });
  });

  it.each(['iptables', 'ipvs'] as const)('refuses %s while its backend has not landed', async (mode) => {
    await expect(selectMode(input({ requested: mode }))).rejects.toThrow(
      new RegExp(`proxy mode "${mode}" is not available in this kproxy build: its backend has not landed yet \\(available: kernelspace, nftables\\)`),
    );
  });

  it('refuses kernelspace on Linux with one clear line', async () => {
    const err = await selectMode(input({ requested: 'kernelspace' })).catch((e: Error) => e);
    expect((err as Error).name).toBe('ConfigError');
    expect((err as Error).message).toMatch(/kernelspace" programs Windows HNS and cannot run on linux; use --dry-run/);
    expect((err as Error).message).not.toContain('\n');
  });

  it('allows kernelspace on Linux as a dry run only', async () => {
    expect(await selectMode(input({ requested: 'kernelspace', dryRun: true }))).toEqual({ mode: 'kernelspace', dryRunOnly: true, warnings: [] });
    await expect(selectMode(input({ requested: 'kernelspace', dryRun: true, available: new Set(['nftables']) }))).rejects.toThrow(/not available/);
  });

  it('refuses Linux modes on Windows', async () => {
    await expect(selectMode(input({ platform: 'win32' }))).rejects.toThrow(/needs Linux/);
  });

  describe('ipvs (with a build that has it)', () => {
    const withIpvs = new Set<ProxyMode>(['ipvs', 'iptables', 'nftables']);
    it('uses ipvs when the kernel supports it', async () => {
      expect((await selectMode(input({ requested: 'ipvs', available: withIpvs }))).mode).toBe('ipvs');
    });
    it('falls back to iptables with a warning when the kernel has no IPVS', async () => {
      const r = await selectMode(input({ requested: 'ipvs', available: withIpvs, ipvsSupport: async () => ({ ok: false, reason: 'no ip_vs' }) }));
      expect(r.mode).toBe('iptables');
      expect(r.warnings).toEqual(["can't use the ipvs proxier: no ip_vs; falling back to iptables mode"]);
    });
    it('falls back to nftables when iptables is not in the build', async () => {
      const r = await selectMode(input({ requested: 'ipvs', available: new Set(['ipvs', 'nftables']), ipvsSupport: async () => ({ ok: false }) }));
      expect(r.mode).toBe('nftables');
    });
    it('refuses when strict', async () => {
      await expect(
        selectMode(input({ requested: 'ipvs', available: withIpvs, strict: true, ipvsSupport: async () => ({ ok: false, reason: 'no ip_vs' }) })),
      ).rejects.toThrow(/can't use the ipvs proxier: no ip_vs; refusing to fall back because --strict-proxy-mode is set/);
    });
    it('refuses when there is nothing to fall back to', async () => {
      await expect(
        selectMode(input({ requested: 'ipvs', available: new Set(['ipvs']), ipvsSupport: async () => ({ ok: false }) })),
      ).rejects.toThrow(/no fallback mode is available/);
    });
  });
});

describe('probeIpvsSupport', () => {
  it('sees /proc/net/ip_vs or a loaded module', () => {
    expect(probeIpvsSupport({ exists: (p) => p === '/proc/net/ip_vs', read: () => undefined }).ok).toBe(true);
    expect(probeIpvsSupport({ exists: () => false, read: () => 'nf_nat 1 0 - Live\nip_vs 1 0 - Live\n' }).ok).toBe(true);
    const no = probeIpvsSupport({ exists: () => false, read: () => 'ip_vs_rr 1 0 - Live\n' });
    expect(no.ok).toBe(false);
    expect(no.reason).toMatch(/not loaded/);
  });
});
