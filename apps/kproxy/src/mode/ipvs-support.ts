import { existsSync, readFileSync } from 'node:fs';
import type { Support } from './select-mode.ts';

/** How {@link probeIpvsSupport} looks at the system (injected for tests). */
export interface IpvsProbeIO {
  exists(path: string): boolean;
  read(path: string): string | undefined;
}

const realIO: IpvsProbeIO = {
  exists: existsSync,
  read: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
};

/**
 * Whether the kernel offers IPVS: `/proc/net/ip_vs` exists (module loaded or built in), or `ip_vs` is
 * listed in `/proc/modules`. A module that is merely installed but not loaded counts as missing, since
 * kproxy does not load kernel modules.
 */
export function probeIpvsSupport(io: IpvsProbeIO = realIO): Support {
  if (io.exists('/proc/net/ip_vs')) return { ok: true };
  const modules = io.read('/proc/modules') ?? '';
  if (/^ip_vs\s/m.test(modules)) return { ok: true };
  return { ok: false, reason: 'the ip_vs kernel module is not loaded (/proc/net/ip_vs is missing)' };
}
