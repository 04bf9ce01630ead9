// The demo cluster through kproxy's kernelspace mode in dry run: on Linux the Windows HNS cannot be
// programmed, so the daemon lists the cluster once and prints the HNS objects it would create. No network
// namespace is needed: the API server listens on loopback and the daemon only reads from it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnExecutor } from '@kproxy/exec';
import type { ExecResult } from '@kproxy/api';
import { kubeconfigYaml } from '../apiserver/kubeconfig.ts';
import { startApiServer } from '../apiserver/server.ts';
import type { KubeObject } from '../apiserver/server.ts';
import { DAEMON_ENTRY } from '../kernel-runner/daemon.ts';
import { BEFORE, DEMO, nodeObject, serviceObject, sliceObject } from './cluster.ts';

// The demo's typed objects are plain Kubernetes JSON, which is what the API server stores.
const asObject = (o: object): KubeObject => o as KubeObject;

/** Runs `kproxy --proxy-mode kernelspace --dry-run` against the demo cluster and returns what it printed. */
export async function kernelspaceDryRun(entry = DAEMON_ENTRY): Promise<ExecResult> {
  const api = await startApiServer({});
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kp-dryrun-'));
  try {
    api.apply(asObject(nodeObject()));
    for (const s of BEFORE) {
      api.apply(asObject(serviceObject(s)));
      api.apply(asObject(sliceObject(s)));
    }
    const kubeconfig = path.join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeconfigYaml(api.url), { mode: 0o600 });
    return await spawnExecutor().run(
      process.execPath,
      ['--conditions=@kproxy/source', '--no-warnings', entry, '--proxy-mode', 'kernelspace', '--dry-run', '--kubeconfig', kubeconfig, '--hostname-override', DEMO.node],
      { timeoutMs: 60_000 },
    );
  } finally {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
