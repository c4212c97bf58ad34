// `sluice render` on a server on the process runtime: the manifests of the live release of an
// `image:` project (its image by digest, HTTPRoutes at weight 100, every object valid against
// its official schema); and `sluice server --runtime kubernetes` refused before anything starts
// when its kubeconfig cannot be read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { appFiles, deployedProject, type ReleaseJson } from './fixtures.ts';
import { freePort, runCli, tempDir } from './harness.ts';
import { registryForFile } from '../image/registry-kit.ts';
import type { Manifest } from '../../src/runtime/kubernetes/manifests/object-meta.ts';
import { validateManifest } from '../runtime/kubernetes/validate-manifest.ts';
import { validateHttpRoute } from '../router/gateway/validate-httproute.ts';

const { missing, registry } = registryForFile();

void test('sluice render prints the live release’s manifests on a process-runtime server', { skip: missing ?? false }, async (t) => {
  const reg = registry();
  const files = appFiles('v1');
  const withImage = { ...files, 'sluice.yaml': `${files['sluice.yaml']!}image:\n  base: ${reg.host}/base/busybox:1\n  workdir: /app\n` };
  const { server } = await deployedProject(t, 'rendered', withImage, { args: ['--registry', reg.url] });
  const [live] = await server.json<Array<ReleaseJson & { image?: string }>>(['releases', 'rendered', '--env', 'production']);
  const out = await server.cli(['render', 'rendered', '--env', 'production', '--gateway', 'gateways/public']);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, new RegExp(`^# sluice render rendered --env production: release ${live!.number}; weights r${live!.number} 100\n`));
  const docs = parseAllDocuments(out.stdout).map((d) => d.toJSON() as Manifest);
  assert.ok(docs.length >= 4, out.stdout);
  for (const m of docs) (m.kind === 'HTTPRoute' ? validateHttpRoute : validateManifest)(m);
  const deployment = docs.find((m) => m.kind === 'Deployment') as Manifest & { spec: { template: { spec: { containers: Array<{ image: string }> } } } };
  assert.equal(deployment.spec.template.spec.containers[0]!.image, live!.image, 'the release’s image by digest');
  const routes = docs.filter((m) => m.kind === 'HTTPRoute') as Array<Manifest & { spec: { hostnames: string[]; parentRefs: Array<{ namespace: string; name: string }>; rules: Array<{ backendRefs: Array<{ weight: number }> }> } }>;
  assert.ok(routes.length >= 1);
  for (const r of routes) {
    assert.deepEqual(r.spec.parentRefs.map((p) => `${p.namespace}/${p.name}`), ['gateways/public']);
    assert.deepEqual(r.spec.rules.at(-1)!.backendRefs.map((b) => b.weight), [10000]);
  }
  const bad = await server.cli(['render', 'rendered', '--env', 'production', '--release', '999']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /r999/);
});

void test('sluice server --runtime kubernetes with a kubeconfig it cannot read stops at once, naming it, with nothing left running', async () => {
  const dir = tempDir('kube-server');
  const kubeconfig = path.join(dir, 'missing-kubeconfig');
  const r = await runCli(['server', '--data', path.join(dir, 'data'), '--port', String(await freePort()), '--router-port', String(await freePort()), '--runtime', 'kubernetes', '--kubeconfig', kubeconfig, '--gateway', 'gateways/public'], { timeoutMs: 30_000 });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, new RegExp(`--kubeconfig ${kubeconfig.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no such file`));
  assert.ok(!fs.existsSync(path.join(dir, 'data', 'dataplane.pid')) && !fs.readdirSync(path.join(dir, 'data')).some((f) => f.startsWith('dataplane')), 'no data plane was started');
  const noGateway = await runCli(['server', '--data', path.join(dir, 'data'), '--runtime', 'kubernetes', '--kubeconfig', kubeconfig], { timeoutMs: 30_000 });
  assert.notEqual(noGateway.code, 0);
  assert.match(noGateway.stderr, /--runtime kubernetes needs --gateway NAMESPACE\/NAME/);
});
