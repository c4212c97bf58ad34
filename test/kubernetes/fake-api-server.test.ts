// The simulated API server, checked through @kubernetes/client-node against the documented
// semantics it claims (the doc links are in fake-api-server.ts and its helpers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiException, KubeConfig, KubernetesObjectApi, PatchStrategy, Watch, type KubernetesObject } from '@kubernetes/client-node';
import { FakeApiServer } from './fake-api-server.ts';
import { waitFor } from '../wait-for.ts';

interface Sim {
  api: FakeApiServer;
  objects: KubernetesObjectApi;
  kc: KubeConfig;
}

async function withSim(fn: (sim: Sim) => Promise<void>, options: ConstructorParameters<typeof FakeApiServer>[0] = {}): Promise<void> {
  const api = new FakeApiServer(options);
  await api.start();
  const kc = new KubeConfig();
  kc.loadFromString(api.kubeconfig());
  try {
    await fn({ api, kc, objects: KubernetesObjectApi.makeApiClient(kc) });
  } finally {
    await api.close();
  }
}

const apply = (objects: KubernetesObjectApi, spec: KubernetesObject, manager = 'sluice', force = false): Promise<KubernetesObject> =>
  objects.patch(spec, undefined, undefined, manager, force, PatchStrategy.ServerSideApply);

const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } };
const deployment = (replicas: number, image = 'reg.example/app:r1@sha256:' + 'a'.repeat(64), extra: Record<string, string> = {}): KubernetesObject & { spec: unknown } => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'demo', labels: { app: 'web', ...extra } },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    progressDeadlineSeconds: 600,
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image, terminationMessagePolicy: 'FallbackToLogsOnError' }] } },
  },
});

const statusOf = async (objects: KubernetesObjectApi, name = 'web'): Promise<Record<string, unknown>> =>
  ((await objects.read({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'demo' } })) as unknown as { status?: Record<string, unknown> }).status ?? {};

const podsOf = async (objects: KubernetesObjectApi): Promise<Array<{ metadata: { name: string; deletionTimestamp?: unknown }; spec: { nodeName?: string }; status: { conditions?: Array<{ type: string; status: string }>; containerStatuses?: Array<{ restartCount: number; state: Record<string, { reason?: string; message?: string }>; lastState?: { terminated?: { exitCode: number; message?: string } } }> } }>> =>
  (await objects.list('v1', 'Pod', 'demo')).items as never;

const ready = (p: Awaited<ReturnType<typeof podsOf>>[number]): boolean => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

void test('server-side apply: creates, records the field manager, removes fields the manager drops, 409 on another manager\'s field unless forced', () =>
  withSim(async ({ objects }) => {
    await apply(objects, ns);
    await apply(objects, deployment(1, undefined, { tier: 'front' }));
    type Live = KubernetesObject & { spec: { replicas: number } };
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'demo' } };
    let live = await objects.read<Live>(ref);
    const mine = live.metadata?.managedFields?.find((f) => f.manager === 'sluice');
    assert.equal(mine?.operation, 'Apply');
    assert.ok(JSON.stringify(mine?.fieldsV1).includes('"f:replicas"'));
    // Dropping a label from the applied configuration removes it (no other manager owns it).
    await apply(objects, deployment(1));
    live = await objects.read<Live>(ref);
    assert.equal(live.metadata?.labels?.tier, undefined);
    // Another manager's value for a field sluice owns: conflict, then forced.
    const err = await apply(objects, deployment(3), 'kubectl').then(() => null, (e: unknown) => e);
    assert.ok(err instanceof ApiException && err.code === 409, String(err));
    const status = JSON.parse(String((err as ApiException<unknown>).body)) as { reason: string; details: { causes: Array<{ field: string; message: string }> } };
    assert.equal(status.reason, 'Conflict');
    assert.deepEqual(status.details.causes.map((c) => [c.field, c.message]), [['.spec.replicas', 'conflict with "sluice"']]);
    await apply(objects, deployment(3), 'kubectl', true);
    live = await objects.read<Live>(ref);
    assert.equal(live.spec.replicas, 3);
    const owners = live.metadata?.managedFields?.filter((f) => f.subresource === undefined && JSON.stringify(f.fieldsV1).includes('"f:replicas"')).map((f) => f.manager);
    assert.deepEqual(owners, ['kubectl'], 'force moves the field to the new manager');
  }));

void test('resourceVersion: an update naming an old version is a 409 Conflict; status only changes through /status', () =>
  withSim(async ({ objects }) => {
    await apply(objects, ns);
    const created = await apply(objects, deployment(0));
    await apply(objects, { ...deployment(0), metadata: { ...deployment(0).metadata, annotations: { a: '1' } } });
    const stale = { ...created, metadata: { ...created.metadata, annotations: { a: '2' } } };
    const err = await objects.replace(stale).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof ApiException && err.code === 409, String(err));
    const fresh = await objects.read<KubernetesObject & { status?: unknown }>({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'demo' } });
    await objects.replace({ ...fresh, status: { replicas: 99 } } as KubernetesObject);
    assert.notEqual((await statusOf(objects)).replicas, 99, 'a PUT to the object leaves status alone');
  }));

