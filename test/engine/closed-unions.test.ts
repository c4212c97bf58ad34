// States, phases and stage kinds are closed: an unknown value read back from the store fails
// the rollout or the run with its reason at once (an IllegalTransitionError), never loops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { RolloutDriver } from '../../src/engine/rollout/rollout-driver.ts';
import type { RolloutPlan } from '../../src/engine/rollout/rollout-plan.ts';
import type { Rollout } from '../../src/store/records.ts';
import { addProject, openFixture } from './engine-fixtures.ts';
import { claimedRun } from './executor-fixtures.ts';
import { MemoryRouter, MemoryRuntime, rolloutDeps, storedRollout, twoReleases } from './rollout-fixtures.ts';

const canary: RolloutPlan = { strategy: { kind: 'canary', steps: [{ weight: 10, pauseMs: 1000 }], analysis: null }, bakeMs: 0 };

/**
 * Drives the rollout; fails the test (instead of hanging) when it has not ended after 200 steps.
 * Counted in steps, not time: the fixture's clock never sleeps, so the loop never yields to timers.
 */
async function driveBounded(driver: RolloutDriver, id: string): Promise<Rollout> {
  let steps = 0;
  const r = await driver.drive(id, { tickMs: 1, until: () => ++steps > 200 });
  assert.ok(steps <= 200, 'the rollout did not end after 200 steps');
  return r;
}

for (const [what, patch] of [
  ['phase', { phase: 'stretch' }],
  ['state', { state: 'wobbling', phase: 'step' }],
] as const) {
  void test(`a rollout with an unknown ${what} ends aborted with the reason, and its release fails`, async (t) => {
    const fx = await openFixture();
    t.after(() => fx.close());
    await addProject(fx.store);
    const { stable, target } = await twoReleases(fx.store);
    const rollout = await storedRollout(fx.store, target, stable, canary, patch as unknown as Partial<Rollout>);
    const after = await driveBounded(new RolloutDriver(rolloutDeps(fx, new MemoryRuntime(), new MemoryRouter())), rollout.id);
    assert.equal(after.state, 'aborted');
    assert.match(after.reason ?? '', new RegExp(`unknown ${what} "${Object.values(patch)[0]}"`));
    assert.equal((await fx.store.getRelease('app', 'production', target.number))?.state, 'failed');
    const env = (await fx.store.getEnvironment('app', 'production'))!;
    assert.equal(env.state, 'degraded');
    assert.match(env.reason ?? '', new RegExp(`unknown ${what}`));
  });
}

void test('a stage of an unknown kind fails the run with its reason', async (t) => {
  const { fx, run, execute } = await claimedRun(t);
  await fx.store.addStages([{ id: randomUUID(), runId: run.id, idx: 0, name: 'teleport', kind: 'teleport', environment: null, state: 'pending', reason: null, startedAt: null, finishedAt: null }]);
  await execute();
  const after = (await fx.store.getRun(run.id))!;
  assert.equal(after.state, 'failed');
  assert.match(after.reason ?? '', /unknown stage kind "teleport"/);
  const [s] = await fx.store.listStages(run.id);
  assert.equal(s?.state, 'failed');
  assert.match(s?.reason ?? '', /unknown stage kind "teleport"/);
});
