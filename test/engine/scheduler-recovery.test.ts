// The scheduler's recovery against a real SQLite store: runs whose holder died are taken
// over, their recorded step process groups ended, then resumed or failed `interrupted`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newOwner } from '../../src/engine/lease-owner.ts';
import { Scheduler } from '../../src/engine/scheduler.ts';
import type { Store } from '../../src/store/store.ts';
import { addProject, deadPid, hostname, openFixture, orphanStep, quietLogger, runningRun } from './engine-fixtures.ts';

const future = '2030-01-01T00:00:10.000Z'; // the fixture clock is at 00:00:00
const past = '2029-12-31T23:59:50.000Z';

async function setup(t: import('node:test').TestContext) {
  const fx = await openFixture();
  t.after(() => fx.close());
  await addProject(fx.store);
  const me = newOwner(hostname, process.pid);
  return { fx, me, scheduler: new Scheduler(fx.deps(me), quietLogger) };
}

void test('a run held by a dead server on this host is requeued at once, its step group ended', async (t) => {
  const { fx, scheduler } = await setup(t);
  const orphan = orphanStep();
  t.after(() => orphan.end());
  const { run, build, step } = await runningRun(fx.store, { owner: `${hostname}:${deadPid()}:dead`, leaseExpiresAt: future, pid: orphan.pid });
  await scheduler.recover();
  await orphan.exited; // SIGKILLed by recovery (the test would time out otherwise)
  const after = (await fx.store.getRun(run.id))!;
  assert.equal(after.state, 'queued');
  assert.equal(after.attempt, 1);
  assert.equal(after.leaseOwner, null);
  assert.equal(after.leaseExpiresAt, null);
  const stages = await fx.store.listStages(run.id);
  assert.deepEqual(stages.map((s) => s.state), ['succeeded', 'pending', 'pending']);
  assert.equal(stages.find((s) => s.id === build.id)?.startedAt, null);
  const steps = await fx.store.listSteps(run.id);
  const s = steps.find((x) => x.id === step.id)!;
  assert.equal(s.state, 'pending');
  assert.equal(s.pid, null);
  assert.equal(fx.logs.linesOf(run.id).filter((l) => /resumes/.test(l)).length, 1);
});

void test('a run interrupted too often fails with the reason `interrupted`', async (t) => {
  const { fx, scheduler } = await setup(t);
  const { run } = await runningRun(fx.store, { owner: `${hostname}:${deadPid()}:dead`, leaseExpiresAt: future, attempt: 2 });
  await scheduler.recover();
  const after = (await fx.store.getRun(run.id))!;
  assert.equal(after.state, 'failed');
  assert.equal(after.reason, 'interrupted');
  assert.equal(after.attempt, 3);
  assert.ok(after.finishedAt);
  assert.equal(after.leaseOwner, null);
  const stages = await fx.store.listStages(run.id);
  assert.deepEqual(stages.map((s) => [s.name, s.state]), [['checkout', 'succeeded'], ['build', 'failed'], ['test', 'skipped']]);
  assert.equal(stages[1]?.reason, 'interrupted');
});

void test('a run its person cancelled before the crash ends cancelled, not resumed', async (t) => {
  const { fx, scheduler } = await setup(t);
  const { run } = await runningRun(fx.store, { owner: `${hostname}:${deadPid()}:dead`, leaseExpiresAt: future, cancelRequested: 1 });
  await scheduler.recover();
  assert.equal((await fx.store.getRun(run.id))?.state, 'cancelled');
});

void test('live holders are left alone; a holder on another host only by its lease lapsing', async (t) => {
  const { fx, scheduler } = await setup(t);
  const liveOther = orphanStep(); // a live pid on this host standing for another server
  t.after(() => liveOther.end());
  const live = await runningRun(fx.store, { owner: `${hostname}:${liveOther.pid}:live`, leaseExpiresAt: future });
  const remote = await runningRun(fx.store, { owner: 'elsewhere:1234:x', leaseExpiresAt: future });
  const lapsed = await runningRun(fx.store, { owner: 'elsewhere:1234:y', leaseExpiresAt: past });
  await scheduler.recover();
  assert.equal((await fx.store.getRun(live.run.id))?.state, 'running');
  assert.equal((await fx.store.getRun(live.run.id))?.leaseOwner, `${hostname}:${liveOther.pid}:live`);
  assert.equal((await fx.store.getRun(remote.run.id))?.state, 'running');
  assert.equal((await fx.store.getRun(lapsed.run.id))?.state, 'queued');
  assert.equal((await fx.store.getRun(lapsed.run.id))?.attempt, 1);
});

