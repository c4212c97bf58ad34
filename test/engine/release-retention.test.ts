// Release retention: which releases an environment keeps, and removal of the unpacked files of
// the others only when no instance (running or sleeping) uses them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keptReleases, releaseKey, retainReleases } from '../../src/engine/deploy/release-retention.ts';
import type { Release } from '../../src/store/records.ts';
import { addProject, openFixture, quietLogger } from './engine-fixtures.ts';
import { MemoryRuntime, oneService } from './rollout-fixtures.ts';
import type { SqlStore } from '../../src/store/sql/sql-store.ts';

const at = '2030-01-01T00:00:00.000Z';

/** Releases 1…states.length of app/ENV in those states, each with its own artifact; the one 'live' is current. */
async function releases(store: SqlStore, env: string, states: string[], configJson = oneService): Promise<Release[]> {
  await store.ensureEnvironment('app', env, at);
  const out: Release[] = [];
  for (const [i, state] of states.entries()) {
    out.push(await store.createRelease({
      project: 'app', environment: env, runId: null, runNumber: i + 1, commitSha: 'a'.repeat(40), artifactDigest: `sha256:${env}-${i + 1}`,
      configJson, state, reason: null, rolledBackFrom: null, createdAt: at,
    }));
  }
  const live = out.find((r) => r.state === 'live');
  if (live) await store.updateEnvironment('app', env, { currentRelease: live.number, desiredRelease: live.number, state: 'healthy' });
  return out;
}

void test('keptReleases: the newest K, the live one, the rollback target (failed ones skipped) and what is deploying', async (t) => {
  const fx = await openFixture();
  t.after(() => fx.close());
  await addProject(fx.store);
  // 1..8: every replaced release keeps the state 'previous'; 6 failed; 7 live; 8 deploying.
  const all = await releases(fx.store, 'production', ['previous', 'previous', 'previous', 'previous', 'previous', 'failed', 'live', 'deploying']);
  const env = (await fx.store.getEnvironment('app', 'production'))!;
  const numbers = (keep: number): number[] => keptReleases(env, all, keep).map((r) => r.number).sort((a, b) => a - b);
  assert.deepEqual(numbers(0), [5, 7, 8], 'live 7, rollback target 5 (6 failed), deploying 8');
  assert.deepEqual(numbers(2), [5, 7, 8]);
  assert.deepEqual(numbers(4), [5, 6, 7, 8]);
  assert.deepEqual(numbers(100), [1, 2, 3, 4, 5, 6, 7, 8]);
  // A closed preview: nothing to roll back to, nothing kept but what is still deploying.
  assert.deepEqual(keptReleases({ ...env, state: 'removed', currentRelease: null, desiredRelease: null }, all, 5).map((r) => r.number), [8]);
});

void test('keptReleases: a release kept for its switch-back keeps the release whose instances serve it', async (t) => {
  const fx = await openFixture();
  t.after(() => fx.close());
  await addProject(fx.store);
  const servedBy = JSON.stringify({ ...JSON.parse(oneService), servedBy: 1 });
  const all = await releases(fx.store, 'production', ['previous', 'previous', 'previous', 'previous']);
  const { number: _first, ...base } = all[0]!;
  all.push(await fx.store.createRelease({ ...base, configJson: servedBy, state: 'live' }));
  await fx.store.updateEnvironment('app', 'production', { currentRelease: 5, desiredRelease: 5 });
  const env = (await fx.store.getEnvironment('app', 'production'))!;
  assert.deepEqual(keptReleases(env, all, 1).map((r) => r.number).sort((a, b) => a - b), [1, 4, 5]);
});

void test('retainReleases removes the files of releases past retention that no instance uses, and returns the digests kept', async (t) => {
  const fx = await openFixture();
  t.after(() => fx.close());
  await addProject(fx.store);
  const prod = await releases(fx.store, 'production', ['previous', 'previous', 'previous', 'previous', 'live']);
  const preview = await releases(fx.store, 'pr-1', ['previous', 'live']);
  await fx.store.updateEnvironment('app', 'pr-1', { state: 'removed', currentRelease: null, desiredRelease: null });
  const runtime = new MemoryRuntime();
  for (const r of [...prod, ...preview]) await runtime.prepare({ key: releaseKey(r) });
  // Release 2's instance still runs (or sleeps) though 2 is past retention: its files stay.
  runtime.instances.set('app.production.web.r2.1', { id: 'app.production.web.r2.1', state: 'sleeping', port: null, pid: null, restarts: 0, reason: null, labels: { project: 'app', environment: 'production', service: 'web', release: '2', role: 'primary' } });

  const first = await retainReleases({ store: fx.store, runtime, logger: quietLogger }, 1);
  assert.deepEqual([...first.digests].sort(), ['sha256:production-4', 'sha256:production-5']);
  assert.deepEqual(first.removed.sort(), ['app/pr-1/r1', 'app/pr-1/r2', 'app/production/r1', 'app/production/r3']);
  assert.deepEqual([...runtime.prepared].sort(), ['app/production/r2', 'app/production/r4', 'app/production/r5']);

  // Once the instance is gone, its release's files go too; a second pass removes nothing else.
  runtime.instances.clear();
  assert.deepEqual((await retainReleases({ store: fx.store, runtime, logger: quietLogger }, 1)).removed, ['app/production/r2']);
  assert.deepEqual((await retainReleases({ store: fx.store, runtime, logger: quietLogger }, 1)).removed, []);
});

void test('retainReleases removes no files when the runtime cannot list its instances', async (t) => {
  const fx = await openFixture();
  t.after(() => fx.close());
  await addProject(fx.store);
  const prod = await releases(fx.store, 'production', ['previous', 'previous', 'previous', 'live']);
  const runtime = new MemoryRuntime();
  for (const r of prod) await runtime.prepare({ key: releaseKey(r) });
  runtime.listInstances = () => Promise.reject(new Error('data plane down'));
  const warnings: string[] = [];
  const result = await retainReleases({ store: fx.store, runtime, logger: { ...quietLogger, warn: (m) => warnings.push(m) } }, 0);
  assert.deepEqual(result.removed, []);
  assert.deepEqual([...result.digests].sort(), ['sha256:production-3', 'sha256:production-4']);
  assert.equal(runtime.prepared.size, 4);
  assert.match(warnings.join('\n'), /data plane down/);
});