void test('watches: bookmarks carry the resourceVersion; a compacted version is 410 Gone', () =>
  withSim(
    async ({ api, kc, objects }) => {
      await apply(objects, ns);
      const watch = new Watch(kc);
      const seen: Array<{ type: string; rv: string | undefined }> = [];
      const ctl = await watch.watch('/api/v1/namespaces', { allowWatchBookmarks: true, resourceVersion: '1' }, (type, obj: KubernetesObject) => seen.push({ type, rv: obj.metadata?.resourceVersion }), () => {});
      await apply(objects, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
      await waitFor('a bookmark', () => seen.some((e) => e.type === 'BOOKMARK'), 5000);
      assert.ok(seen.filter((e) => e.type === 'ADDED').length >= 2);
      ctl.abort();
      api.store.compact();
      const gone = await new Promise<{ type: string; code: unknown }>((resolve) => {
        void watch.watch('/api/v1/namespaces', { resourceVersion: '1' }, (type, obj: { code?: unknown }) => resolve({ type, code: obj.code }), () => {});
      });
      assert.deepEqual(gone, { type: 'ERROR', code: 410 });
    },
    { bookmarkMs: 20 },
  ));

void test('Deployment controller: pods ready after a delay, status through the subresource, scale down to zero', () =>
  withSim(async ({ objects }) => {
    await apply(objects, ns);
    await apply(objects, deployment(2));
    await waitFor('two ready replicas', async () => (await statusOf(objects)).readyReplicas === 2, 5000);
    const pods = await podsOf(objects);
    assert.equal(pods.length, 2);
    assert.ok(pods.every(ready));
    await apply(objects, deployment(0));
    await waitFor('no pods', async () => (await podsOf(objects)).length === 0, 5000);
    assert.equal((await statusOf(objects)).replicas, 0);
  }));

void test('crash loop: CrashLoopBackOff with the exit code and the log tail as termination message', () =>
  withSim(
    async ({ objects }) => {
      await apply(objects, ns);
      await apply(objects, deployment(1));
      await waitFor('CrashLoopBackOff', async () => (await podsOf(objects))[0]?.status.containerStatuses?.[0]?.state.waiting?.reason === 'CrashLoopBackOff', 5000);
      const c = (await podsOf(objects))[0]!.status.containerStatuses![0]!;
      assert.equal(c.lastState?.terminated?.exitCode, 3);
      assert.match(c.lastState?.terminated?.message ?? '', /boom/);
      await waitFor('restarts', async () => ((await podsOf(objects))[0]?.status.containerStatuses?.[0]?.restartCount ?? 0) >= 2, 5000);
    },
    { behaviour: () => ({ kind: 'crash', exitCode: 3, logs: ['Error: boom'] }) },
  ));

void test('image pull failure: ErrImagePull, then ImagePullBackOff', () =>
  withSim(
    async ({ objects }) => {
      await apply(objects, ns);
      await apply(objects, deployment(1, 'reg.example/missing:r1'));
      const reasons = new Set<string>();
      await waitFor('both pull reasons', async () => {
        const reason = (await podsOf(objects))[0]?.status.containerStatuses?.[0]?.state.waiting?.reason;
        if (reason) reasons.add(reason);
        return reasons.has('ErrImagePull') && reasons.has('ImagePullBackOff');
      }, 5000);
    },
    { pullable: (image) => !image.includes('missing') },
  ));

void test('node lost mid-rollout: its pods turn not ready, are evicted and replaced on another node', () =>
  withSim(async ({ api, objects }) => {
    await apply(objects, ns);
    await apply(objects, deployment(2));
    await waitFor('ready', async () => (await statusOf(objects)).readyReplicas === 2, 5000);
    const before = await podsOf(objects);
    const lost = before[0]!.spec.nodeName!;
    api.controller.loseNode(lost);
    await waitFor('a replica not ready', async () => ((await statusOf(objects)).readyReplicas as number) < 2, 5000);
    await waitFor('replaced on the other node', async () => {
      const pods = (await podsOf(objects)).filter((p) => !p.metadata.deletionTimestamp);
      return pods.length === 2 && pods.every((p) => p.spec.nodeName !== lost && ready(p));
    }, 5000);
  }));

void test('deleting a Deployment takes the objects it owns (ownerReferences); deleting a namespace empties it', () =>
  withSim(async ({ objects }) => {
    await apply(objects, ns);
    const d = await apply(objects, deployment(1));
    await apply(objects, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-env', namespace: 'demo', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata!.uid! }] }, data: {} } as KubernetesObject);
    await objects.delete(d);
    await waitFor('dependents gone', async () => (await objects.list('v1', 'Secret', 'demo')).items.length === 0 && (await podsOf(objects)).length === 0, 5000);
    await apply(objects, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'other', namespace: 'demo' }, data: {} } as KubernetesObject);
    await objects.delete(ns);
    assert.equal((await objects.list('v1', 'Secret', 'demo')).items.length, 0);
  }));
