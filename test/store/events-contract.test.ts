// The Store's event record (src/events/platform-event.ts), on every implementation: ordered seqs
// across two servers, unique ids, filters, stored JSON checked on the way out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PlatformEvent } from '../../src/events/platform-event.ts';
import { ConflictError } from '../../src/errors.ts';
import { at, describeStoreContract } from './store-fixtures.ts';


function event(id: string, overrides: Partial<Omit<PlatformEvent, 'seq'>> = {}): Omit<PlatformEvent, 'seq'> {
  return {
    id,
    kind: 'release.live',
    at: at(1),
    project: 'p',
    environment: 'production',
    release: 3,
    run: { id: 'run-1', number: 1 },
    commit: { sha: 'a'.repeat(40), message: 'fix: the thing', author: 'Ada <ada@example.com>', committedAt: at(0) },
    cause: 'commit',
    summary: 'production: release 3 live',
    facts: { strategy: 'rolling', figures: { errorRate: 0.01 } },
    ...overrides,
  };
}

await describeStoreContract('Store events contract', (stores) => {
  void test('appendEvent gives increasing seqs across servers and reads back the full event', async () => {
    const { a, b } = stores();
    const first = await a.appendEvent(event('e1'));
    const second = await b.appendEvent(event('e2', { kind: 'run.failed', environment: null, release: null, run: null, commit: null, cause: 'token:ci', facts: {} }));
    assert.ok(second.seq > first.seq);
    assert.deepEqual(first, { seq: first.seq, ...event('e1') });
    const all = await a.listEvents({ limit: 10 });
    assert.deepEqual(all.map((e) => e.id), ['e1', 'e2']);
    assert.deepEqual(all[1], { ...event('e2', { kind: 'run.failed', environment: null, release: null, run: null, commit: null, cause: 'token:ci', facts: {} }), seq: second.seq });
  });

  void test('an id recorded twice is a ConflictError and stores nothing', async () => {
    const { a, b } = stores();
    await a.appendEvent(event('same'));
    await assert.rejects(b.appendEvent(event('same', { summary: 'other' })), ConflictError);
    assert.equal((await a.listEvents({ limit: 10 })).length, 1);
  });

  void test('listEvents filters by project, environment, kinds, since and after a seq, in seq order', async () => {
    const { a } = stores();
    await a.appendEvent(event('e1', { at: at(10) }));
    const e2 = await a.appendEvent(event('e2', { at: at(20), kind: 'rollback' }));
    await a.appendEvent(event('e3', { at: at(30), environment: 'staging' }));
    await a.appendEvent(event('e4', { at: at(40), project: 'q' }));
    const ids = async (f: Parameters<typeof a.listEvents>[0]): Promise<string[]> => (await a.listEvents(f)).map((e) => e.id);
    assert.deepEqual(await ids({ project: 'p', limit: 10 }), ['e1', 'e2', 'e3']);
    assert.deepEqual(await ids({ project: 'p', environment: 'production', limit: 10 }), ['e1', 'e2']);
    assert.deepEqual(await ids({ kinds: ['rollback', 'run.failed'], limit: 10 }), ['e2']);
    assert.deepEqual(await ids({ kinds: [], limit: 10 }), []);
    assert.deepEqual(await ids({ since: at(30), limit: 10 }), ['e3', 'e4']);
    assert.deepEqual(await ids({ afterSeq: e2.seq, limit: 1 }), ['e3']);
  });
});
