// `sluice render`'s manifests: a release's objects (the Kubernetes runtime's builders) and one
// HTTPRoute per host with the rollout's current weights, each valid against its official schema.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { renderRelease, type RenderSources } from '../../src/render/render-release.ts';
import type { Release, Rollout } from '../../src/store/records.ts';
import { validateManifest } from '../runtime/kubernetes/validate-manifest.ts';
import { validateHttpRoute } from '../router/gateway/validate-httproute.ts';

const config = (start: string) =>
  JSON.stringify({
    services: [
      { name: 'web', start, instances: 2, env: { MODE: 'live', TOKEN: '${{ secrets.API_TOKEN }}' }, health: { path: '/health', intervalMs: 1000, timeoutMs: 500, deadlineMs: 30000 } },
      { name: 'worker', start: 'node worker.js', instances: 1, env: {}, health: null },
    ],
    secretRefs: [{ group: 'shop-secrets', key: 'API_TOKEN', version: 3 }],
  });

const release = (number: number, state: string): Release => ({
  project: 'shop', environment: 'production', number, runId: null, runNumber: null, commitSha: 'abc', artifactDigest: 'sha256:00',
  image: `registry.test/shop:r${number}@sha256:${String(number).repeat(64)}`, configJson: config(`node server.js --v${number}`), state, reason: null, rolledBackFrom: null, createdAt: '2030-01-01T00:00:00.000Z',
});

const canary = (weights: object, state: Rollout['state'] = 'paused'): Rollout => ({
  id: 'ro1', project: 'shop', environment: 'production', release: 2, stable: 1, runId: null, strategyJson: '{}', state, phase: 'step', step: 1, stepStartedAt: null,
  windowJson: null, looks: 0, weightsJson: JSON.stringify(weights), decisionsJson: '[]', promoteRequested: null, abortRequested: null, abortCause: null, reason: null, bakeUntil: null, scaleDownAt: null, createdAt: '2030-01-01T00:00:00.000Z',
} as Rollout);

function sources(releases: Release[], rollout: Rollout | null): RenderSources {
  return { releases: () => Promise.resolve(releases), rollout: () => Promise.resolve(rollout), naming: { baseDomain: 'example.com', routerPort: 8080 }, gateway: { namespace: 'gateways', name: 'public' } };
}

type Route = { spec: { hostnames: string[]; rules: Array<{ backendRefs: Array<{ name: string; weight: number }> }> } };

void describe('sluice render', () => {
  void it('a canary at its current step: the canary’s and the baseline’s objects, HTTPRoutes with the step’s weights', async () => {
    const r = await renderRelease(sources([release(2, 'deploying'), release(1, 'live')], canary({ stable: 80, baseline: 10, canary: 10 })), 'shop', 'production');
    assert.equal(r.release, 2);
    assert.deepEqual(r.weights, { r1: 80, 'r1-baseline': 10, r2: 10 });
    for (const m of r.manifests) (m.kind === 'HTTPRoute' ? validateHttpRoute : validateManifest)(m);
    const kinds = r.manifests.map((m) => `${m.kind}/${m.metadata.name}`);
    assert.deepEqual(kinds.filter((k) => k.startsWith('Deployment/')).sort(), ['Deployment/web-r1-baseline', 'Deployment/web-r2', 'Deployment/worker-r1-baseline', 'Deployment/worker-r2']);
    assert.equal(kinds.filter((k) => k.startsWith('Namespace/')).length, 1, 'one namespace, once');
    const routes = r.manifests.filter((m) => m.kind === 'HTTPRoute') as unknown as Route[];
    assert.deepEqual(routes.map((x) => x.spec.hostnames[0]).sort(), ['production.shop.example.com', 'web.production.shop.example.com', 'worker.production.shop.example.com']);
    assert.deepEqual(routes[0]!.spec.rules.at(-1)!.backendRefs.map((b) => [b.name, b.weight]), [['web-r1', 8000], ['web-r1-baseline', 1000], ['web-r2', 1000]]);
    // The same documents as YAML, and no secret value in them.
    const docs = r.yaml.split(/^---$/m).map((d) => parse(d) as unknown);
    assert.deepEqual(docs, JSON.parse(JSON.stringify(r.manifests)));
    const secret = r.manifests.find((m) => m.kind === 'Secret' && m.metadata.name === 'web-r2-env') as unknown as { data: Record<string, string> };
    // Every key of the environment's groups, and the variables that refer to them: names, never values.
    assert.deepEqual(secret.data, { API_TOKEN: '', TOKEN: '' });
    const deployment = r.manifests.find((m) => m.metadata.name === 'web-r2' && m.kind === 'Deployment') as unknown as { spec: { replicas: number; template: { spec: { containers: Array<{ image: string }> } } } };
    assert.equal(deployment.spec.replicas, 2);
    assert.equal(deployment.spec.template.spec.containers[0]!.image, release(2, '').image);
  });

  void it('the live release when nothing rolls out; another release by number; a missing one is not found', async () => {
    const live = await renderRelease(sources([release(2, 'failed'), release(1, 'live')], canary({ stable: 0, baseline: 0, canary: 100 }, 'aborted')), 'shop', 'production');
    assert.equal(live.release, 1);
    assert.deepEqual(live.weights, { r1: 100 });
    const old = await renderRelease(sources([release(2, 'live'), release(1, 'superseded')], null), 'shop', 'production', 1);
    assert.equal(old.release, 1);
    assert.ok(old.manifests.some((m) => m.metadata.name === 'web-r1'));
    await assert.rejects(renderRelease(sources([release(1, 'live')], null), 'shop', 'production', 9), /r9 of shop\/production/);
  });

  void it('a release without an image says what to add', async () => {
    await assert.rejects(renderRelease(sources([{ ...release(1, 'live'), image: null }], null), 'shop', 'production'), /no image: add an image block to sluice.yaml/);
  });
});
