// What the Kubernetes runtime does beyond the Runtime contract, on the simulated API server:
// the objects it applies (and how), secrets per release, image pull failures, a node lost
// mid-rollout, scale to zero, and watches that expire.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubernetesRuntime } from '../../src/runtime/kubernetes/kubernetes-runtime.ts';
import type { Manifest } from '../../src/runtime/kubernetes/manifests/index.ts';
import type { InstanceRequest } from '../../src/runtime/runtime.ts';
import { FakeApiServer, type FakeApiServerOptions } from '../kubernetes/fake-api-server.ts';
import { waitFor } from '../wait-for.ts';
import { kubeBehaviour } from './kubernetes/kube-behaviour.ts';
import { validateManifest } from './kubernetes/validate-manifest.ts';

const digest = `sha256:${'b'.repeat(64)}`;

async function setup(t: TestContext, options: FakeApiServerOptions = {}, images: (n: number) => string | null = (n) => `127.0.0.1:5000/shop:r${n}@${digest}`): Promise<{ api: FakeApiServer; runtime: KubernetesRuntime }> {
  const api = new FakeApiServer({ behaviour: kubeBehaviour, ...options });
  await api.start();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-k8s-'));
  const runtime = new KubernetesRuntime({ kubeconfig: { yaml: api.kubeconfig() }, dataDir, imageOf: async (r) => images(r.number), logPollMs: 50 });
  t.after(async () => {
    await runtime.close();
    await api.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { api, runtime };
}

const req = (workdir: string, n: number, index: number, over: Partial<InstanceRequest> = {}): InstanceRequest => ({
  id: `shop.production.web.r${n}.${index}`,
  workdir,
  command: 'node server.js',
  env: { MODE: 'ok' },
  secretEnv: { TOKEN: `token-of-r${n}` },
  health: { path: '/healthz', intervalMs: 1000, timeoutMs: 1000, deadlineMs: 10_000 },
  labels: { project: 'shop', environment: 'production', service: 'web', release: String(n) },
  ...over,
});

const stored = (api: FakeApiServer, resource: string, ns = 'sluice-shop-production'): Manifest[] => api.store.list(resource, ns, null) as unknown as Manifest[];

void test('applies a namespace, a Deployment, a Service and an owned Secret with server-side apply as sluice; each passes the official schemas', async (t) => {
  const { api, runtime } = await setup(t);
  const workdir = await runtime.prepare({ key: 'shop/production/r1', artifactDigest: 'sha256:x' });
  assert.equal(workdir, `127.0.0.1:5000/shop:r1@${digest}`, 'prepare answers the release image from its record');
  await runtime.startInstance(req(workdir, 1, 1));
  await runtime.waitReady('shop.production.web.r1.1', 10_000);
  const writes = api.requests.filter((r) => r.method === 'PATCH' || r.method === 'PUT' || r.method === 'POST');
  assert.ok(writes.length >= 4);
  assert.ok(writes.every((r) => r.contentType === 'application/apply-patch+yaml' && r.fieldManager === 'sluice' && r.query.includes('force=true')), JSON.stringify(writes));
  const [deployment] = stored(api, 'deployments');
  const [secret] = stored(api, 'secrets');
  const objects = [...stored(api, 'namespaces', ''), deployment!, ...stored(api, 'services'), secret!];
  for (const o of objects) validateManifest({ ...o, metadata: { ...o.metadata, managedFields: undefined } as never, status: undefined });
  assert.equal((deployment!.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers[0]!.image, workdir);
  assert.deepEqual(secret!.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid]), [['Deployment', 'web-r1', deployment!.metadata.uid]]);
  assert.ok(!JSON.stringify(deployment).includes('token-of-r1'), 'the secret value is in the Secret only');
});

void test('each release has its own Secret: removing a release removes its Secret (owned), a rollback finds its own values', async (t) => {
  const { api, runtime } = await setup(t);
  for (const n of [1, 2]) {
    const workdir = await runtime.prepare({ key: `shop/production/r${n}`, artifactDigest: 'sha256:x' });
    await runtime.startInstance(req(workdir, n, 1));
    await runtime.waitReady(`shop.production.web.r${n}.1`, 10_000);
  }
  const value = (name: string): string | undefined => {
    const s = stored(api, 'secrets').find((x) => x.metadata.name === name) as (Manifest & { data: Record<string, string> }) | undefined;
    return s ? Buffer.from(s.data.TOKEN!, 'base64').toString() : undefined;
  };
  assert.equal(value('web-r1-env'), 'token-of-r1');
  assert.equal(value('web-r2-env'), 'token-of-r2');
  // r2 goes (a rollback to r1): its Deployment's Secret goes with it; r1 still runs with r1's values.
  await runtime.stopInstance('shop.production.web.r2.1');
  assert.equal(await runtime.removeRelease('shop/production/r2'), true);
  await waitFor('the r2 Secret collected', () => value('web-r2-env') === undefined, 5000);
  assert.equal(value('web-r1-env'), 'token-of-r1');
});

void test('an image that cannot be pulled fails the instance with the kubelet\'s reason', async (t) => {
  const { runtime } = await setup(t, { pullable: (image) => !image.includes(':r9@') });
  const workdir = await runtime.prepare({ key: 'shop/production/r9', artifactDigest: 'sha256:x' });
  await runtime.startInstance(req(workdir, 9, 1));
  await assert.rejects(runtime.waitReady('shop.production.web.r9.1', 10_000), /failed: image 127\.0\.0\.1:5000\/shop:r9@sha256:b+ cannot be pulled \((ErrImagePull|ImagePullBackOff)\)/);
});

void test('a release without an image cannot be prepared', async (t) => {
  const { runtime } = await setup(t, {}, () => null);
  await assert.rejects(runtime.prepare({ key: 'shop/production/r1', artifactDigest: 'sha256:x' }), /has no OCI image/);
});

void test('a node lost mid-rollout: its instance turns unhealthy (node lost), then ready again on a replacement pod', async (t) => {
  const { api, runtime } = await setup(t);
  const workdir = await runtime.prepare({ key: 'shop/production/r1', artifactDigest: 'sha256:x' });
  await runtime.startInstance(req(workdir, 1, 1));
  await runtime.startInstance(req(workdir, 1, 2));
  await Promise.all([runtime.waitReady('shop.production.web.r1.1', 10_000), runtime.waitReady('shop.production.web.r1.2', 10_000)]);
  const node = (api.store.list('pods', 'sluice-shop-production', null)[0]!.spec as { nodeName: string }).nodeName;
  // Mid-rollout: r1 is serving while r2 starts.
  const workdir2 = await runtime.prepare({ key: 'shop/production/r2', artifactDigest: 'sha256:x' });
  await runtime.startInstance(req(workdir2, 2, 1));
  api.controller.loseNode(node);
  await waitFor('an unhealthy instance (node lost)', async () => (await runtime.listInstances()).some((i) => i.state === 'unhealthy' && /^node node-\d is lost/.test(i.reason ?? '')), 5000);
  await runtime.waitReady('shop.production.web.r2.1', 10_000);
  await waitFor('every instance ready again', async () => {
    const list = await runtime.listInstances();
    return list.length === 3 && list.every((i) => i.state === 'ready');
  }, 10_000);
  const pods = api.store.list('pods', 'sluice-shop-production', null).filter((p) => !(p.metadata as { deletionTimestamp?: string }).deletionTimestamp);
  assert.ok(pods.every((p) => (p.spec as { nodeName: string }).nodeName !== node));
});

void test('scale to zero is replicas: 0, and the Deployment stays for the wake', async (t) => {
  const { api, runtime } = await setup(t);
  const workdir = await runtime.prepare({ key: 'shop/production/r1', artifactDigest: 'sha256:x' });
  await runtime.startInstance(req(workdir, 1, 1));
  await runtime.waitReady('shop.production.web.r1.1', 10_000);
  await runtime.stopInstance('shop.production.web.r1.1');
  const [d] = stored(api, 'deployments');
  assert.equal((d!.spec as { replicas: number }).replicas, 0);
  assert.equal(api.store.list('pods', 'sluice-shop-production', null).length, 0);
  await runtime.startInstance(req(workdir, 1, 1));
  await runtime.waitReady('shop.production.web.r1.1', 10_000);
});

void test('a watch whose resourceVersion was compacted away (410 Gone) lists again and goes on', async (t) => {
  const { api, runtime } = await setup(t);
  const workdir = await runtime.prepare({ key: 'shop/production/r1', artifactDigest: 'sha256:x' });
  await runtime.startInstance(req(workdir, 1, 1));
  await runtime.waitReady('shop.production.web.r1.1', 10_000);
  const lists = (): number => api.requests.filter((r) => r.method === 'GET' && r.path === '/api/v1/pods' && !r.query.includes('watch=true')).length;
  const before = lists();
  // The watches drop and cannot come back while changes happen and the history is compacted.
  api.holdWatches();
  api.dropWatches();
  await runtime.startInstance(req(workdir, 1, 2));
  api.store.compact();
  api.releaseWatches();
  await runtime.waitReady('shop.production.web.r1.2', 10_000);
  await waitFor('a re-list', () => lists() > before, 5000);
  assert.equal((await runtime.listInstances()).filter((i) => i.state === 'ready').length, 2);
});

void test('pod logs reach the instance log spool the server ingests', async (t) => {
  const { api, runtime } = await setup(t);
  const workdir = await runtime.prepare({ key: 'shop/production/r1', artifactDigest: 'sha256:x' });
  await runtime.startInstance(req(workdir, 1, 1));
  await runtime.waitReady('shop.production.web.r1.1', 10_000);
  const pod = api.store.list('pods', 'sluice-shop-production', null)[0]!;
  api.controller.appendLog('sluice-shop-production', (pod.metadata as { name: string }).name, 'GET / 200');
  const file = runtime.logFileOf('shop.production.web.r1.1');
  await waitFor('the line in the spool', () => existsSync(file) && readFileSync(file, 'utf8').includes('GET / 200'), 5000);
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { line: string }).line);
  assert.deepEqual(lines, ['hello from the instance', 'GET / 200'], 'each line once');
});

void test('@kubernetes/client-node is loaded only when the Kubernetes runtime connects', () => {
  const dir = path.join(import.meta.dirname, '../../src');
  const offenders: string[] = [];
  for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(path.join(dir, file), 'utf8');
    if (/^import (?!type )[^;]*'@kubernetes\/client-node'/m.test(text)) offenders.push(file);
  }
  assert.deepEqual(offenders, [], 'no static value import of the client');
  assert.match(readFileSync(path.join(dir, 'runtime/kubernetes/kube-api.ts'), 'utf8'), /await import\('@kubernetes\/client-node'\)/);
});

void test('an API refusal is a RuntimeError naming the call and the API server\'s message', async (t) => {
  const { runtime } = await setup(t);
  // No prepare: the namespace does not exist, and the API server says so.
  await assert.rejects(runtime.startInstance(req(`127.0.0.1:5000/shop:r1@${digest}`, 1, 1)), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'runtime_error');
    assert.match(error.message, /^Kubernetes API: apply Secret sluice-shop-production\/web-r1-env: 404 namespaces "sluice-shop-production" not found$/);
    return true;
  });
});
