// The manifests Sluice generates, validated against the official Kubernetes schemas.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { dns1123Label, validateManifest } from './kubernetes/validate-manifest.ts';
import { releaseManifests, namespaceOf, workloadNameOf, type Manifest } from '../../src/runtime/kubernetes/manifests/index.ts';

const release = (over: Partial<Parameters<typeof releaseManifests>[0]> = {}): Manifest[] =>
  releaseManifests({
    project: 'shop',
    environment: 'production',
    release: 7,
    role: 'primary',
    image: `127.0.0.1:5000/shop:r7@sha256:${'a'.repeat(64)}`,
    services: [
      { name: 'web', start: 'node server.js', health: { path: '/healthz', intervalMs: 2000, timeoutMs: 1500, deadlineMs: 30_000 }, env: { MODE: 'prod' }, secretEnv: { TOKEN: 's3cr3t' }, limits: { memoryBytes: 512 * 1024 ** 2, processes: 64, openFiles: 1024, fileSizeBytes: 1024 ** 3 }, instances: ['shop.production.web.r7.1', 'shop.production.web.r7.2'] },
      { name: 'worker', start: 'node worker.js', health: null, env: {}, secretEnv: {}, instances: [] },
    ],
    ...over,
  });

void test('every manifest of a release passes the official schemas and the naming rules', () => {
  const all = release();
  assert.deepEqual(all.map((m) => `${m.kind}/${m.metadata.name}`), ['Namespace/sluice-shop-production', 'Secret/web-r7-env', 'Deployment/web-r7', 'Service/web-r7', 'Deployment/worker-r7', 'Service/worker-r7']);
  for (const m of all) validateManifest(m);
  for (const m of release({ role: 'baseline', ownerOf: () => ({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web-r7-baseline', uid: '5f0c7a4e-0000-4000-8000-000000000001' }) })) validateManifest(m);
});

void test('the schema check is real: a wrong field type is refused', () => {
  const [, , deployment] = release();
  const broken = structuredClone(deployment!) as Manifest & { spec: { replicas: unknown } };
  broken.spec.replicas = 'two';
  assert.throws(() => validateManifest(broken));
});

void test('the Deployment carries labels, image digest, probe, resources, env and secret references', () => {
  const d = release().find((m) => m.kind === 'Deployment')! as unknown as IDeployment;
  assert.equal(d.metadata!.namespace, 'sluice-shop-production');
  assert.deepEqual(d.metadata!.labels, {
    'app.kubernetes.io/managed-by': 'sluice',
    'app.kubernetes.io/name': 'web',
    'sluice.dev/project': 'shop',
    'sluice.dev/environment': 'production',
    'sluice.dev/release': '7',
    'sluice.dev/service': 'web',
    'sluice.dev/role': 'primary',
  });
  assert.equal(d.spec!.replicas, 2);
  const c = d.spec!.template.spec!.containers[0]!;
  assert.match(c.image!, /@sha256:a{64}$/);
  assert.deepEqual(c.command, ['/bin/sh', '-c', 'node server.js']);
  assert.deepEqual(c.readinessProbe, { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 3 });
  assert.deepEqual(c.resources, { limits: { memory: String(512 * 1024 ** 2) } });
  assert.deepEqual(c.env, [
    { name: 'MODE', value: 'prod' },
    { name: 'PORT', value: '8080' },
    { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'web-r7-env', key: 'TOKEN' } } },
  ]);
  assert.ok(!JSON.stringify(d).includes('s3cr3t'), 'secret values stay out of the Deployment');
  assert.equal(d.spec!.progressDeadlineSeconds, 30);
  const worker = release().filter((m) => m.kind === 'Deployment')[1] as unknown as IDeployment;
  assert.equal(worker.spec!.replicas, 0, 'no instances: scaled to zero');
  assert.deepEqual(worker.spec!.template.spec!.containers[0]!.readinessProbe!.tcpSocket, { port: 'http' });
});

void test('the Secret holds the values base64-encoded and names its owner', () => {
  const owner = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web-r7', uid: 'u-1' };
  const s = release({ ownerOf: () => owner }).find((m) => m.kind === 'Secret')! as Manifest & { data: Record<string, string> };
  assert.equal(Buffer.from(s.data.TOKEN!, 'base64').toString(), 's3cr3t');
  assert.deepEqual(s.metadata.ownerReferences, [{ ...owner, blockOwnerDeletion: true }]);
});

void test('long or odd names become valid, distinct DNS labels', () => {
  const long = namespaceOf('a'.repeat(40), 'preview-feature-branch-with-a-long-name');
  assert.ok(long.length <= 63 && dns1123Label.test(long), long);
  assert.notEqual(namespaceOf('Shop', 'prod'), namespaceOf('shop', 'prod'));
  assert.equal(workloadNameOf({ service: 'web', release: 3, role: 'baseline' }), 'web-r3-baseline');
});
