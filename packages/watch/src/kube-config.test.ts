import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { loadKubeConfig } from './kube-config.ts';

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://10.0.0.1:6443", insecure-skip-tls-verify: true}
users:
- name: u
  user: {token: secret}
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
`;

describe('loadKubeConfig', () => {
  it('loads a kubeconfig file and applies --master', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kproxy-kc-'));
    try {
      const file = path.join(dir, 'config');
      fs.writeFileSync(file, KUBECONFIG);
      expect(loadKubeConfig({ kubeconfigPath: file }).getCurrentCluster()?.server).toBe('https://10.0.0.1:6443');
      const kc = loadKubeConfig({ kubeconfigPath: file, masterUrl: 'https://127.0.0.1:7443' });
      expect(kc.getCurrentCluster()?.server).toBe('https://127.0.0.1:7443');
      expect(kc.getCurrentUser()?.token).toBe('secret');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a missing file or missing in-cluster environment as ConfigError', () => {
    expect(() => loadKubeConfig({ kubeconfigPath: '/nonexistent/kubeconfig' })).toThrow(
      expect.objectContaining({ name: 'ConfigError' }),
    );
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    delete process.env.KUBERNETES_SERVICE_HOST;
    delete process.env.KUBERNETES_SERVICE_PORT;
    try {
      expect(() => loadKubeConfig({ inCluster: true })).toThrow(expect.objectContaining({ name: 'ConfigError' }));
    } finally {
      if (saved.host !== undefined) process.env.KUBERNETES_SERVICE_HOST = saved.host;
      if (saved.port !== undefined) process.env.KUBERNETES_SERVICE_PORT = saved.port;
    }
  });
});
