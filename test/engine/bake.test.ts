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

void test('bake judges p99 with the analysis rule: beyond the last latency bucket cannot pass maxP99', async (t) => {
  const fx = await openFixture();
  t.after(() => fx.close());
  await addProject(fx.store);
  const { stable, target } = await twoReleases(fx.store);
  const analysis = { maxErrorRate: null, maxP99Ms: 500, minSamples: 20, intervalMs: 1000, alpha: 0.05 };
  const slow: RolloutPlan = { strategy: { kind: 'blueGreen', scaleDownDelayMs: 0, analysis }, bakeMs: 60_000 };
  const window = JSON.stringify({ r2: figures('r2', 0, 0) });
  const rollout = await storedRollout(fx.store, target, stable, slow, { phase: 'bake', bakeUntil: '2030-01-01T00:01:00.000Z', windowJson: window });
  const router = new MemoryRouter();
  // Every request took longer than the last bound (100 ms): p99 is at least 100 ms, maybe far above 500.
  router.figures = [{ ...figures('r2', 100, 0), latency: { bounds: [10, 100], counts: [0, 0, 100], sum: 100_000 } }];
  const after = await new RolloutDriver(rolloutDeps(fx, new MemoryRuntime(), router)).advance(rollout.id);
  assert.equal(after.state, 'aborted');
  assert.match(after.reason ?? '', /beyond the histogram's last bound/);
  const decisions = JSON.parse(after.decisionsJson) as Array<{ metric: string; verdict: string; step: unknown }>;
  assert.deepEqual(decisions.map((d) => [d.metric, d.verdict, d.step]), [['maxP99', 'fail', 'bake']]);
});
