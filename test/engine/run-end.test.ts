// A run that ends leaves no stage or step running, whatever stopped it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Deployer } from '../../src/engine/deploy/deployer.ts';
import { newOwner } from '../../src/engine/lease-owner.ts';
import { RunExecutor } from '../../src/engine/run-executor.ts';
import { addProject, hostname, openFixture, quietLogger } from './engine-fixtures.ts';

void test('a stage that throws with a step marked running ends the run with no step running', async (t) => {
  const fx = await openFixture();
  t.after(() => fx.close());
  await addProject(fx.store);
  const me = newOwner(hostname, process.pid);
  const run = await fx.store.createRun({ id: randomUUID(), project: 'app', commitSha: 'a'.repeat(40), branch: 'main', ref: 'main', author: 'Ada', message: 'm', trigger: 'manual', state: 'queued', createdAt: '2030-01-01T00:00:00.000Z' });
  await fx.store.updateRun(run.id, { state: 'running', leaseOwner: me, leaseExpiresAt: '2030-01-01T00:00:10.000Z' });
  // The build stage throws (the fixture's source cannot check out); its first step was already marked running.
  const stageId = randomUUID();
  await fx.store.addStages([{ id: stageId, runId: run.id, idx: 0, name: 'build', kind: 'build', environment: null, state: 'pending', reason: null, startedAt: null, finishedAt: null }]);
  const step = { id: randomUUID(), runId: run.id, stageId, idx: 0, name: 'make', state: 'running' as const, exitCode: null, pid: null, reason: null, startedAt: '2030-01-01T00:00:00.000Z', finishedAt: null };
  await fx.store.addSteps([step, { ...step, id: randomUUID(), idx: 1, name: 'pack', state: 'pending', startedAt: null }]);
  const deps = { ...fx.deps(me), deployer: { abandonRun: async () => {} } as unknown as Deployer };
  await new RunExecutor(deps, quietLogger).execute((await fx.store.getRun(run.id))!, new AbortController().signal);
  assert.equal((await fx.store.getRun(run.id))?.state, 'failed');
  const stages = await fx.store.listStages(run.id);
  assert.deepEqual(stages.map((s) => s.state), ['failed']);
  const steps = await fx.store.listSteps(run.id);
  assert.deepEqual(steps.map((s) => [s.name, s.state]), [['make', 'failed'], ['pack', 'skipped']]);
  assert.equal(steps[0]?.reason, stages[0]?.reason);
  assert.match(steps[0]?.reason ?? '', /not in this test/);
  assert.ok(steps[0]?.finishedAt);
});
