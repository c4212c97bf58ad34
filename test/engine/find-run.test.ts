// RUN is a run's id or PROJECT#NUMBER; "not found" names what was looked for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SluiceError } from '../../src/errors.ts';
import { findRun } from '../../src/engine/find-run.ts';
import { addProject, openFixture } from './engine-fixtures.ts';

void test('a run is found by its id or by PROJECT#NUMBER; not found says what was looked for', async (t) => {
  const fx = await openFixture();
  t.after(() => fx.close());
  await addProject(fx.store, 'app');
  await addProject(fx.store, 'my#app');
  const newRun = (project: string) => fx.store.createRun({ id: randomUUID(), project, commitSha: 'a'.repeat(40), branch: 'main', ref: 'main', author: 'Ada', message: 'm', trigger: 'manual', state: 'queued', createdAt: '2030-01-01T00:00:00.000Z' });
  const first = await newRun('app');
  const second = await newRun('app');
  const other = await newRun('my#app');
  assert.equal((await findRun(fx.store, second.id)).id, second.id);
  assert.equal((await findRun(fx.store, 'app#2')).id, second.id);
  assert.equal((await findRun(fx.store, 'app#1')).id, first.id);
  assert.equal((await findRun(fx.store, 'my#app#1')).id, other.id, 'the number is what follows the last #');
  const notFound = async (ref: string, message: RegExp) =>
    assert.rejects(findRun(fx.store, ref), (e: unknown) => e instanceof SluiceError && e.code === 'not_found' && message.test(e.message));
  await notFound('2', /run "2" not found: .*PROJECT#2 \(e\.g\. app#2\)/);
  await notFound('app#9', /run "app#9" not found: project "app" has no run #9/);
  await notFound('nope', /run "nope" not found: .*PROJECT#NUMBER/);
});
