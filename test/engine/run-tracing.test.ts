// What the engine tells the tracing port (a recording fake, no OpenTelemetry): the executor's
// stage spans and run span with the stored times, and the run span of a run that recovery ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Deployer } from '../../src/engine/deploy/deployer.ts';
import { newOwner } from '../../src/engine/lease-owner.ts';
import { RunExecutor } from '../../src/engine/run-executor.ts';
import { Scheduler } from '../../src/engine/scheduler.ts';
import type { SpanEnd, Tracing } from '../../src/engine/tracing.ts';
import { addProject, deadPid, hostname, openFixture, quietLogger, runningRun } from './engine-fixtures.ts';

function recordingTracing(): Tracing & { events: string[]; ends: Map<string, SpanEnd> } {
  const events: string[] = [];
  const ends = new Map<string, SpanEnd>();
  return {
    enabled: true,
    events,
    ends,
    run(run) {
      return {
        stage(stage, startedAt) {
          events.push(`stage ${stage.name} ${startedAt.toISOString()}`);
          return {
            step: () => ({ traceparent: null, end: () => {} }),
            end(end) {
              events.push(`stage ${stage.name} ${end.state}`);
              ends.set(`stage ${stage.name}`, end);
            },
          };
        },
        end(end) {
          events.push(`run ${run.id} ${end.state}`);
          ends.set('run', end);
        },
      };
    },
    request: () => {},
    shutdown: async () => {},
  };
}

void test('the executor ends each stage span and then the run span, with the states and times it stores', async (t) => {
  const fx = await openFixture();
  t.after(() => fx.close());
  await addProject(fx.store);
  const me = newOwner(hostname, process.pid);
  const run = await fx.store.createRun({ id: randomUUID(), project: 'app', commitSha: 'a'.repeat(40), branch: 'main', ref: 'main', author: 'Ada', message: 'm', trigger: 'manual', state: 'queued', createdAt: '2030-01-01T00:00:00.000Z' });
  await fx.store.updateRun(run.id, { state: 'running', leaseOwner: me, leaseExpiresAt: '2030-01-01T00:00:10.000Z' });
  const tracing = recordingTracing();
  const deps = { ...fx.deps(me), deployer: { abandonRun: async () => {}, settled: async () => {} } as unknown as Deployer, tracing };
  // The fixture's source cannot check out: the checkout stage fails, and the run with it.
  await new RunExecutor(deps, quietLogger).execute((await fx.store.getRun(run.id))!, new AbortController().signal);
  const stored = (await fx.store.getRun(run.id))!;
  assert.equal(stored.state, 'failed');
  assert.deepEqual(tracing.events, ['stage checkout 2030-01-01T00:00:00.000Z', 'stage checkout failed', `run ${run.id} failed`]);
  const stage = (await fx.store.listStages(run.id))[0]!;
  assert.equal(tracing.ends.get('stage checkout')?.finishedAt.toISOString(), stage.finishedAt);
  assert.equal(tracing.ends.get('stage checkout')?.reason, stage.reason);
  assert.equal(tracing.ends.get('run')?.finishedAt.toISOString(), stored.finishedAt);
  assert.equal(tracing.ends.get('run')?.reason, stored.reason);
});

void test('a run that recovery fails after its last attempt still sends its run span', async (t) => {
  const fx = await openFixture();
  t.after(() => fx.close());
  await addProject(fx.store);
  const tracing = recordingTracing();
  const scheduler = new Scheduler({ ...fx.deps(newOwner(hostname, process.pid)), tracing }, quietLogger);
  const { run } = await runningRun(fx.store, { owner: `${hostname}:${deadPid()}:dead`, leaseExpiresAt: '2030-01-01T00:00:10.000Z', attempt: 2 });
  await scheduler.recover();
  assert.equal((await fx.store.getRun(run.id))?.state, 'failed');
  assert.deepEqual(tracing.events, [`run ${run.id} failed`]);
  assert.equal(tracing.ends.get('run')?.reason, 'interrupted');
});
