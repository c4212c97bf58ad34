import { test } from 'node:test';
import assert from 'node:assert/strict';
import { entry, startLogApi, type LogApiKit } from './log-routes-kit.ts';
import { openSse, type SseEvent } from './sse-client.ts';
import { RunEndSignal, watchRunEnds } from '../../src/engine/run-end-signal.ts';
import type { Store } from '../../src/store/store.ts';

async function get(kit: LogApiKit, path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${kit.url}${path}`);
  return { status: res.status, body: await res.json() };
}

const env = '/api/projects/app/environments/production/logs';
const lines = (events: SseEvent[]): string[] => events.filter((e) => e.event === 'line').map((e) => (e.data as { line: string }).line);

void test('search: filters and q, newest first, paged with next; without search parameters the newest tail, oldest first', async (t) => {
  const kit = await startLogApi();
  t.after(() => kit.close());
  await kit.store.append([
    entry('GET / 200', { at: '2026-12-05T10:00:00.000Z' }),
    entry('{"level":"error","msg":"db timeout"}', { at: '2026-12-05T10:01:00.000Z', level: 'error' }),
    entry('db timeout again', { at: '2026-12-05T10:02:00.000Z', release: 2, instance: 'app.production.web.r2.0' }),
    entry('worker up', { at: '2026-12-05T10:03:00.000Z', service: 'worker', instance: 'app.production.worker.r2.0', release: 2 }),
    entry('staging only', { environment: 'staging' }),
  ]);
  let r = await get(kit, `${env}?q=timeout`);
  assert.equal(r.status, 200);
  assert.deepEqual((r.body as { entries: Array<{ line: string }> }).entries.map((e) => e.line), ['db timeout again', '{"level":"error","msg":"db timeout"}']);
  r = await get(kit, `${env}?q=timeout&level=error`);
  assert.deepEqual((r.body as { entries: Array<{ id: number; level: string }> }).entries.map((e) => e.level), ['error']);
  r = await get(kit, `${env}?release=2&service=worker`);
  assert.deepEqual((r.body as { entries: Array<{ line: string }> }).entries.map((e) => e.line), ['worker up']);
  r = await get(kit, `${env}?since=2026-12-05T10:01:00Z&until=2026-12-05T10:03:00Z`);
  assert.deepEqual((r.body as { entries: Array<{ line: string }> }).entries.map((e) => e.line), ['db timeout again', '{"level":"error","msg":"db timeout"}']);
  r = await get(kit, `${env}?q=${encodeURIComponent('"db timeout" word:again')}`);
  assert.deepEqual((r.body as { entries: Array<{ line: string }> }).entries.map((e) => e.line), ['db timeout again']);
  // Pages: two at a time, then the rest by the cursor.
  const first = (await get(kit, `${env}?limit=2`)).body as { entries: Array<{ line: string }>; next: number };
  assert.deepEqual(first.entries.map((e) => e.line), ['worker up', 'db timeout again']);
  const second = (await get(kit, `${env}?limit=2&before=${first.next}`)).body as { entries: Array<{ line: string }>; next: number | null };
  assert.deepEqual(second.entries.map((e) => e.line), ['{"level":"error","msg":"db timeout"}', 'GET / 200']);
  assert.equal(second.next, null);
  // The earlier shape: an array, oldest first, each with the contract's fields.
  const tail = (await get(kit, `${env}?tail=2`)).body as Array<Record<string, unknown>>;
  assert.deepEqual(tail.map((e) => e.line), ['db timeout again', 'worker up']);
  for (const key of ['id', 'at', 'stream', 'service', 'instance', 'release', 'line', 'level', 'source']) assert.ok(key in tail[0]!, key);
});

void test('bad queries get 400 with a message naming the problem', async (t) => {
  const kit = await startLogApi();
  t.after(() => kit.close());
  const cases: Array<[string, RegExp]> = [
    [`${env}?q=${encodeURIComponent('"unclosed')}`, /quote opened at character 1 is not closed/],
    [`${env}?q=colour:red`, /unknown field "colour"/],
    [`${env}?since=1h&until=2h`, /time range is reversed/],
    [`${env}?grep=x`, /unknown parameter "grep"/],
    [`${env}?level=loud`, /level: "loud" is not a level/],
    [`${env}?limit=0`, /limit must be an integer from 1 to 10000/],
    [`${env}?tail=abc`, /tail must be an integer/],
    [`${env}?follow=maybe`, /follow must be 1 or 0/],
    [`${env}?follow=1&before=3`, /before does not apply with follow=1/],
    ['/api/runs/run-1/logs?since=yesterday', /since: "yesterday" is neither an ISO time/],
  ];
  for (const [path, message] of cases) {
    const r = await get(kit, path);
    assert.equal(r.status, 400, path);
    assert.match((r.body as { message: string }).message, message, path);
  }
  assert.equal((await get(kit, '/api/projects/nope/environments/production/logs')).status, 404);
});

void test("a run's log: after pages oldest first (the earlier reading), search parameters give a page", async (t) => {
  const kit = await startLogApi();
  t.after(() => kit.close());
  await kit.store.append([entry('$ npm ci', { source: 'step', runId: 'run-1', stream: 'event' }), entry('added 3 packages', { source: 'step', runId: 'run-1' }), entry('other run', { source: 'step', runId: 'run-2' })]);
  const all = (await get(kit, '/api/runs/run-1/logs?after=0&limit=50000')).body as Array<{ id: number; line: string; runId: string }>;
  assert.deepEqual(all.map((e) => e.line), ['$ npm ci', 'added 3 packages']);
  const rest = (await get(kit, `/api/runs/run-1/logs?after=${all[0]!.id}`)).body as Array<{ line: string }>;
  assert.deepEqual(rest.map((e) => e.line), ['added 3 packages']);
  const found = (await get(kit, '/api/runs/run-1/logs?q=packages')).body as { entries: Array<{ line: string }> };
  assert.deepEqual(found.entries.map((e) => e.line), ['added 3 packages']);
});

void test('follow: the tail, then new lines with ids; a cut connection resumes from Last-Event-ID with no line lost or repeated', async (t) => {
  const kit = await startLogApi();
  t.after(() => kit.close());
  await kit.store.append([entry('old 1'), entry('old 2'), entry('old 3')]);
  const first = openSse(`${kit.url}${env}?follow=1&tail=2`);
  await first.until((e) => lines(e).length === 2);
  assert.deepEqual(lines(first.events), ['old 2', 'old 3']);
  let n = 0;
  const writer = setInterval(() => {
    for (let i = 0; i < 5; i++) kit.ingest.add(entry(`new ${n++}`));
  }, 2);
  t.after(() => clearInterval(writer));
  await first.until((e) => lines(e).length >= 40);
  first.cut(); // mid-stream: the writer goes on
  await first.ended;
  const last = first.events.filter((e) => e.event === 'line').at(-1)!;
  const second = openSse(`${kit.url}${env}?follow=1`, { 'last-event-id': last.id! });
  await second.until((e) => e.length >= 100);
  clearInterval(writer);
  await kit.ingest.flush();
  const total = n;
  await second.until((e) => lines(e).includes(`new ${total - 1}`));
  second.cut();
  const seen = [...lines(first.events), ...lines(second.events)].filter((l) => l.startsWith('new '));
  assert.deepEqual(seen, Array.from({ length: total }, (_, i) => `new ${i}`));
  const ids = [...first.events, ...second.events].filter((e) => e.event === 'line').map((e) => Number(e.id));
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
  assert.equal(new Set(ids).size, ids.length);
});

void test('follow filters with the search parameters and sends heartbeats while idle', async (t) => {
  const kit = await startLogApi({ heartbeatMs: 100 });
  t.after(() => kit.close());
  const sse = openSse(`${kit.url}${env}?follow=1&q=boom&level=warn`);
  assert.equal(await sse.status, 200);
  await sse.until(() => sse.comments.length >= 2);
  kit.ingest.add(entry('boom but no level'));
  kit.ingest.add(entry('{"level":"warn","msg":"boom"}', { level: 'warn' }));
  kit.ingest.add(entry('{"level":"error","msg":"quiet"}', { level: 'error' }));
  await sse.until((e) => lines(e).length >= 1);
  await kit.ingest.flush();
  sse.cut();
  assert.deepEqual(lines(sse.events), ['{"level":"warn","msg":"boom"}']);
  assert.ok(sse.comments.every((c) => c === 'heartbeat'));
});

void test("a run's follow ends with an end event once the run is over and its lines are out", async (t) => {
  const kit = await startLogApi();
  t.after(() => kit.close());
  kit.ingest.add(entry('building', { source: 'step', runId: 'run-1' }));
  const sse = openSse(`${kit.url}/api/runs/run-1/logs?follow=1`);
  await sse.until((e) => lines(e).length === 1);
  kit.ingest.add(entry('done', { source: 'step', runId: 'run-1' }));
  await kit.ingest.flush();
  kit.run.state = 'succeeded';
  await sse.until((e) => e.some((x) => x.event === 'end'));
  assert.deepEqual(lines(sse.events), ['building', 'done']);
  assert.deepEqual(sse.events.at(-1)!.data, { state: 'succeeded', reason: null });
  await sse.ended;
});

void test("a run's follow ends when the run does, woken by the run's end: no append and no poll needed", async (t) => {
  const runEnds = new RunEndSignal();
  // A poll far longer than the wait below: only the run's end can finish the stream in time.
  const kit = await startLogApi({ pollMs: 10 * 60_000, heartbeatMs: 10 * 60_000, runEnds });
  t.after(() => kit.close());
  kit.ingest.add(entry('building', { source: 'step', runId: 'run-1' }));
  const sse = openSse(`${kit.url}/api/runs/run-1/logs?follow=1`);
  await sse.until((e) => lines(e).length === 1);
  kit.run.state = 'failed';
  runEnds.notify('run-1');
  await sse.until((e) => e.some((x) => x.event === 'end'));
  assert.deepEqual(lines(sse.events), ['building']);
  assert.deepEqual(sse.events.at(-1)!.data, { state: 'failed', reason: null });
  await sse.ended;
});

void test('watchRunEnds announces a run once updateRun stores a terminal state, and only then', async () => {
  const calls: Array<{ id: string; state?: string }> = [];
  const fake = {
    async updateRun(id: string, patch: { state?: string }, from?: string[]) {
      calls.push({ id, ...(patch.state === undefined ? {} : { state: patch.state }) });
      return from === undefined || from.includes('running');
    },
  } as unknown as Store;
  const runEnds = new RunEndSignal();
  const store = watchRunEnds(fake, runEnds);
  const ended = (id: string): Promise<boolean> => Promise.race([runEnds.wait(id, 60_000).then(() => true), new Promise<boolean>((r) => setImmediate(() => r(false)))]);
  await store.updateRun('a', { state: 'running' });
  await store.updateRun('b', { state: 'succeeded' }, ['queued']); // not changed: the run was not queued
  await store.updateRun('c', { reason: 'x' });
  assert.deepEqual([await ended('a'), await ended('b'), await ended('c')], [false, false, false]);
  const waiting = runEnds.wait('d', 60_000);
  await store.updateRun('d', { state: 'cancelled' }, ['running']);
  await waiting;
  assert.equal(await ended('d'), true, 'a wait that starts after the end returns at once');
  assert.equal(calls.length, 4);
});

void test('a slow client: the server reads the store only as the socket drains, then the client gets every line in order', async (t) => {
  const kit = await startLogApi();
  t.after(() => kit.close());
  let read = 0;
  const readAfter = kit.store.readAfter.bind(kit.store);
  kit.store.readAfter = async (...args) => {
    const out = await readAfter(...args);
    read += out.length;
    return out;
  };
  const sse = openSse(`${kit.url}${env}?follow=1`);
  assert.equal(await sse.status, 200);
  sse.pause();
  const total = 20_000;
  const pad = 'x'.repeat(1000);
  for (let i = 0; i < total; i++) kit.ingest.add(entry(`${i} ${pad}`));
  await kit.ingest.flush();
  // ~20 MB written; give the server time to push what the socket takes.
  const deadline = Date.now() + 1500;
  let before = -1;
  while (Date.now() < deadline && read !== before) {
    before = read;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(read < total / 2, `the server read ${read} of ${total} lines for a client that reads nothing`);
  sse.resume();
  await sse.until((e) => e.length >= total, 30_000);
  const got = lines(sse.events).map((l) => Number(l.split(' ')[0]));
  assert.deepEqual(got, Array.from({ length: total }, (_, i) => i));
  sse.cut();
});

void test('a follower does not hold the server open: closing the app ends its stream', async (t) => {
  const kit = await startLogApi();
  t.after(() => kit.close());
  const sse = openSse(`${kit.url}${env}?follow=1`);
  assert.equal(await sse.status, 200);
  kit.ingest.add(entry('before the stop'));
  await sse.until((e) => lines(e).length === 1);
  // No closeAllConnections first: app.close() alone must end the stream.
  const closed = kit.app.close().then(() => 'closed');
  const timeout = new Promise<string>((r) => setTimeout(() => r('still open after 5 s'), 5000).unref());
  assert.equal(await Promise.race([closed, timeout]), 'closed');
  await sse.ended;
});
