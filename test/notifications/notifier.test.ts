// The notifier end to end in one process: events → outbox (SQLite) → a local receiver that
// checks signatures, fails the first three attempts of each message, then accepts. Retries use
// a short backoff base, not sleeps; nothing is delivered twice under one id.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/engine/clock.ts';
import { EventLog } from '../../src/events/event-log.ts';
import type { NewPlatformEvent } from '../../src/events/platform-event.ts';
import { Notifier, type NotifierDeps } from '../../src/notifications/notifier.ts';
import { httpPoster } from '../../src/notifications/post-notification.ts';
import { newSigningSecret } from '../../src/notifications/standard-webhooks.ts';
import type { NotificationSpec } from '../../src/spec/spec.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import type { SqlStore } from '../../src/store/sql/sql-store.ts';
import { startReceiver, waitFor, type Receiver } from './receiver.ts';

const silent = { info: () => {}, warn: () => {}, error: () => {} };
const secret = newSigningSecret();

function runFailed(n: number): NewPlatformEvent {
  return { kind: 'run.failed', project: 'shop', environment: null, release: null, run: { id: `run-${n}`, number: n }, commit: { sha: 'a'.repeat(40), message: `fix: thing ${n}\n\nbody`, author: 'Ada <ada@example.com>', committedAt: null }, cause: 'commit', summary: `run #${n} of main failed: test`, facts: { reason: 'test failed', branch: 'main' } };
}

let dir: string;
let store: SqlStore;
let receiver: Receiver;
const stops: Array<() => Promise<void>> = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-notifier-'));
  store = openSqliteStore(join(dir, 'sluice.db'));
  await store.migrate();
});

afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  await receiver.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function notifier(events: EventLog, targets: NotificationSpec[], overrides: Partial<NotifierDeps> = {}): Notifier {
  const n = new Notifier({
    records: store,
    eventLog: events,
    targetsOf: async (p) => (p === 'shop' ? targets : []),
    signingSecretOf: async () => secret,
    resolveUrl: async (_p, u) => u,
    post: httpPoster({ denyPrivate: false, timeoutMs: 5_000 }),
    links: (e) => (e.run ? { run: `https://sluice.example.com/api/runs/${e.run.id}` } : {}),
    clock: systemClock,
    owner: 'test:1',
    logger: silent,
    backoff: { initialMs: 20, maxMs: 80, giveUpMs: 60_000 },
    ...overrides,
  });
  stops.push(() => n.stop());
  return n;
}

void test('a receiver that fails the first three attempts gets every event once, signed, with its facts and links', async () => {
  receiver = await startReceiver({ failFirst: 3, secret });
  const events = new EventLog(store, systemClock, silent);
  notifier(events, [{ url: receiver.url, format: 'webhook', events: ['run.failed'] }]).start();
  const emitted = [];
  for (let i = 1; i <= 5; i++) emitted.push(await events.emit(runFailed(i)));
  await events.emit({ ...runFailed(6), kind: 'run.succeeded' }); // not subscribed
  await waitFor('5 deliveries', () => receiver.accepted.size === 5);
  await waitFor('the log to say delivered', async () => (await store.listDeliveries('shop', 10)).every((d) => d.state === 'delivered'));
  assert.equal(receiver.badSignatures, 0);
  assert.equal(receiver.duplicates, 0);
  for (const e of emitted) {
    assert.ok(e);
    assert.equal(receiver.attempts.filter(([id]) => id === e.id).length, 4, 'three refusals, then the one accepted attempt, all under one webhook-id');
  }
  const first = receiver.accepted.get(emitted[0]!.id)?.body;
  assert.deepEqual(first, {
    type: 'run.failed',
    timestamp: emitted[0]!.at,
    data: {
      reason: 'test failed',
      branch: 'main',
      id: emitted[0]!.id,
      summary: 'run #1 of main failed: test',
      project: 'shop',
      environment: null,
      release: null,
      run: { id: 'run-1', number: 1 },
      commit: { sha: 'a'.repeat(40), message: 'fix: thing 1\n\nbody', author: 'Ada <ada@example.com>', committedAt: null },
      cause: 'commit',
      links: { run: 'https://sluice.example.com/api/runs/run-1' },
    },
  });
  const log = await store.listDeliveries('shop', 10);
  assert.equal(log.length, 5);
  for (const d of log) assert.deepEqual([d.state, d.attempts, d.lastStatus, d.nextAttemptAt, d.targetHost], ['delivered', 4, 'HTTP 204', null, new URL(receiver.url).host]);
});

void test('events stored while no notifier ran are delivered when one starts (the cursor), and a second server delivers none twice', async () => {
  receiver = await startReceiver({ secret });
  const events = new EventLog(store, systemClock, silent);
  const ids = [];
  for (let i = 1; i <= 10; i++) ids.push((await events.emit(runFailed(i)))?.id);
  const other = openSqliteStore(join(dir, 'sluice.db'));
  stops.push(() => other.close());
  const targets: NotificationSpec[] = [{ url: receiver.url, format: 'webhook', events: ['*'] }];
  notifier(events, targets).start();
  notifier(new EventLog(other, systemClock, silent), targets, { records: other, owner: 'test:2' }).start();
  await waitFor('10 deliveries', () => receiver.accepted.size === 10);
  await waitFor('the log to say delivered', async () => (await store.listDeliveries('shop', 20)).filter((d) => d.state === 'delivered').length === 10);
  assert.deepEqual([...receiver.accepted.keys()].sort(), ids.sort());
  assert.equal(receiver.attempts.length, 10, 'one attempt per event: the two servers never shared one');
  assert.equal((await store.listDeliveries('shop', 20)).length, 10);
});