void test('two servers recovering the same run at once act on it once', async (t) => {
  const { fx, me, scheduler } = await setup(t);
  const other = new Scheduler(fx.deps(newOwner(hostname, process.pid + 1_000_000), await fx.openAnother()), quietLogger);
  assert.notEqual(me, '');
  const { run } = await runningRun(fx.store, { owner: `${hostname}:${deadPid()}:dead`, leaseExpiresAt: future });
  await Promise.all([scheduler.recover(), other.recover()]);
  const after = (await fx.store.getRun(run.id))!;
  assert.equal(after.state, 'queued');
  assert.equal(after.attempt, 1);
  assert.equal(fx.logs.linesOf(run.id).filter((l) => /resumes/.test(l)).length, 1);
});

/** The store with some methods replaced (the others bound to the real one). */
function intercept(store: Store, overrides: Partial<Store>): Store {
  return new Proxy(store, {
    get(target, key, receiver) {
      if (key in overrides) return overrides[key as keyof Store];
      const v = Reflect.get(target, key, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

// A race once found here: a takeover that compared only the run's state let a second
// recovering server take the run over after the first already had; its late "requeue" then
// landed on a run a third server had claimed meanwhile, which executed twice at once. The
// takeover now compares the lease holder it saw, and every later write the holder it is.
void test('a late second recovery does not requeue a run another server has claimed since', async (t) => {
  const { fx } = await setup(t);
  const { run } = await runningRun(fx.store, { owner: `${hostname}:${deadPid()}:dead`, leaseExpiresAt: future });
  let aLogged!: () => void;
  let bTook!: () => void;
  let claimed!: () => void;
  const aLoggedP = new Promise<void>((r) => (aLogged = r));
  const bTookP = new Promise<void>((r) => (bTook = r));
  const claimedP = new Promise<void>((r) => (claimed = r));
  const real = fx.store;
  const storeA = intercept(real, {
    // Between its takeover and its requeue (ending orphans lists the steps).
    listSteps: async (id) => {
      aLogged();
      await bTookP;
      return real.listSteps(id);
    },
  });
  const realB = await fx.openAnother();
  let bUpdates = 0;
  const storeB = intercept(realB, {
    updateRun: async (id, patch, from, owner) => {
      if (bUpdates++ === 0) {
        await aLoggedP;
        const took = await realB.updateRun(id, patch, from, owner);
        bTook();
        return took;
      }
      return realB.updateRun(id, patch, from, owner);
    },
    listSteps: async (id) => {
      await claimedP;
      return realB.listSteps(id);
    },
  });
  const a = new Scheduler(fx.deps(newOwner(hostname, process.pid), storeA), quietLogger);
  const b = new Scheduler(fx.deps(newOwner(hostname, process.pid + 1_000_000), storeB), quietLogger);
  const pA = a.recover();
  const pB = b.recover();
  await pA;
  assert.equal((await real.getRun(run.id))?.state, 'queued');
  const c = await real.claimRun('elsewhere:1:c', future, '2030-01-01T00:00:00.000Z');
  assert.equal(c?.id, run.id, 'a third server claimed the requeued run');
  claimed();
  await Promise.race([pB, new Promise((r) => setTimeout(r, 5000))]);
  const after = (await real.getRun(run.id))!;
  assert.equal(after.state, 'running', 'the run stays with the server that claimed it');
  assert.equal(after.leaseOwner, 'elsewhere:1:c');
});

void test('a run interrupted too often leaves no step running: its steps end with the reason', async (t) => {
  const { fx, scheduler } = await setup(t);
  const { run, step } = await runningRun(fx.store, { owner: `${hostname}:${deadPid()}:dead`, leaseExpiresAt: future, attempt: 2 });
  await scheduler.recover();
  const steps = await fx.store.listSteps(run.id);
  assert.deepEqual(steps.filter((s) => s.state === 'running' || s.state === 'pending'), []);
  const interrupted = steps.find((s) => s.id === step.id)!;
  assert.equal(interrupted.state, 'failed');
  assert.equal(interrupted.reason, 'interrupted');
  assert.ok(interrupted.finishedAt);
  assert.equal(interrupted.pid, null);
  assert.deepEqual(steps.filter((s) => s.id !== step.id).map((s) => s.state), ['skipped']);
});
