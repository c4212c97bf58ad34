// A run claimed by this test (running, under its lease), and an executor to run it with the
// fixture's engine dependencies (a deployer with nothing to abandon).
import { randomUUID } from 'node:crypto';
import type { Deployer } from '../../src/engine/deploy/deployer.ts';
import { newOwner } from '../../src/engine/lease-owner.ts';
import { RunExecutor } from '../../src/engine/run-executor.ts';
import type { Run } from '../../src/store/records.ts';
import { addProject, hostname, openFixture, quietLogger, type Fixture } from './engine-fixtures.ts';

export async function claimedRun(t: import('node:test').TestContext): Promise<{ fx: Fixture; run: Run; execute: () => Promise<void> }> {
  const fx = await openFixture();
  t.after(() => fx.close());
  await addProject(fx.store);
  const me = newOwner(hostname, process.pid);
  const created = await fx.store.createRun({ id: randomUUID(), project: 'app', commitSha: 'a'.repeat(40), branch: 'main', ref: 'main', author: 'Ada', message: 'm', trigger: 'manual', state: 'queued', createdAt: '2030-01-01T00:00:00.000Z' });
  await fx.store.updateRun(created.id, { state: 'running', leaseOwner: me, leaseExpiresAt: '2030-01-01T00:00:10.000Z' });
  const deps = { ...fx.deps(me), deployer: { abandonRun: async () => {}, settled: async () => {} } as unknown as Deployer };
  return {
    fx,
    run: created,
    execute: async () => new RunExecutor(deps, quietLogger).execute((await fx.store.getRun(created.id))!, new AbortController().signal),
  };
}
