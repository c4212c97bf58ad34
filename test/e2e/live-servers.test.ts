// Live updates across servers (docs/decisions/0052): two real `sluice server` processes share one
// PostgreSQL store (a database of its own, the state in a fresh schema); a change made through
// server A's API arrives on server B's dashboard stream (GET /api/stream) within a deadline, and
// both streams end with the same changes, each once (no echo between servers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { TestRepo, TestServer } from './harness.ts';
import { freshDatabase } from './postgres-kit.ts';
import { openSse, type SseEvent } from '../api/sse-client.ts';
import { waitFor } from '../wait-for.ts';

/** The changes of a stream, without each server's own numbering. */
const described = (events: SseEvent[]): string[] =>
  events.filter((e) => e.event === 'change').map((e) => {
    const c = e.data as { kind: string; project: string; environment?: string | null; run?: { id: string; state: string | null }; event?: { kind: string } };
    return [c.kind, c.project, c.environment, c.run?.id, c.run?.state, c.event?.kind].join(' ');
  });
const projectChanges = (events: SseEvent[], name: string): SseEvent[] => events.filter((e) => e.event === 'change' && (e.data as { kind: string; project: string }).project === name && (e.data as { kind: string }).kind === 'project');

void test('a project added through server A shows on server B\'s live stream within seconds', { timeout: 240_000 }, async (t) => {
  const database = await freshDatabase();
  if ('skip' in database) {
    console.log(`skipped: ${database.skip}`);
    t.skip(database.skip);
    return;
  }
  // Registered first, so it runs last: after-hooks run in the order they were added.
  t.after(() => database.drop());
  // Both servers' state in one fresh schema (libpq's PGOPTIONS: the log tables keep their own schema).
  const schema = `sluice_live_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  try {
    await admin.query(`create schema ${schema}`);
  } finally {
    await admin.end();
  }
  const env = { SLUICE_MASTER_KEY: randomBytes(32).toString('base64'), PGOPTIONS: `-c search_path=${schema}` };
  const a = await TestServer.start(['--database', database.url], env);
  t.after(() => a.close());
  const b = await TestServer.start(['--database', database.url], env);
  t.after(() => b.close());
  const repo = new TestRepo({ 'sluice.yaml': 'stages: []\n' });
  t.after(() => repo.remove());
  // One token for both: it is in the shared store (the first server wrote it).
  const auth = { authorization: `Bearer ${a.token()}` };

  const onB = openSse(`${b.url}/api/stream`, auth);
  const onA = openSse(`${a.url}/api/stream`, auth);
  t.after(() => {
    onB.cut();
    onA.cut();
  });
  await onB.until((e) => e.some((x) => x.event === 'ready'));
  await onA.until((e) => e.some((x) => x.event === 'ready'));

  const started = Date.now();
  const added = await a.cli(['project', 'add', 'shop', '--repo', repo.dir]);
  assert.equal(added.code, 0, added.stderr);
  // About a second is what users expect; the deadline allows for a loaded machine.
  await onB.until((e) => projectChanges(e, 'shop').length > 0, 10_000);
  console.log(`server B heard of the project ${Date.now() - started} ms after \`project add\` on A started`);
  await onA.until((e) => projectChanges(e, 'shop').length > 0, 10_000);

  // And the other way: a change through B reaches A. The run `project add` started on A made
  // changes of its own; in the end both streams hold the same changes, each once. Not in the same
  // order: changes written on different servers interleave as each hears them (decision 0052).
  const before = projectChanges(onA.events, 'shop').length;
  const rotated = await fetch(`${b.url}/api/projects/shop/rotate-webhook-secret`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{}' });
  assert.equal(rotated.status, 200, await rotated.text());
  await onA.until((e) => projectChanges(e, 'shop').length > before, 10_000);
  const sameChanges = (): boolean => described(onA.events).sort().join() === described(onB.events).sort().join();
  await waitFor('both streams to hold the same changes', sameChanges, 10_000).catch((error: unknown) => {
    throw new Error(`A:\n${described(onA.events).join('\n')}\nB:\n${described(onB.events).join('\n')}`, { cause: error });
  });
  assert.ok(described(onA.events).length >= 3, described(onA.events).join('\n'));
  assert.equal(onA.events.filter((e) => e.event === 'reset').length + onB.events.filter((e) => e.event === 'reset').length, 0);
  for (const s of [a, b]) assert.doesNotMatch(s.log, /live updates: lost|malformed/);
});
