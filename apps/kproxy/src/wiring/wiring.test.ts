import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfiguration } from '../config/kube-proxy-configuration.ts';
import { kubeConfigFor } from './cluster.ts';
import { familiesFor, nodeAddresses, nodeName } from './node-info.ts';

describe('node facts', () => {
  it('orders node addresses InternalIP first and derives the families, primary first', () => {
    const node = {
      metadata: { name: 'n' },
      status: {
        addresses: [
          { type: 'Hostname', address: 'n' },
          { type: 'ExternalIP', address: '198.51.100.1' },
          { type: 'InternalIP', address: 'fd00::1' },
          { type: 'InternalIP', address: '192.0.2.1' },
        ],
      },
    };
    expect(nodeAddresses(node)).toEqual(['fd00::1', '192.0.2.1', '198.51.100.1']);
    expect(familiesFor('0.0.0.0', nodeAddresses(node))).toEqual(['IPv6', 'IPv4']);
    expect(familiesFor('192.0.2.1', nodeAddresses(node))).toEqual(['IPv4', 'IPv6']);
    expect(familiesFor('0.0.0.0', [])).toEqual(['IPv4']);
    expect(familiesFor('::', ['fd00::1'])).toEqual(['IPv6']);
    expect(nodeName('Node-A ')).toBe('node-a');
  });
});

describe('kubeConfigFor', () => {
  it('uses --master alone without credentials, allowing plain http', () => {
    const kc = kubeConfigFor(defaultConfiguration(), 'http://127.0.0.1:8080');
    expect(kc.getCurrentCluster()).toMatchObject({ server: 'http://127.0.0.1:8080', skipTLSVerify: true });
    expect(kubeConfigFor(defaultConfiguration(), 'https://api.example:6443').getCurrentCluster()?.skipTLSVerify).toBe(false);
    expect(() => kubeConfigFor(defaultConfiguration(), 'not a url')).toThrow(/--master "not a url" is not a URL/);
  });

  it('reads the kubeconfig file, with --master overriding its server', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kproxy-kc-'));
    try {
      const path = join(dir, 'kubeconfig');
      writeFileSync(
        path,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters: [{name: c, cluster: {server: "https://10.0.0.1:6443", insecure-skip-tls-verify: true}}]',
          'users: [{name: u, user: {token: abc}}]',
          'contexts: [{name: x, context: {cluster: c, user: u}}]',
          'current-context: x',
        ].join('\n'),
      );
      const config = { ...defaultConfiguration(), clientConnection: { ...defaultConfiguration().clientConnection, kubeconfig: path } };
      expect(kubeConfigFor(config, '').getCurrentCluster()?.server).toBe('https://10.0.0.1:6443');
      expect(kubeConfigFor(config, 'https://10.0.0.2:6443').getCurrentCluster()?.server).toBe('https://10.0.0.2:6443');
      expect(kubeConfigFor(config, 'https://10.0.0.2:6443').getCurrentUser()?.token).toBe('abc');
      const missing = { ...config, clientConnection: { ...config.clientConnection, kubeconfig: join(dir, 'nope') } };
      expect(() => kubeConfigFor(missing, '')).toThrow(/cannot load the Kubernetes client configuration/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
