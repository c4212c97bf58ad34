// Migration 0018: abort requests stored before it get the cause their words gave (an alert's,
// a person's, a failed run's, or the server's making way), so bakes in flight across the
// upgrade still roll back on an alert's request and their events keep their cause.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { abortCauseMigration } from '../../src/store/sql/abort-cause-migration.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { abortCause, alertAsked } from '../../src/engine/rollout/abort-request.ts';

void test('requests stored before 0018 get their cause from their words; none stays without one', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-abort-cause-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'sluice.db');
  const store = openSqliteStore(file);
  await store.migrate();
  const base = { project: 'p', environment: 'production', release: 2, stable: 1, runId: null, strategyJson: '{}', state: 'progressing', phase: 'bake', step: 0, stepStartedAt: null, windowJson: null, looks: 0, weightsJson: '{}', decisionsJson: '[]', promoteRequested: null, abortCause: null, reason: null, bakeUntil: null, scaleDownAt: null, createdAt: 'x', updatedAt: 'x', finishedAt: null } as const;
  const requests: Record<string, string | null> = {
    alert: 'alert errors: errorRate 30.00% > 2.00% over 10s (1000 requests)',
    person: 'aborted by ci-bot',
    run: 'run #7 failed: verify failed',
    newer: 'superseded by run #8',
    none: null,
  };
  for (const [id, abortRequested] of Object.entries(requests)) await store.createRollout({ ...base, id, abortRequested });
  await store.close();
  // As before 0018: the column did not exist.
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Sqlite(file) }) });
  await sql`alter table rollouts drop column abort_cause`.execute(db);
  await abortCauseMigration.up(db);
  await db.destroy();
  const after = openSqliteStore(file);
  t.after(() => after.close());
  const got = async (id: string) => (await after.getRollout(id))!;
  assert.equal((await got('alert')).abortCause, 'alert:errors');
  assert.ok(alertAsked(await got('alert')), 'the bake still rolls back on it');
  assert.deepEqual(abortCause(await got('person')), { cause: 'token:ci-bot', failure: true });
  assert.deepEqual(abortCause(await got('run')), { cause: 'run', failure: true });
  assert.deepEqual(abortCause(await got('newer')), { cause: 'server', failure: false });
  assert.equal((await got('none')).abortCause, null);
  assert.deepEqual(abortCause(await got('none')), { cause: 'analysis', failure: true });
  assert.equal(alertAsked({ abortRequested: 'alert errors: made up words', abortCause: 'server' }), false, 'the words alone decide nothing any more');
});
