// Bake after promotion: a breach rolls back automatically; a rollback that fails is not live.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RolloutDriver } from '../../src/engine/rollout/rollout-driver.ts';
import type { RolloutPlan } from '../../src/engine/rollout/rollout-plan.ts';
import { addProject, openFixture } from './engine-fixtures.ts';
import { figures, MemoryRouter, MemoryRuntime, rolloutDeps, storedRollout, twoReleases } from './rollout-fixtures.ts';

const plan: RolloutPlan = { strategy: { kind: 'rolling', maxSurge: 1, maxUnavailable: 0 }, bakeMs: 60_000 };

async function baking(t: import('node:test').TestContext) {
  const fx = await openFixture();
  t.after(() => fx.close());
  await addProject(fx.store);
  const { stable, target } = await twoReleases(fx.store);
  const window = JSON.stringify({ r2: figures('r2', 0, 0) });
  const rollout = await storedRollout(fx.store, target, stable, plan, { phase: 'bake', bakeUntil: '2030-01-01T00:01:00.000Z', windowJson: window });
  const runtime = new MemoryRuntime();
  const router = new MemoryRouter();
  router.figures = [figures('r2', 100, 50)]; // 50 % errors: a breach of the default 5 %
  return { fx, rollout, runtime, router, driver: new RolloutDriver(rolloutDeps(fx, runtime, router)) };
}

void test('a breach during bake rolls back to the stable release as a new live release', async (t) => {
  const { fx, rollout, driver } = await baking(t);
  const after = await driver.advance(rollout.id);
  assert.equal(after.state, 'aborted');
  const rollback = (await fx.store.getRelease('app', 'production', 3))!;
  assert.equal(rollback.state, 'live');
  assert.equal(rollback.rolledBackFrom, 2);
  const env = (await fx.store.getEnvironment('app', 'production'))!;
  assert.equal(env.state, 'healthy');
  assert.equal(env.currentRelease, 3);
});

void test('a failed automatic rollback leaves neither a live rollback release nor a healthy environment', async (t) => {
  const { fx, rollout, runtime, driver } = await baking(t);
  runtime.failStarts = 'no room for another instance';
  const after = await driver.advance(rollout.id);
  assert.equal(after.state, 'aborted');
  assert.match(after.reason ?? '', /automatic rollback failed: no room for another instance/);
  const rollback = (await fx.store.getRelease('app', 'production', 3))!;
  assert.equal(rollback.state, 'failed');
  assert.match(rollback.reason ?? '', /no room for another instance/);
  assert.equal((await fx.store.getRelease('app', 'production', 2))?.state, 'failed');
  const env = (await fx.store.getEnvironment('app', 'production'))!;
  assert.equal(env.state, 'degraded');
  assert.match(env.reason ?? '', /automatic rollback failed/);
  assert.notEqual(env.currentRelease, 3, 'the failed rollback release does not serve');
});