void test('an unreachable target shows only in the delivery log, retried, then given up', async () => {
  receiver = await startReceiver();
  const closed = await startReceiver();
  const url = closed.url;
  await closed.close(); // nothing listens there any more
  const events = new EventLog(store, systemClock, silent);
  notifier(events, [{ url, format: 'slack', events: ['run.failed'] }], { backoff: { initialMs: 10, maxMs: 20, giveUpMs: 150 } }).start();
  const emitted = await events.emit(runFailed(1));
  assert.ok(emitted, 'the emitter is not held up by the target');
  await waitFor('the delivery to be given up', async () => (await store.listDeliveries('shop', 10))[0]?.state === 'failed');
  const [d] = await store.listDeliveries('shop', 10);
  assert.ok(d);
  assert.ok(d.attempts >= 2, `retried (${d.attempts} attempts)`);
  assert.match(d.lastStatus ?? '', /ECONNREFUSED/);
  assert.equal(d.nextAttemptAt, null);
  assert.equal(d.targetHost, new URL(url).host);
});

void test('--notify-deny-private refuses a loopback target at delivery; the default allows it', async () => {
  receiver = await startReceiver();
  const events = new EventLog(store, systemClock, silent);
  const named = receiver.url.replace('127.0.0.1', 'localhost');
  notifier(events, [{ url: named, format: 'webhook', events: ['run.failed'] }, { url: receiver.url, format: 'slack', events: ['run.failed'] }], { post: httpPoster({ denyPrivate: true, timeoutMs: 5_000 }), backoff: { initialMs: 10, maxMs: 20, giveUpMs: 100 } }).start();
  await events.emit(runFailed(1));
  await waitFor('both given up', async () => (await store.listDeliveries('shop', 10)).filter((d) => d.state === 'failed').length === 2);
  const statuses = (await store.listDeliveries('shop', 10)).map((d) => d.lastStatus ?? '').sort();
  assert.match(statuses[0] ?? '', /^127\.0\.0\.1 is a private address \(--notify-deny-private\)$/);
  assert.match(statuses[1] ?? '', /^localhost resolves to (127\.0\.0\.1|::1), a private address \(--notify-deny-private\)$/);
  assert.equal(receiver.attempts.length, 0);
});

void test('slack targets get text and blocks; a secret URL shows as its secret name and its failure never quotes the URL', async () => {
  receiver = await startReceiver();
  const events = new EventLog(store, systemClock, silent);
  const resolved = `${receiver.url}?token=T0PSECRET`;
  notifier(events, [{ url: '${{ secrets.SLACK_WEBHOOK }}', format: 'slack', events: ['run.waiting'] }], { resolveUrl: async () => resolved }).start();
  const e = await events.emit({ ...runFailed(3), kind: 'run.waiting', summary: 'run #3 waits for approval to deploy to production: sluice approve run-3', environment: 'production', facts: { approveCommand: 'sluice approve run-3' } });
  await waitFor('the slack message', () => receiver.accepted.size === 1);
  const body = receiver.accepted.get('')?.body ?? [...receiver.accepted.values()][0]?.body;
  assert.ok(body && e);
  assert.equal(body.text, ':hourglass: [shop / production] run.waiting: run #3 waits for approval to deploy to production: sluice approve run-3');
  const blocks = body.blocks as Array<{ type: string }>;
  assert.deepEqual(blocks.map((b) => b.type), ['section', 'section', 'context']);
  assert.match(JSON.stringify(blocks[1]), /<https:\/\/sluice\.example\.com\/api\/runs\/run-3\|#3>/);
  assert.match(JSON.stringify(blocks[2]), /sluice approve run-3/);
  const [d] = await store.listDeliveries('shop', 10);
  assert.equal(d?.targetHost, 'secrets.SLACK_WEBHOOK');
  assert.doesNotMatch(JSON.stringify(await store.listDeliveries('shop', 10)), /T0PSECRET/);
});

void test('a burst of 20 events to one target is paced at its rate, none dropped, none twice', async () => {
  receiver = await startReceiver({ secret });
  const events = new EventLog(store, systemClock, silent);
  // 100 ms apart with a burst of 2: 20 attempts take at least 18 intervals after the first event.
  let putOff = 0;
  const records: NotifierDeps['records'] = Object.assign(Object.create(store) as SqlStore, {
    deferDelivery: (id: string, owner: string, at: string) => {
      putOff++;
      return store.deferDelivery(id, owner, at);
    },
  });
  const n = notifier(events, [{ url: receiver.url, format: 'webhook', events: ['*'] }], { records, rates: { webhook: { perMinute: 600, burst: 2 } } });
  n.start();
  const started = Date.now();
  for (let i = 1; i <= 20; i++) await events.emit(runFailed(i));
  // On a loaded machine emitting takes a while, and the bucket refills meanwhile: an event that
  // finds a token is sent at once, not put off. Every other one beyond the burst must be. A
  // token may already be partway back when emitting starts, so a started interval counts.
  const refills = Math.ceil((Date.now() - started) / 100);
  await waitFor('20 deliveries', () => receiver.accepted.size === 20);
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 18 * 100, `20 deliveries in ${elapsed} ms: not paced`);
  assert.ok(putOff >= 18 - refills, `${putOff} deliveries put off (${refills} refills while emitting)`);
  assert.equal(receiver.duplicates, 0);
  assert.equal(receiver.attempts.length, 20, 'put off, not attempted and failed');
  await waitFor('the log to say delivered', async () => (await store.listDeliveries('shop', 30)).every((d) => d.state === 'delivered' && d.attempts === 1));
});
