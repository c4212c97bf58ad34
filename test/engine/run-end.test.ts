// A run that ends leaves no stage or step running, whatever stopped it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { claimedRun } from './executor-fixtures.ts';

void test('a stage that throws with a step marked running ends the run with no step running', async (t) => {
  const { fx, run, execute } = await claimedRun(t);
  // The build stage throws (the fixture's source cannot check out); its first step was already marked running.
  const stageId = randomUUID();
  await fx.store.addStages([{ id: stageId, runId: run.id, idx: 0, name: 'build', kind: 'build', environment: null, state: 'pending', reason: null, startedAt: null, finishedAt: null }]);
  const step = { id: randomUUID(), runId: run.id, stageId, idx: 0, name: 'make', state: 'running' as const, exitCode: null, pid: null, reason: null, startedAt: '2030-01-01T00:00:00.000Z', finishedAt: null };
  await fx.store.addSteps([step, { ...step, id: randomUUID(), idx: 1, name: 'pack', state: 'pending', startedAt: null }]);
  await execute();
  assert.equal((await fx.store.getRun(run.id))?.state, 'failed');
  const stages = await fx.store.listStages(run.id);
  assert.deepEqual(stages.map((s) => s.state), ['failed']);
  const steps = await fx.store.listSteps(run.id);
  assert.deepEqual(steps.map((s) => [s.name, s.state]), [['make', 'failed'], ['pack', 'skipped']]);
  assert.equal(steps[0]?.reason, stages[0]?.reason);
  assert.match(steps[0]?.reason ?? '', /not in this test/);
  assert.ok(steps[0]?.finishedAt);
});
