// The engine reports through the metrics port: a lease takeover, a bake's verdicts and the
// rollout's outcome, counted by the recorder the composition root gives it (real SQLite store).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newOwner } from '../../src/engine/lease-owner.ts';
import { RolloutDriver } from '../../src/engine/rollout/rollout-driver.ts';
import type { RolloutPlan } from '../../src/engine/rollout/rollout-plan.ts';
import { Scheduler } from '../../src/engine/scheduler.ts';
import { MetricRecorder } from '../../src/metrics/metric-recorder.ts';
import { isHistogram } from '../../src/metrics/series.ts';
import { addProject, deadPid, hostname, openFixture, quietLogger, runningRun } from '../engine/engine-fixtures.ts';
import { figures, MemoryRouter, MemoryRuntime, rolloutDeps, storedRollout, twoReleases } from '../engine/rollout-fixtures.ts';

function values(recorder: MetricRecorder): string[] {
  return recorder
    .series()
    .filter((s) => !isHistogram(s))
    .map((s) => `${s.metric}${JSON.stringify(s.labels)} ${'value' in s ? s.value : ''}`)
    .sort();
}

void test('a run taken over from a dead server counts one lease takeover for its project', async (t) => {
  const fx = await openFixture();
  t.after(() => fx.close());
  await addProject(fx.store);
  const recorder = new MetricRecorder();
  const scheduler = new Scheduler({ ...fx.deps(newOwner(hostname, process.pid)), metrics: recorder }, quietLogger);
  await runningRun(fx.store, { owner: `${hostname}:${deadPid()}:dead`, leaseExpiresAt: '2030-01-01T00:00:10.000Z' });
  await scheduler.recover();
  await scheduler.recover(); // the run is queued now: nothing more to take over
  assert.deepEqual(values(recorder), ['leaseTakeovers{"project":"app"} 1']);
});

void test('a bake breach counts its verdicts and an aborted rolling rollout', async (t) => {
  const fx = await openFixture();
  t.after(() => fx.close());
  await addProject(fx.store);
  const { stable, target } = await twoReleases(fx.store);
  const plan: RolloutPlan = { strategy: { kind: 'rolling', maxSurge: 1, maxUnavailable: 0 }, bakeMs: 60_000 };
  const rollout = await storedRollout(fx.store, target, stable, plan, { phase: 'bake', bakeUntil: '2030-01-01T00:01:00.000Z', windowJson: JSON.stringify({ r2: figures('r2', 0, 0) }) });
  const router = new MemoryRouter();
  router.figures = [figures('r2', 100, 50)];
  const recorder = new MetricRecorder();
  const driver = new RolloutDriver({ ...rolloutDeps(fx, new MemoryRuntime(), router), metrics: recorder });
  assert.equal((await driver.advance(rollout.id)).state, 'aborted');
  const counted = values(recorder);
  assert.ok(counted.includes('analysisDecisions{"project":"app","environment":"production","metric":"maxErrorRate","verdict":"fail"} 1'), counted.join('\n'));
  assert.ok(counted.includes('rollouts{"project":"app","environment":"production","strategy":"rolling","outcome":"aborted"} 1'), counted.join('\n'));
});
