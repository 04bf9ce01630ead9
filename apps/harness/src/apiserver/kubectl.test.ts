// Debian's kubectl (package kubernetes-client) against the embedded API server. Skips with a printed reason
// when kubectl is not installed.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startApiServer, type ApiServer } from './server.ts';

const KUBECTL = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => fs.existsSync(p));
if (!KUBECTL) console.log('SKIP kubectl tests: kubectl is not installed (apt-get install kubernetes-client)');
const maybe = KUBECTL ? describe : describe.skip;

let api: ApiServer;
let dir: string;

function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      KUBECTL as string,
      ['--kubeconfig', path.join(dir, 'kubeconfig'), ...args],
      { timeout: 20_000, env: { ...process.env, HOME: dir, KUBECACHEDIR: path.join(dir, 'cache') } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const MANIFEST = `
apiVersion: v1
kind: Namespace
metadata:
  name: default
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: default
spec:
  ports:
  - name: http
    port: 80
    targetPort: 8080
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-1
  namespace: default
  labels:
    kubernetes.io/service-name: web
addressType: IPv4
endpoints:
- addresses: ["10.0.0.1"]
  conditions: {ready: true}
ports:
- name: http
  port: 8080
  protocol: TCP
`;

maybe('kubectl against the harness', () => {
  beforeAll(async () => {
    api = await startApiServer();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kproxy-kubectl-'));
    fs.writeFileSync(path.join(dir, 'kubeconfig'), api.kubeconfigYaml());
    fs.writeFileSync(path.join(dir, 'web.yaml'), MANIFEST);
  });
  afterAll(async () => {
    await api?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('applies, gets, re-applies a change, and deletes Services and EndpointSlices', async () => {
    const file = path.join(dir, 'web.yaml');
    const applied = await kubectl('apply', '--validate=false', '-f', file);
    expect(applied).toMatchObject({ code: 0 });
    expect(applied.stdout).toContain('namespace/default created');
    expect(applied.stdout).toContain('service/web created');
    expect(applied.stdout).toContain('endpointslice.discovery.k8s.io/web-1 created');
    expect(api.get({ kind: 'Service', namespace: 'default', name: 'web' })).toMatchObject({
      spec: { ports: [{ port: 80, targetPort: 8080 }] },
    });

    const got = await kubectl('get', 'svc', 'web', '-o', 'json');
    expect(got.code).toBe(0);
    expect(JSON.parse(got.stdout)).toMatchObject({ kind: 'Service', metadata: { name: 'web' } });
    const table = await kubectl('get', 'svc', 'web');
    const clusterIP = (api.get({ kind: 'Service', namespace: 'default', name: 'web' })?.spec as { clusterIP: string }).clusterIP;
    expect(table.stdout).toMatch(/NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE/);
    expect(table.stdout).toMatch(new RegExp(`web\\s+ClusterIP\\s+${clusterIP.replaceAll('.', '\\.')}\\s+<none>\\s+80/TCP`));
    const slices = await kubectl('get', 'endpointslices', '-o', 'name');
    expect(slices.stdout.trim()).toBe('endpointslice.discovery.k8s.io/web-1');

    fs.writeFileSync(file, MANIFEST.replace('10.0.0.1', '10.0.0.9'));
    const reapplied = await kubectl('apply', '--validate=false', '-f', file);
    expect(reapplied.code).toBe(0);
    expect(reapplied.stdout).toContain('endpointslice.discovery.k8s.io/web-1 configured');
    expect(api.get({ kind: 'EndpointSlice', namespace: 'default', name: 'web-1' })).toMatchObject({
      endpoints: [{ addresses: ['10.0.0.9'] }],
    });

    const deleted = await kubectl('delete', '-f', file);
    expect(deleted.code).toBe(0);
    expect(api.objects()).toEqual([]);
    const missing = await kubectl('get', 'svc', 'web');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('NotFound');
  }, 60_000);
});
