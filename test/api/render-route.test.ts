// GET /api/projects/:name/environments/:env/render in-process (app.inject): the manifests and
// their YAML, the query checked (release number, gateway NS/NAME), environments a token does not
// see answered 404.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../src/errors.ts';
import { registerRenderRoute } from '../../src/api/render-route.ts';
import type { Principal } from '../../src/auth/principal.ts';
import type { Release } from '../../src/store/records.ts';
import { routeTestApp, viewer } from './route-test-app.ts';

const release: Release = {
  project: 'shop', environment: 'production', number: 4, runId: null, runNumber: null, commitSha: 'abc', artifactDigest: 'sha256:00',
  image: 'registry.test/shop:r4@sha256:' + 'a'.repeat(64), configJson: JSON.stringify({ services: [{ name: 'web', start: 'node server.js', instances: 1, env: {}, health: null }] }),
  state: 'live', reason: null, rolledBackFrom: null, createdAt: '2030-01-01T00:00:00.000Z',
};

function app(principal: Principal = viewer): Promise<FastifyInstance> {
  return routeTestApp(principal, (a) =>
    registerRenderRoute(a, {
      assertProject: async (name) => {
        if (name !== 'shop') throw new NotFoundError('project', name);
      },
      releases: async () => [release],
      rollout: async () => null,
      naming: { baseDomain: 'example.com', routerPort: 8080 },
    }),
  );
}

void test('the live release’s manifests, attached to the default Gateway or the one asked for', async (t) => {
  const a = await app();
  t.after(() => a.close());
  const res = await a.inject({ method: 'GET', url: '/api/projects/shop/environments/production/render' });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json<{ release: number; weights: Record<string, number>; manifests: Array<{ kind: string; spec?: { parentRefs?: unknown[] } }>; yaml: string }>();
  assert.equal(body.release, 4);
  assert.deepEqual(body.weights, { r4: 100 });
  assert.deepEqual(body.manifests.map((m) => m.kind), ['Namespace', 'Deployment', 'Service', 'HTTPRoute', 'HTTPRoute']);
  assert.match(body.yaml, /namespace: sluice-system\n\s+name: sluice/);
  const other = await a.inject({ method: 'GET', url: '/api/projects/shop/environments/production/render?gateway=gw/public&release=4' });
  assert.equal(other.statusCode, 200, other.body);
  assert.match(other.json<{ yaml: string }>().yaml, /namespace: gw\n\s+name: public/);
});

void test('bad input is refused naming it; unknown projects, releases and hidden environments are 404', async (t) => {
  const a = await app();
  t.after(() => a.close());
  const bad = await a.inject({ method: 'GET', url: '/api/projects/shop/environments/production/render?release=r4' });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /release must be a release number/);
  const gw = await a.inject({ method: 'GET', url: '/api/projects/shop/environments/production/render?gateway=public' });
  assert.equal(gw.statusCode, 400);
  assert.match(gw.body, /gateway must be NAMESPACE\/NAME/);
  assert.equal((await a.inject({ method: 'GET', url: '/api/projects/nope/environments/production/render' })).statusCode, 404);
  assert.equal((await a.inject({ method: 'GET', url: '/api/projects/shop/environments/production/render?release=9' })).statusCode, 404);
  const scoped = await app({ name: 'staging-only', role: 'viewer', projects: null, environments: ['staging'] });
  t.after(() => scoped.close());
  assert.equal((await scoped.inject({ method: 'GET', url: '/api/projects/shop/environments/production/render' })).statusCode, 404);
});
