import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusNotifier } from '../../src/notify/status-notifier.ts';
import type { StatusNotifierOptions } from '../../src/notify/status-notifier.ts';
import type { CommitStatus, StatusTarget } from '../../src/notify/post-commit-status.ts';
import { startReceiver } from './receiver.ts';
import type { Receiver } from './receiver.ts';

const TOKEN = 'glpat-NOTIFIER-SECRET';
const sha = (n: number) => n.toString(16).padStart(40, 'a');
const status = (n: number, over: Partial<CommitStatus> = {}): CommitStatus => ({ sha: sha(n), state: 'pending', context: 'sluice', description: `status ${n}`, ...over });

let rx: Receiver;
before(async () => {
  rx = await startReceiver();
});
after(async () => {
  await rx.close();
});
beforeEach(() => {
  rx.received.length = 0;
  rx.script.length = 0;
});

function notifier(over: Partial<StatusNotifierOptions> = {}): { n: StatusNotifier; logs: string[] } {
  const logs: string[] = [];
  const target = (project: string): StatusTarget => ({ host: 'github', apiUrl: rx.url, repo: `acme/${project}`, token: TOKEN });
  const n = new StatusNotifier({ resolve: async (project) => target(project), log: (line) => logs.push(line), backoffMs: 20, timeoutMs: 2000, ...over });
  return { n, logs };
}

const bodies = (): Record<string, string>[] => rx.received.map((r) => ({ ...(r.body as Record<string, string>), path: r.path }));

void test('5xx then 201: retried with backoff and delivered', async () => {
  const { n, logs } = notifier();
  rx.script.push({ status: 503, body: 'busy' }, { status: 500 });
  n.notify('shop', status(1, { state: 'success' }));
  await n.settled();
  assert.equal(rx.received.length, 3);
  assert.deepEqual(new Set(rx.received.map((r) => JSON.stringify(r.body))).size, 1);
  assert.equal(logs.filter((l) => /attempt \d\/5 failed, retrying/.test(l)).length, 2);
  assert.ok(!logs.some((l) => l.includes('gave up')));
  assert.ok(!logs.join('\n').includes(TOKEN));
});

void test('gives up after maxAttempts; a 4xx is not retried; the token never reaches the log', async () => {
  const { n, logs } = notifier({ maxAttempts: 3 });
  rx.script.push({ status: 500 }, { status: 500 }, { status: 500 });
  n.notify('shop', status(1));
  await n.settled();
  assert.equal(rx.received.length, 3);
  assert.match(logs.at(-1) ?? '', /gave up after 3 attempt\(s\).*HTTP 500/);

  rx.received.length = 0;
  rx.script.push({ status: 401, body: `{"message":"bad token ${TOKEN}"}` });
  n.notify('shop', status(2));
  await n.settled();
  assert.equal(rx.received.length, 1);
  assert.match(logs.at(-1) ?? '', /gave up after 1 attempt\(s\).*HTTP 401/);
  assert.ok(!logs.join('\n').includes(TOKEN));
});

void test('notify() returns at once and keeps order per project, across retries', async () => {
  const { n } = notifier();
  rx.script.push({ status: 502 }); // the first status needs a retry; the rest must still wait for it
  const started = Date.now();
  for (let i = 1; i <= 6; i++) n.notify('shop', status(i, { state: i % 2 ? 'pending' : 'success' }));
  for (let i = 1; i <= 3; i++) n.notify('cart', status(100 + i));
  assert.equal(rx.received.length, 0, 'nothing was sent synchronously');
  assert.ok(Date.now() - started < 1000);
  await n.settled();
  const shop = bodies().filter((b) => b.path?.startsWith('/repos/acme/shop/'));
  const cart = bodies().filter((b) => b.path?.startsWith('/repos/acme/cart/'));
  assert.deepEqual(
    shop.map((b) => b.description),
    ['status 1', 'status 1', 'status 2', 'status 3', 'status 4', 'status 5', 'status 6'],
  );
  assert.deepEqual(
    cart.map((b) => b.description),
    ['status 101', 'status 102', 'status 103'],
  );
});

void test('a status replaced by a newer one for the same commit and context is not sent, nor retried', async () => {
  const { n } = notifier({ backoffMs: 300 });
  // Queued together: only the last of each commit and context goes out.
  n.notify('shop', status(1, { description: 'queued' }));
  n.notify('shop', status(1, { description: 'running' }));
  n.notify('shop', status(1, { context: 'sluice/preview', description: 'other context' }));
  n.notify('shop', status(1, { state: 'success', description: 'done' }));
  await n.settled();
  assert.deepEqual(
    bodies().map((b) => `${b.context}:${b.description}`),
    ['sluice/preview:other context', 'sluice:done'],
  );

  // A status waiting to be retried is dropped once a newer one arrives.
  rx.received.length = 0;
  rx.script.push({ status: 500 });
  n.notify('shop', status(2, { description: 'queued' }));
  for (let i = 0; i < 200 && rx.received.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  n.notify('shop', status(2, { state: 'failure', description: 'failed' }));
  await n.settled();
  assert.deepEqual(
    bodies().map((b) => `${b.state}:${b.description}`),
    ['pending:queued', 'failure:failed'],
  );
});

void test('never throws: bad status, failing resolve, no token, throwing logger', async () => {
  let resolveCalls = 0;
  const { n, logs } = notifier({
    resolve: async (project) => {
      resolveCalls++;
      if (project === 'broken') throw new Error('database is gone');
      if (project === 'no-token') return null;
      return { host: 'gitea', apiUrl: rx.url, repo: 'acme/shop', token: TOKEN };
    },
  });
  assert.doesNotThrow(() => {
    n.notify('shop', status(1, { sha: 'not-a-sha' }));
    n.notify('broken', status(2));
    n.notify('no-token', status(3));
    n.notify('shop', status(4));
  });
  await n.settled();
  assert.equal(resolveCalls, 4);
  assert.deepEqual(
    bodies().map((b) => b.description),
    ['status 4'],
  );
  assert.ok(logs.some((l) => /shop: gave up after 1 attempt.*not a commit id/.test(l)));
  assert.ok(logs.some((l) => /broken: cannot find where to post.*database is gone/.test(l)));
  assert.ok(!logs.some((l) => l.includes('no-token')));

  const throwing = new StatusNotifier({
    resolve: async () => ({ host: 'github', apiUrl: rx.url, repo: 'acme/shop', token: TOKEN }),
    log: () => {
      throw new Error('log is broken');
    },
    backoffMs: 10,
  });
  rx.script.push({ status: 500 });
  throwing.notify('shop', status(5));
  throwing.notify('shop', status(6));
  await throwing.settled();
  assert.deepEqual(
    bodies().slice(1).map((b) => b.description),
    ['status 5', 'status 5', 'status 6'],
  );
});

void test('a project can be notified again after its queue drained; settled() with nothing queued returns', async () => {
  const { n } = notifier();
  await n.settled();
  n.notify('shop', status(1));
  await n.settled();
  n.notify('shop', status(2));
  await n.settled();
  assert.equal(rx.received.length, 2);
});

void test('close() drops what is queued and stops retrying', async () => {
  const { n } = notifier({ backoffMs: 60_000 });
  rx.script.push({ status: 500 });
  n.notify('shop', status(1));
  n.notify('shop', status(2));
  // Wait for the first attempt to fail and enter its (long) backoff.
  for (let i = 0; i < 200 && rx.received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  await n.close();
  n.notify('shop', status(3));
  await n.settled();
  assert.equal(rx.received.length, 1);
});
