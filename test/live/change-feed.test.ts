// The change feed's ring, and the store decorator that publishes to it from the Store's writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChangeFeed } from '../../src/live/change-feed.ts';
import { watchChanges } from '../../src/live/watch-changes.ts';
import type { LiveChange } from '../../src/live/live-change.ts';
import type { Store } from '../../src/store/store.ts';
import type { Run, Stage } from '../../src/store/records.ts';

void test('since() gives what came after a cursor, or null once it is no longer kept', () => {
  const feed = new ChangeFeed({ capacity: 3 });
  assert.deepEqual(feed.since(0), []);
  for (let i = 0; i < 5; i++) feed.publish({ kind: 'project', project: `p${i}` });
  assert.deepEqual(feed.since(3)?.map((c) => c.seq), [4, 5]);
  assert.deepEqual(feed.since(2)?.map((c) => c.seq), [3, 4, 5]);
  assert.equal(feed.since(1), null, 'seq 2 is gone');
  assert.deepEqual(feed.since(5), []);
  assert.equal(feed.since(6), null, 'a cursor from the future (another boot) cannot resume');
});

void test('reset() tells the reset listeners, takes a number of its own and forgets what came before', () => {
  const feed = new ChangeFeed({ capacity: 10 });
  const heard: Array<{ seq: number; reason: string }> = [];
  const changes: number[] = [];
  const unsubscribe = feed.subscribe((c) => changes.push(c.seq), (r) => heard.push(r));
  feed.publish({ kind: 'project', project: 'a' });
  feed.reset('missed');
  feed.publish({ kind: 'project', project: 'b' });
  assert.deepEqual(heard, [{ seq: 2, reason: 'missed' }]);
  assert.deepEqual(changes, [1, 3]);
  assert.equal(feed.since(0), null);
  assert.equal(feed.since(1), null, 'a client that saw change 1 but not the reset is reset');
  assert.deepEqual(feed.since(2)?.map((c) => c.seq), [3]);
  unsubscribe();
  feed.reset('again');
  assert.equal(heard.length, 1, 'unsubscribed');
});

void test('the store decorator publishes runs, stages (via their run), environments and flags after the write', async () => {
  const runs = new Map<string, Run>();
  const stages = new Map<string, Stage>();
  const written: string[] = [];
  const fake = {
    secret: 'private',
    async createRun(r: Run) {
      runs.set(r.id, r);
      return r;
    },
    async getRun(id: string) {
      return runs.get(id);
    },
    async updateRun(id: string) {
      written.push(`run ${id}`);
      return runs.has(id);
    },
    async addStages(list: Stage[]) {
      for (const s of list) stages.set(s.id, s);
    },
    async updateStage(id: string) {
      written.push(`stage ${id}`);
    },
    async updateEnvironment() {},
    async putFlagState() {
      return false;
    },
    async listProjects() {
      return [];
    },
  } as unknown as Store;
  const feed = new ChangeFeed();
  const seen: LiveChange[] = [];
  feed.subscribe((c) => {
    // After the write: the store had it when the change was told.
    if (c.kind === 'run' && c.run.state === null) assert.ok(written.length > 0 || stages.size > 0);
    seen.push(c);
  });
  const store = watchChanges(fake, feed);
  const run = { id: 'r1', project: 'app', number: 7, state: 'queued' } as Run;
  await store.createRun(run);
  await store.addStages([{ id: 's1', runId: 'r1' } as Stage]);
  await store.updateStage('s1', { state: 'running' });
  assert.equal(await store.updateRun('nope', { state: 'failed' }), false, 'an update that changed nothing publishes nothing');
  await store.updateEnvironment('app', 'production', { state: 'healthy' });
  await store.putFlagState({ project: 'app', environment: 'staging' } as never, 1, []);
  assert.deepEqual(await store.listProjects(), [], 'other methods pass through');
  assert.deepEqual(
    seen.map((c) => (c.kind === 'run' ? `run ${c.project} #${c.run.number} ${c.run.state ?? '-'}` : c.kind === 'environment' ? `env ${c.project}/${c.environment}` : c.kind)),
    ['run app #7 queued', 'run app #7 -', 'run app #7 -', 'env app/production'],
    'a flag write that lost its race publishes nothing',
  );

  // A run the decorator never saw (a restarted server): read back, then published.
  runs.set('r2', { id: 'r2', project: 'other', number: 3, state: 'running' } as Run);
  const inner = watchChanges(fake, feed);
  await inner.updateRun('r2', { state: 'succeeded' });
  const deadline = Date.now() + 2000;
  while (!seen.some((c) => c.kind === 'run' && c.run.id === 'r2') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const last = seen.at(-1);
  assert.ok(last?.kind === 'run' && last.project === 'other' && last.run.number === 3 && last.run.state === 'succeeded');
});
