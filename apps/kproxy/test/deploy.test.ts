/**
 * The deploy/ manifests: `kubectl apply --dry-run=client --validate=false -f deploy/` must accept them, and
 * the ConfigMap's KubeProxyConfiguration must pass kproxy's own strict decoding. kubectl's client dry run
 * still asks a server for discovery and for the live objects, so the test serves a minimal discovery
 * stub on loopback (404 for every object: everything is "created").
 */
import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { decodeConfigFile } from '../src/config/config-file.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const deployDir = join(root, 'deploy');
const kubectl = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => existsSync(p));
if (!kubectl) console.warn('skipping the kubectl dry-run test: kubectl is not installed');

interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [k: string]: unknown;
}

function manifests(): Doc[] {
  return readdirSync(deployDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => yaml.loadAll(readFileSync(join(deployDir, f), 'utf8')) as Doc[])
    .filter((d) => d !== null);
}

const RESOURCES: Record<string, { name: string; kind: string; namespaced: boolean }[]> = {
  v1: [
    { name: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true },
    { name: 'configmaps', kind: 'ConfigMap', namespaced: true },
    { name: 'namespaces', kind: 'Namespace', namespaced: false },
  ],
  'apps/v1': [{ name: 'daemonsets', kind: 'DaemonSet', namespaced: true }],
  'rbac.authorization.k8s.io/v1': [
    { name: 'clusterroles', kind: 'ClusterRole', namespaced: false },
    { name: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false },
  ],
};

function discoveryStub(): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    const json = (code: number, body: unknown) => res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    if (path === '/api') return json(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    if (path === '/apis') {
      const groups = Object.keys(RESOURCES)
        .filter((gv) => gv.includes('/'))
        .map((gv) => {
          const [name, version] = gv.split('/') as [string, string];
          const v = { groupVersion: gv, version };
          return { name, versions: [v], preferredVersion: v };
        });
      return json(200, { kind: 'APIGroupList', apiVersion: 'v1', groups });
    }
    const gv = path === '/api/v1' ? 'v1' : path.startsWith('/apis/') ? path.slice('/apis/'.length) : '';
    const list = RESOURCES[gv];
    if (list) {
      const resources = list.map((r) => ({ ...r, singularName: '', verbs: ['create', 'get', 'list', 'patch', 'update', 'delete'] }));
      return json(200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources });
    }
    return json(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' });
  });
}

describe('deploy/ manifests', () => {
  const docs = manifests();
  const byKind = (kind: string) => docs.filter((d) => d.kind === kind);

  it('hold a DaemonSet, ServiceAccount, ClusterRole, binding and ConfigMap', () => {
    expect(docs.map((d) => d.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'DaemonSet', 'ServiceAccount']);
  });

  it('grant list/watch on services, endpointslices and nodes, and create on events', () => {
    const rules = (byKind('ClusterRole')[0] as unknown as { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] }).rules;
    const allows = (group: string, resource: string, verb: string) =>
      rules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));
    for (const [group, resource] of [['', 'services'], ['discovery.k8s.io', 'endpointslices'], ['', 'nodes']] as const) {
      expect(allows(group, resource, 'list')).toBe(true);
      expect(allows(group, resource, 'watch')).toBe(true);
    }
    expect(allows('', 'events', 'create')).toBe(true);
    const binding = byKind('ClusterRoleBinding')[0] as unknown as { roleRef: { name: string }; subjects: { name: string; namespace: string }[] };
    expect(binding.roleRef.name).toBe('kproxy');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'kproxy', namespace: 'kube-system' }]);
  });

  it('run the daemon like kube-proxy: hostNetwork, privileged, /lib/modules and xtables lock mounted, config from the ConfigMap', () => {
    const ds = byKind('DaemonSet')[0] as unknown as {
      spec: { template: { spec: { hostNetwork: boolean; serviceAccountName: string; containers: { args: string[]; securityContext: { privileged: boolean }; volumeMounts: { mountPath: string }[] }[]; volumes: { name: string; hostPath?: { path: string }; configMap?: { name: string } }[] } } };
    };
    const pod = ds.spec.template.spec;
    expect(pod.hostNetwork).toBe(true);
    expect(pod.serviceAccountName).toBe('kproxy');
    const c = pod.containers[0];
    expect(c?.securityContext.privileged).toBe(true);
    expect(c?.volumeMounts.map((m) => m.mountPath).sort()).toEqual(['/lib/modules', '/run/xtables.lock', '/var/lib/kproxy']);
    expect(pod.volumes.map((v) => v.hostPath?.path ?? v.configMap?.name).sort()).toEqual(['/lib/modules', '/run/xtables.lock', 'kproxy']);
    expect(c?.args).toContain('--config=/var/lib/kproxy/config.conf');
  });

  it('carry a KubeProxyConfiguration that kproxy accepts', () => {
    const cm = byKind('ConfigMap')[0] as unknown as { data: Record<string, string> };
    const config = decodeConfigFile(cm.data['config.conf'] as string, 'deploy ConfigMap');
    expect(config.mode).toBe('nftables');
    expect(config.nftables.syncPeriod).toBe(30_000);
  });

  (kubectl ? it : it.skip)('are accepted by kubectl apply --dry-run=client --validate=false', async () => {
    const server = discoveryStub();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), 'kproxy-kubectl-'));
    const kubeconfig = join(dir, 'config');
    writeFileSync(
      kubeconfig,
      yaml.dump({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'stub', cluster: { server: `http://127.0.0.1:${port}` } }],
        users: [{ name: 'stub', user: {} }],
        contexts: [{ name: 'stub', context: { cluster: 'stub', user: 'stub' } }],
        'current-context': 'stub',
      }),
    );
    try {
      const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          kubectl as string,
          ['apply', '--dry-run=client', '--validate=false', '-f', deployDir],
          { env: { ...process.env, KUBECONFIG: kubeconfig, HOME: dir }, timeout: 30_000 },
          (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
      expect(out.stderr).toBe('');
      expect(out.code).toBe(0);
      for (const d of docs) {
        expect(out.stdout).toMatch(new RegExp(`${d.kind.toLowerCase()}[^/]*/${d.metadata.name} created \\(dry run\\)`));
      }
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
