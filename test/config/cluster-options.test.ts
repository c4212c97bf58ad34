// --runtime kubernetes --kubeconfig --gateway and --prometheus: mistakes stop the start naming the option.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { clusterSettingsOf, prometheusSettingsOf } from '../../src/config/cluster-options.ts';
import { connectCluster, readKubeconfig } from '../../src/server/open-cluster.ts';

void describe('cluster options', () => {
  void it('the process runtime by default; kubernetes needs a kubeconfig and a Gateway', () => {
    assert.equal(clusterSettingsOf({}), null);
    assert.deepEqual(clusterSettingsOf({ runtime: 'kubernetes', kubeconfig: '/k', gateway: 'gateways/public' }), { kubeconfig: '/k', gateway: { namespace: 'gateways', name: 'public' } });
    assert.throws(() => clusterSettingsOf({ runtime: 'kubernetes', gateway: 'gateways/public' }), /--runtime kubernetes needs --kubeconfig FILE/);
    assert.throws(() => clusterSettingsOf({ runtime: 'kubernetes', kubeconfig: '/k' }), /needs --gateway NAMESPACE\/NAME/);
    assert.throws(() => clusterSettingsOf({ runtime: 'kubernetes', kubeconfig: '/k', gateway: 'public' }), /--gateway must be NAMESPACE\/NAME/);
    assert.throws(() => clusterSettingsOf({ runtime: 'docker' }), /--runtime must be process or kubernetes/);
    assert.throws(() => clusterSettingsOf({ kubeconfig: '/k' }), /--kubeconfig need --runtime kubernetes/);
  });

  void it('--prometheus: a URL, and a preset that fits the runtime unless named', () => {
    assert.equal(prometheusSettingsOf({}), null);
    assert.deepEqual(prometheusSettingsOf({ prometheus: 'http://127.0.0.1:9090' }), { url: 'http://127.0.0.1:9090', preset: 'sluice' });
    assert.equal(prometheusSettingsOf({ prometheus: 'http://p:9090', runtime: 'kubernetes' })?.preset, 'envoy-gateway');
    assert.equal(prometheusSettingsOf({ prometheus: 'http://p:9090', prometheusPreset: 'istio' })?.preset, 'istio');
    assert.throws(() => prometheusSettingsOf({ prometheus: 'http://p:9090', prometheusPreset: 'linkerd' }), /one of sluice, envoy-gateway, istio, ingress-nginx/);
    assert.throws(() => prometheusSettingsOf({ prometheus: 'p:9090x' }), /--prometheus must be an http\(s\) URL/);
    assert.throws(() => prometheusSettingsOf({ prometheusPreset: 'istio' }), /needs --prometheus URL/);
  });

  void it('a missing, unreadable or unusable kubeconfig is named with the reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-kc-'));
    try {
      await assert.rejects(readKubeconfig(join(dir, 'nope')), /--kubeconfig .*nope: no such file/);
      await assert.rejects(readKubeconfig(dir), /a directory, not a file/);
      const locked = join(dir, 'locked');
      writeFileSync(locked, 'x');
      chmodSync(locked, 0o000);
      if (process.getuid?.() !== 0) await assert.rejects(readKubeconfig(locked), /not readable by this user/);
      const empty = join(dir, 'empty');
      writeFileSync(empty, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
      await assert.rejects(connectCluster({ kubeconfig: empty, gateway: { namespace: 'g', name: 'p' } }), /--kubeconfig .*empty: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
