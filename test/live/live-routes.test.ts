// GET /api/stream on a real loopback socket: changes arrive as they are published, scoped to
// what the caller sees, resumed with Last-Event-ID, and a reset when the cursor cannot be served.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NotFoundError } from '../../src/errors.ts';
import { registerLiveRoutes } from '../../src/api/live-routes.ts';
import type { Principal } from '../../src/auth/principal.ts';
import { ChangeFeed } from '../../src/live/change-feed.ts';
import { liveChangeSchema } from '../../src/api/schemas/live-schemas.ts';
import { openSse, type SseEvent } from '../api/sse-client.ts';
import { routeTestApp } from '../api/route-test-app.ts';

async function startLive(principal: Principal, feed = new ChangeFeed({ capacity: 5 })) {
  const app = await routeTestApp(principal, (a) =>
    registerLiveRoutes(a, {
      feed,
      traffic: { intervalMs: 5000, of: () => [{ environment: 'production', samples: [{ at: 't', rps: 1, errorRate: null }] }, { environment: 'staging', samples: [] }] },
      assertProject: async (name) => {
        if (!['app', 'other'].includes(name)) throw new NotFoundError('project', name);
      },
      heartbeatMs: 50,
    }),
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return { app, url, feed, close: () => app.close() };
}

const admin: Principal = { name: 'a', role: 'admin', projects: null, environments: null };
const changes = (events: SseEvent[]): SseEvent[] => events.filter((e) => e.event === 'change');

void test('changes stream live in order, each a valid LiveChange with a resumable id', async () => {
  const live = await startLive(admin);
  try {
    const sse = openSse(`${live.url}/api/stream`);
    await sse.until((e) => e.some((x) => x.event === 'ready'));
    live.feed.publish({ kind: 'run', project: 'app', run: { id: 'r1', number: 1, state: 'running' } });
    live.feed.publish({ kind: 'environment', project: 'other', environment: 'staging' });
    await sse.until((e) => changes(e).length === 2);
    const got = changes(sse.events);
    for (const e of got) liveChangeSchema.parse(e.data);
    assert.deepEqual(got.map((e) => e.id), [`${live.feed.boot}:1`, `${live.feed.boot}:2`]);
    assert.equal((got[0]!.data as { run: { id: string } }).run.id, 'r1');
    // Idle: a heartbeat comment keeps proxies from closing it.
    await sse.until(() => sse.comments.includes('heartbeat'));
    sse.cut();
  } finally {
    await live.close();
  }
});

void test('a scoped caller sees only its projects and environments; ?project= narrows; an unseen project is 404', async () => {
  const live = await startLive({ name: 'v', role: 'viewer', projects: ['app'], environments: ['staging'] });
  try {
    assert.equal((await fetch(`${live.url}/api/stream?project=other`)).status, 404);
    const sse = openSse(`${live.url}/api/stream?project=app`);
    await sse.until((e) => e.some((x) => x.event === 'ready'));
    live.feed.publish({ kind: 'environment', project: 'other', environment: 'staging' });
    live.feed.publish({ kind: 'environment', project: 'app', environment: 'production' });
    live.feed.publish({ kind: 'flag', project: 'app', environment: 'staging' });
    await sse.until((e) => changes(e).length >= 1);
    assert.deepEqual(changes(sse.events).map((e) => (e.data as { kind: string; environment: string }).kind), ['flag']);
    const traffic = (await (await fetch(`${live.url}/api/projects/app/traffic`)).json()) as { environments: Array<{ environment: string }> };
    assert.deepEqual(traffic.environments.map((e) => e.environment), ['staging'], 'production is outside the scope');
    sse.cut();
  } finally {
    await live.close();
  }
});

void test('Last-Event-ID resumes with what was missed; a cursor past what is kept, or of another boot, gets a reset', async () => {
  const live = await startLive(admin);
  try {
    const first = openSse(`${live.url}/api/stream`);
    await first.until((e) => e.some((x) => x.event === 'ready'));
    live.feed.publish({ kind: 'project', project: 'app' });
    await first.until((e) => changes(e).length === 1);
    const cursor = changes(first.events)[0]!.id!;
    first.cut();
    live.feed.publish({ kind: 'project', project: 'other' });
    live.feed.publish({ kind: 'project', project: 'app' });
    const resumed = openSse(`${live.url}/api/stream`, { 'last-event-id': cursor });
    await resumed.until((e) => e.some((x) => x.event === 'ready'));
    assert.deepEqual(changes(resumed.events).map((e) => e.id), [`${live.feed.boot}:2`, `${live.feed.boot}:3`]);
    resumed.cut();

    for (let i = 0; i < 10; i++) live.feed.publish({ kind: 'project', project: 'app' });
    const tooOld = openSse(`${live.url}/api/stream?after=${encodeURIComponent(cursor)}`);
    await tooOld.until((e) => e.some((x) => x.event === 'ready'));
    assert.equal(tooOld.events[0]!.event, 'reset');
    assert.equal(changes(tooOld.events).length, 0);
    tooOld.cut();

    const otherBoot = openSse(`${live.url}/api/stream`, { 'last-event-id': '00000000:1' });
    await otherBoot.until((e) => e.some((x) => x.event === 'ready'));
    assert.equal(otherBoot.events[0]!.event, 'reset');
    otherBoot.cut();
    assert.equal((await fetch(`${live.url}/api/stream`, { headers: { 'last-event-id': 'nonsense' } })).status, 400);
  } finally {
    await live.close();
  }
});

void test('a reset of the feed (its relay was cut) tells every open stream to re-read; a cursor from before it cannot resume', async () => {
  const live = await startLive(admin);
  try {
    const sse = openSse(`${live.url}/api/stream`);
    await sse.until((e) => e.some((x) => x.event === 'ready'));
    live.feed.publish({ kind: 'project', project: 'app' });
    await sse.until((e) => changes(e).length === 1);
    const before = changes(sse.events)[0]!.id!;
    live.feed.reset('live updates from other servers were interrupted');
    live.feed.publish({ kind: 'project', project: 'app' });
    await sse.until((e) => changes(e).length === 2);
    assert.deepEqual(sse.events.filter((e) => e.event !== 'ready').map((e) => [e.event, e.id]), [['change', `${live.feed.boot}:1`], ['reset', `${live.feed.boot}:2`], ['change', `${live.feed.boot}:3`]]);
    assert.deepEqual(sse.events.find((e) => e.event === 'reset')?.data, { reason: 'live updates from other servers were interrupted' });
    sse.cut();

    const resumed = openSse(`${live.url}/api/stream`, { 'last-event-id': before });
    await resumed.until((e) => e.some((x) => x.event === 'ready'));
    assert.equal(resumed.events[0]!.event, 'reset', 'the change after the reset is kept, but what came before the reset may be missing');
    resumed.cut();
  } finally {
    await live.close();
  }
});

void test('closing the server ends open streams', async () => {
  const live = await startLive(admin);
  const sse = openSse(`${live.url}/api/stream`);
  await sse.until((e) => e.some((x) => x.event === 'ready'));
  await live.close();
  await sse.ended;
});
