// The Store's notification outbox (src/notifications/delivery-record.ts), on every
// implementation: one delivery per event and target, claims that two servers never share,
// attempts recorded only by the lease holder, the cursor moving forward only, signing secrets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NewDelivery } from '../../src/notifications/delivery-record.ts';
import { at, describeStoreContract } from './store-fixtures.ts';


function delivery(id: string, overrides: Partial<NewDelivery> = {}): NewDelivery {
  return { id, eventId: `evt-${id}`, eventSeq: 1, project: 'p', kind: 'run.failed', target: 't1', url: 'https://hooks.example.com/x', targetHost: 'hooks.example.com', format: 'webhook', nextAttemptAt: at(0), createdAt: at(0), ...overrides };
}

await describeStoreContract('Store notifications contract', (stores) => {
  void test('a delivery is created once per event and target, whichever server fans out', async () => {
    const { a, b } = stores();
    assert.equal(await a.addDeliveries([delivery('d1'), delivery('d2', { target: 't2' })]), 2);
    assert.equal(await b.addDeliveries([delivery('d3', { eventId: 'evt-d1' }), delivery('d4', { eventId: 'evt-d1', target: 't2' })]), 1);
    const listed = await a.listDeliveries('p', 10);
    assert.deepEqual(listed.map((d) => d.id).sort(), ['d1', 'd2', 'd4']);
    const d1 = listed.find((d) => d.id === 'd1');
    assert.deepEqual(d1, { ...delivery('d1'), state: 'pending', attempts: 0, lastStatus: null, leaseOwner: null, leaseExpiresAt: null, updatedAt: at(0), environment: null }, 'no stored event: no environment');
    assert.equal(await b.nextDeliveryDue(), at(0));
  });

  void test('two servers claiming at once never hold the same delivery; a lapsed lease can be taken over', async () => {
    const { a, b } = stores();
    await a.addDeliveries(Array.from({ length: 10 }, (_, i) => delivery(`d${i}`, { eventId: `e${i}`, eventSeq: i + 1 })));
    const [fromA, fromB] = await Promise.all([a.claimDeliveries('A', at(1), at(11), 10), b.claimDeliveries('B', at(1), at(11), 10)]);
    const ids = [...fromA, ...fromB].map((d) => d.id);
    assert.equal(ids.length, 10);
    assert.equal(new Set(ids).size, 10);
    for (const d of fromA) assert.equal(d.leaseOwner, 'A');
    // Held until at(11): nothing to claim; at(12) the leases have lapsed.
    assert.deepEqual(await b.claimDeliveries('B', at(5), at(15), 10), []);
    assert.equal((await b.claimDeliveries('B', at(12), at(22), 10)).length, 10);
  });

  void test('only the lease holder records an attempt; a retry waits for its time; delivered and failed rows are not claimed', async () => {
    const { a, b } = stores();
    await a.addDeliveries([delivery('d1'), delivery('d2', { eventId: 'e2' })]);
    const [first, second] = await a.claimDeliveries('A', at(1), at(11), 10);
    assert.ok(first && second);
    assert.equal(await b.finishDelivery(first.id, 'B', { state: 'delivered', attempts: 1, lastStatus: 'HTTP 200', nextAttemptAt: null, updatedAt: at(2) }), false);
    assert.equal(await a.finishDelivery(first.id, 'A', { state: 'pending', attempts: 1, lastStatus: 'HTTP 503', nextAttemptAt: at(5), updatedAt: at(2) }), true);
    assert.equal(await a.finishDelivery(second.id, 'A', { state: 'failed', attempts: 9, lastStatus: 'connect ECONNREFUSED', nextAttemptAt: null, updatedAt: at(2) }), true);
    assert.deepEqual(await b.claimDeliveries('B', at(3), at(13), 10), []);
    assert.equal(await b.nextDeliveryDue(), at(5));
    const retried = await b.claimDeliveries('B', at(5), at(15), 10);
    assert.deepEqual(retried.map((d) => [d.id, d.attempts, d.lastStatus]), [[first.id, 1, 'HTTP 503']]);
    assert.equal(await b.finishDelivery(first.id, 'B', { state: 'delivered', attempts: 2, lastStatus: 'HTTP 204', nextAttemptAt: null, updatedAt: at(6) }), true);
    assert.deepEqual(await a.claimDeliveries('A', at(100), at(110), 10), []);
    assert.equal(await a.nextDeliveryDue(), null);
    const log = await a.listDeliveries('p', 10);
    assert.deepEqual(log.map((d) => [d.id, d.state, d.attempts, d.lastStatus, d.leaseOwner]).sort(), [
      ['d1', 'delivered', 2, 'HTTP 204', null],
      ['d2', 'failed', 9, 'connect ECONNREFUSED', null],
    ]);
  });

  void test('a delivery put off by its holder is free and due at the new time, its attempts untouched', async () => {
    const { a, b } = stores();
    await a.addDeliveries([delivery('d1')]);
    const [claimed] = await a.claimDeliveries('A', at(1), at(61), 10);
    assert.equal(claimed?.id, 'd1');
    assert.equal(await b.deferDelivery('d1', 'B', at(5)), false, 'only the holder puts it off');
    assert.equal(await a.deferDelivery('d1', 'A', at(5)), true);
    assert.deepEqual(await b.claimDeliveries('B', at(4), at(64), 10), [], 'not due before its new time');
    const [again] = await b.claimDeliveries('B', at(5), at(65), 10);
    assert.deepEqual([again?.id, again?.attempts, again?.lastStatus, again?.nextAttemptAt], ['d1', 0, null, at(5)]);
  });

  void test('the log gives each delivery its event\'s environment, and filters by environments', async () => {
    const { a, b } = stores();
    const event = { at: at(1), project: 'p', release: null, run: null, commit: null, cause: 'commit', summary: 's', facts: {} };
    const staging = await a.appendEvent({ ...event, id: 'e-staging', kind: 'rollout.promoted', environment: 'staging' });
    const prod = await a.appendEvent({ ...event, id: 'e-prod', kind: 'rollout.promoted', environment: 'production' });
    const run = await a.appendEvent({ ...event, id: 'e-run', kind: 'run.failed', environment: null });
    await a.addDeliveries([staging, prod, run].map((e) => delivery(`d-${e.id}`, { eventId: e.id, eventSeq: e.seq, kind: e.kind })));
    assert.deepEqual((await b.listDeliveries('p', 10)).map((d) => [d.eventId, d.environment]), [['e-run', null], ['e-prod', 'production'], ['e-staging', 'staging']]);
    assert.deepEqual((await b.listDeliveries('p', 10, ['staging'])).map((d) => d.eventId), ['e-staging']);
    assert.deepEqual((await b.listDeliveries('p', 1, ['staging', 'production'])).map((d) => d.eventId), ['e-prod'], 'the limit counts what is shown');
    assert.deepEqual(await b.listDeliveries('p', 10, []), []);
  });

  void test('the notifier cursor only moves forward, from either server', async () => {
    const { a, b } = stores();
    assert.equal(await a.notifierCursor(), 0);
    await Promise.all([a.advanceNotifierCursor(5), b.advanceNotifierCursor(3)]);
    assert.equal(await b.notifierCursor(), 5);
    await b.advanceNotifierCursor(4);
    assert.equal(await a.notifierCursor(), 5);
    await a.advanceNotifierCursor(9);
    assert.equal(await b.notifierCursor(), 9);
  });

  void test('a project keeps the first signing secret stored', async () => {
    const { a, b } = stores();
    assert.equal(await a.getNotificationSecret('p'), undefined);
    assert.equal(await a.putNotificationSecret('p', 'sealed-1', at(0)), 'sealed-1');
    assert.equal(await b.putNotificationSecret('p', 'sealed-2', at(1)), 'sealed-1');
    assert.equal(await b.getNotificationSecret('p'), 'sealed-1');
  });
});
