// Custom domains follow the release through every strategy, against a real SQLite store and
// an in-memory router: blue/green serves them from blue until the switch (never as next.*),
// canary weights them like the router's own names, a release that drops a domain removes its
// route once live, and an aborted rollout removes the new domains and gives the claims back.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { DomainClaims } from '../../src/engine/domains/domain-claims.ts';
import { RolloutDriver } from '../../src/engine/rollout/rollout-driver.ts';
import type { RolloutPlan } from '../../src/engine/rollout/rollout-plan.ts';
import type { ReleaseConfig } from '../../src/engine/deploy/release-config.ts';
import type { DesiredBackend, HeaderPin, SetRouteOptions } from '../../src/router/router.ts';
import type { RouteTable } from '../../src/router/route-table.ts';
import type { Release } from '../../src/store/records.ts';
import { addProject, openFixture, type Fixture } from './engine-fixtures.ts';
import { MemoryRouter, MemoryRuntime, rolloutDeps, storedRollout } from './rollout-fixtures.ts';

/** Records each route's options, and applies every instance as a ready target (so weights agree). */
class RecordingRouter extends MemoryRouter {
  readonly options = new Map<string, SetRouteOptions | undefined>();
  override async setRoute(host: string, backends: DesiredBackend[], _pin?: HeaderPin, opts?: SetRouteOptions): Promise<void> {
    this.options.set(host, opts);
    await super.setRoute(host, backends);
  }
  override async removeRoute(host: string): Promise<void> {
    this.options.delete(host);
    await super.removeRoute(host);
  }
  override async applied(): Promise<RouteTable> {
    return { routes: [...this.routes].map(([host, backends]) => ({ host, backends: backends.map((b) => ({ release: b.release, weight: b.weight, targets: b.instances.map((id) => ({ id, host: '127.0.0.1', port: 1 })) })) })) };
  }
  weights(host: string): Record<string, number> | undefined {
    const b = this.routes.get(host);
    return b && Object.fromEntries(b.map((x) => [x.release, x.weight]));
  }
}

const hsts = { maxAgeSeconds: 600, includeSubDomains: false };
const configOf = (domains: string[], withHsts = false): ReleaseConfig => ({
  services: [{ name: 'web', start: 'node server.js', health: null, instances: 1, env: {} }],
  domains: domains.map((name) => ({ name, certificate: null })),
  hsts: withHsts ? hsts : null,
});

async function setup(t: TestContext, plan: RolloutPlan) {
  const fx: Fixture = await openFixture();
  t.after(() => fx.close());
  await addProject(fx.store);
  await fx.store.ensureEnvironment('app', 'production', '2030-01-01T00:00:00.000Z');
  const make = (config: ReleaseConfig, state: string): Promise<Release> =>
    fx.store.createRelease({
      project: 'app', environment: 'production', runId: null, runNumber: 1, commitSha: 'a'.repeat(40), artifactDigest: `sha256:${'0'.repeat(64)}`,
      configJson: JSON.stringify(config), state, reason: null, rolledBackFrom: null, createdAt: '2030-01-01T00:00:00.000Z',
    });
  const stableConfig = configOf(['shop.example.com', 'old.example.com']);
  const stable = await make(stableConfig, 'live');
  const target = await make(configOf(['shop.example.com', 'new.example.com'], true), 'deploying');
  await fx.store.updateEnvironment('app', 'production', { currentRelease: stable.number, desiredRelease: target.number, state: 'progressing' });
  const runtime = new MemoryRuntime();
  const router = new RecordingRouter();
  const domains = new DomainClaims({ store: fx.store, readSecret: async () => null, sealer: { encrypt: (x) => x }, certificates: null, reconciler: null, clock: fx.clock, warn: () => {} });
  await domains.claim('app', 'production', configOf(['shop.example.com', 'new.example.com']));
  // Blue serves its domains before the rollout starts.
  await runtime.startInstance({ id: 'app.production.web.r1.1', workdir: '/x', command: 'x', env: {}, secretEnv: {}, health: null, labels: { project: 'app', environment: 'production', service: 'web', release: '1' } });
  for (const host of ['production.app.localhost', 'web.production.app.localhost', 'shop.example.com', 'old.example.com']) await router.setRoute(host, [{ release: 'r1', weight: 100, instances: ['app.production.web.r1.1'] }]);
  const rollout = await storedRollout(fx.store, target, stable, plan, { weightsJson: JSON.stringify({ stable: 100, canary: 0, baseline: 0 }) });
  const driver = new RolloutDriver({ ...rolloutDeps(fx, runtime, router), domains });
  return { fx, runtime, router, rollout, driver, stableConfig };
}

void test('blue/green: the domains stay on blue until the switch, get no next. host, then follow green; a dropped domain loses its route', async (t) => {
  const { fx, router, rollout, driver } = await setup(t, { strategy: { kind: 'blueGreen', scaleDownDelayMs: 0, analysis: null }, bakeMs: 0 });
  await driver.advance(rollout.id);
  assert.equal((await fx.store.getRollout(rollout.id))?.phase, 'ready');
  assert.deepEqual(router.weights('shop.example.com'), { r1: 100, r2: 0 });
  assert.deepEqual(router.weights('new.example.com'), { r1: 100, r2: 0 });
  assert.equal(router.routes.has('next.shop.example.com'), false);
  assert.ok(router.routes.has('next.production.app.localhost'));
  assert.deepEqual(router.options.get('new.example.com')?.hsts, hsts);
  assert.equal(router.options.get('production.app.localhost')?.hsts, undefined);
  // Every host of the environment carries its flag scope (variant attribution), previews and domains too.
  for (const host of ['production.app.localhost', 'next.production.app.localhost', 'new.example.com']) {
    assert.deepEqual(router.options.get(host)?.flagScope, { project: 'app', environment: 'production' }, host);
  }
  await fx.store.updateRollout(rollout.id, { promoteRequested: 'full' });
  await driver.advance(rollout.id); // ready → switch
  await driver.advance(rollout.id); // the switch
  assert.deepEqual(router.weights('shop.example.com'), { r2: 100 });
  assert.deepEqual(router.weights('new.example.com'), { r2: 100 });
  assert.equal(router.routes.has('old.example.com'), false, 'the live release has no old.example.com');
});

void test('canary: a domain gets the canary weight like the environment host', async (t) => {
  const { router, rollout, driver } = await setup(t, { strategy: { kind: 'canary', steps: [{ weight: 30, pauseMs: null }], analysis: null }, bakeMs: 0 });
  for (let i = 0; i < 3; i++) await driver.advance(rollout.id);
  assert.deepEqual(router.weights('shop.example.com'), router.weights('production.app.localhost'));
  assert.equal(router.weights('shop.example.com')?.r2, 30);
});

void test('an aborted rolling update puts blue back on the domains, removes the new one, and gives the claims back', async (t) => {
  const { fx, runtime, router, rollout, driver } = await setup(t, { strategy: { kind: 'rolling', maxSurge: 1, maxUnavailable: 0 }, bakeMs: 0 });
  runtime.failStarts = 'no room';
  const after = await driver.advance(rollout.id);
  assert.equal(after.state, 'aborted');
  assert.deepEqual(router.weights('shop.example.com'), { r1: 100 });
  assert.deepEqual(router.weights('old.example.com'), { r1: 100 });
  assert.equal(router.routes.has('new.example.com'), false);
  assert.deepEqual((await fx.store.listDomainClaims({ project: 'app' })).map((c) => c.domain), ['old.example.com', 'shop.example.com']);
});
