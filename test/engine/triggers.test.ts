// enqueueRun: a run records the commit's SHA, author and message; a newer run of the same
// branch supersedes the older queued ones (never running ones, never other branches).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enqueueRun } from '../../src/engine/triggers.ts';
import { addProject, fakeSource, openFixture } from './engine-fixtures.ts';

const shaOf = (ref: string): string => (/^[0-9a-f]{40}$/.test(ref) ? ref : ref.padEnd(40, '0').replace(/[^0-9a-f]/g, 'e').slice(0, 40));

void test('runs record commit facts; older queued runs of the branch are superseded by the newest', async (t) => {
  const fx = await openFixture(fakeSource(shaOf));
  t.after(() => fx.close());
  await addProject(fx.store);
  const project = (await fx.store.getProject('app'))!;
  const deps = fx.deps('me');

  const first = await enqueueRun(deps, project, { trigger: 'poll' });
  assert.equal(first.commitSha, shaOf('main'));
  assert.equal(first.author, 'Ada <ada@example.test>');
  assert.equal(first.trigger, 'poll');
  assert.equal(first.branch, 'main');
  await fx.store.updateRun(first.id, { state: 'running' });

  const a = await enqueueRun(deps, project, { sha: '1'.repeat(40), trigger: 'poll' });
  const other = await enqueueRun(deps, project, { ref: 'feature', trigger: 'manual' });
  const b = await enqueueRun(deps, project, { sha: '2'.repeat(40), trigger: 'manual' });
  const c = await enqueueRun(deps, project, { sha: '3'.repeat(40), trigger: 'poll' });

  const state = async (id: string) => (await fx.store.getRun(id))!;
  assert.equal((await state(first.id)).state, 'running', 'a running run is never superseded');
  assert.equal((await state(other.id)).state, 'queued', 'another branch is not superseded');
  assert.equal((await state(other.id)).branch, 'feature');
  assert.equal((await state(c.id)).state, 'queued');
  // Each older queued run names the run that superseded it: a by b, b by c.
  for (const [old, by] of [[a, b], [b, c]] as const) {
    const r = await state(old.id);
    assert.equal(r.state, 'superseded');
    assert.match(r.reason ?? '', new RegExp(`superseded by run #${by.number}\\b`));
    assert.ok(r.finishedAt);
  }
  assert.deepEqual([a.number, other.number, b.number, c.number], [2, 3, 4, 5]);
});
