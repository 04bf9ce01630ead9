import { describe, expect, it } from '@jest/globals';
import { BEFORE } from './cluster.ts';
import { kernelspaceDryRun } from './kernelspace-dry-run.ts';

describe('kernelspace dry run of the demo cluster', () => {
  it('prints an HNS load balancer for every demo service VIP and exits 0', async () => {
    const r = await kernelspaceDryRun();
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.exitCode).toBe(0);
    const lbLines = r.stdout.split('\n').filter((l) => l.startsWith('loadbalancer'));
    for (const s of BEFORE) {
      expect(lbLines.some((l) => l.includes(s.clusterIP))).toBe(true);
    }
    // The NodePort service also gets a node-port load balancer.
    const nodePorts = BEFORE.filter((s) => s.nodePort).map((s) => String(s.nodePort));
    for (const p of nodePorts) expect(lbLines.some((l) => l.includes(p))).toBe(true);
  }, 60_000);
});
