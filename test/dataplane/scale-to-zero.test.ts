// Scale to zero in a real data plane: real instance processes, real HTTP through the edge
// router, the control API over its Unix socket.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { createControlServer, listenOnSocket } from '../../src/dataplane/control-server.ts';
import { DataPlaneClient } from '../../src/dataplane/data-plane-client.ts';
import { socketPathOf, statePathOf } from '../../src/dataplane/data-plane-paths.ts';
import type { DataPlane, ListedInstance } from '../../src/dataplane/data-plane.ts';
import type { SleepingHost } from '../../src/dataplane/scale-to-zero.ts';
import { sleepGroups } from '../../src/dataplane/sleep-groups.ts';
import { delay, send } from '../router/router-test-kit.ts';
import { isGone, waitFor } from '../runtime/fixtures.ts';
import { dataPlaneKit, isSleeping, pidOf, routeTo, type Kit } from './dp-kit.ts';

const preview = 'pr-7.demo.localhost';
const production = 'demo.localhost';

async function controlClient(t: { after(fn: () => Promise<void>): void }, dp: DataPlane, kit: Kit): Promise<DataPlaneClient> {
  const server = createControlServer(dp, kit.dataDir, () => {});
  const socketPath = socketPathOf(kit.dataDir);
  await listenOnSocket(server, socketPath);
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return new DataPlaneClient(socketPath);
}

/** Starts the instance and routes `host` to it alone. */
async function serve(dp: DataPlane, kit: Kit, id: string, host: string, scaleToZeroMs?: number): Promise<number> {
  await dp.startInstance(kit.spec(id));
  await dp.waitReady(id, 10_000);
  dp.setRoute(host, routeTo([id], scaleToZeroMs));
  return pidOf(dp, id)!;
}

async function untilAsleep(dp: DataPlane, id: string, pid: number): Promise<void> {
  await waitFor(`${id} to sleep`, () => isSleeping(dp, id), 15_000);
  await waitFor(`process ${pid} to end`, () => isGone(pid), 15_000);
}

void test('an idle route sleeps, one request wakes it, concurrent requests share the wake; a route without scaleToZeroMs never sleeps', async (t) => {
  const kit = dataPlaneKit(t);
  const dp = await kit.start();
  const client = await controlClient(t, dp, kit);
  const put = async (id: string): Promise<void> => {
    const { logFile: _, ...spec } = kit.spec(id);
    await client.request('PUT', `/instances/${id}`, spec);
    await client.request('GET', `/instances/${id}/ready?timeoutMs=10000`);
  };
  await put('pr-7.web.1');
  await put('production.web.1');
  await client.request('PUT', `/routes/${preview}`, routeTo(['pr-7.web.1'], 1500));
  await client.request('PUT', `/routes/${production}`, routeTo(['production.web.1']));

  // The idle time counts from the end of the preview's last request, which is after it was sent:
  // a bound taken after the production request below could be later than that end on a busy machine.
  const sent = Date.now();
  const first = await send(dp.routerPort, { host: preview });
  assert.equal(first.status, 200);
  const pid1 = pidOf(dp, 'pr-7.web.1')!;
  const prodPid = pidOf(dp, 'production.web.1')!;
  assert.equal(first.body, `hello from ${pid1}`);
  assert.equal((await send(dp.routerPort, { host: production })).status, 200);

  await untilAsleep(dp, 'pr-7.web.1', pid1);
  assert.ok(Date.now() - sent >= 1500, 'not before its idle time');
  const listed = await client.request<ListedInstance[]>('GET', '/instances');
  const asleep = listed.find((i) => i.id === 'pr-7.web.1');
  assert.equal(asleep?.state, 'sleeping');
  assert.equal(asleep?.sleeping, true);
  assert.equal(asleep?.pid, null);
  assert.deepEqual(asleep?.labels, { project: 'demo', environment: 'pr-7' });
  assert.equal(listed.find((i) => i.id === 'production.web.1')?.state, 'ready');
  const sleeping = await client.request<SleepingHost[]>('GET', '/sleeping');
  assert.deepEqual(sleeping.map((s) => [s.host, s.instances]), [[preview, ['pr-7.web.1']]]);
  const persisted = JSON.parse(readFileSync(statePathOf(kit.dataDir), 'utf8')) as { sleeping: Record<string, string>; instances: Record<string, unknown> };
  assert.ok(persisted.sleeping['pr-7.web.1'], 'sleeping is persisted');
  assert.ok(persisted.instances['pr-7.web.1'], 'the spec is kept');

  // Concurrent requests while it sleeps: all held, all answered by one new process.
  const started = performance.now();
  const replies = await Promise.all(
    Array.from({ length: 8 }, async () => {
      const reply = await send(dp.routerPort, { host: preview });
      return { ...reply, ms: performance.now() - started };
    }),
  );
  const pid2 = pidOf(dp, 'pr-7.web.1');
  assert.ok(pid2 !== null && pid2 !== pid1, 'a new process serves');
  for (const r of replies) assert.deepEqual([r.status, r.body], [200, `hello from ${pid2}`]);
  const wakeMs = Math.round(Math.min(...replies.map((r) => r.ms)));
  console.log(`wake time: first answer after ${wakeMs} ms, last after ${Math.round(Math.max(...replies.map((r) => r.ms)))} ms (8 concurrent requests)`);
  assert.equal(kit.lines.filter((l) => l.includes('waking')).length, 1, kit.lines.join('\n'));
  assert.deepEqual(await client.request('GET', '/sleeping'), []);

  assert.equal(pidOf(dp, 'production.web.1'), prodPid, 'the route without scaleToZeroMs kept its process');
  assert.ok(!isSleeping(dp, 'production.web.1'));
  assert.ok(!isGone(prodPid));
});

void test('a restarted data plane keeps sleeping instances asleep until a request comes', async (t) => {
  const kit = dataPlaneKit(t);
  const dp1 = await kit.start();
  const pid = await serve(dp1, kit, 'pr-3.web.1', preview, 1000);
  await untilAsleep(dp1, 'pr-3.web.1', pid);
  await dp1.stop();

  const dp2 = await kit.start();
  await delay(600);
  assert.deepEqual(dp2.supervisor.list(), [], 'nothing started');
  assert.ok(isSleeping(dp2, 'pr-3.web.1'));
  const reply = await send(dp2.routerPort, { host: preview });
  assert.equal(reply.status, 200);
  assert.equal(reply.body, `hello from ${pidOf(dp2, 'pr-3.web.1')}`);
  assert.ok(!isSleeping(dp2, 'pr-3.web.1'));
});

void test('explicit starts and stops win: a deleted instance is not woken, a re-PUT one is awake, waitReady wakes', async (t) => {
  const kit = dataPlaneKit(t);
  const dp = await kit.start();
  const a = await serve(dp, kit, 'pr-1.web.1', 'pr-1.demo.localhost', 1000);
  const b = await serve(dp, kit, 'pr-2.web.1', 'pr-2.demo.localhost', 1000);
  await untilAsleep(dp, 'pr-1.web.1', a);
  await untilAsleep(dp, 'pr-2.web.1', b);

  await dp.stopInstance('pr-1.web.1');
  assert.ok(!dp.instances().some((i) => i.id === 'pr-1.web.1'));
  const refused = await send(dp.routerPort, { host: 'pr-1.demo.localhost' });
  assert.equal(refused.status, 503, 'not held: nothing to wake');
  assert.match(refused.body, /no ready instance/);
  assert.equal(dp.supervisor.status('pr-1.web.1'), undefined);

  await dp.startInstance(kit.spec('pr-2.web.1'));
  assert.ok(!isSleeping(dp, 'pr-2.web.1'));
  await dp.waitReady('pr-2.web.1', 10_000);
  const b2 = pidOf(dp, 'pr-2.web.1')!;
  assert.ok(!isGone(b2));

  await untilAsleep(dp, 'pr-2.web.1', b2);
  await dp.waitReady('pr-2.web.1', 10_000); // the control plane waiting for an instance wakes it
  assert.equal(dp.supervisor.status('pr-2.web.1')?.state, 'ready');
  assert.equal((await send(dp.routerPort, { host: 'pr-2.demo.localhost' })).status, 200);
});

void test('a WebSocket upgrade wakes a sleeping host, and an open connection keeps it awake', async (t) => {
  const kit = dataPlaneKit(t);
  const dp = await kit.start();
  const pid = await serve(dp, kit, 'pr-9.web.1', 'pr-9.demo.localhost', 1000);
  await untilAsleep(dp, 'pr-9.web.1', pid);

  const socket = net.connect({ host: '127.0.0.1', port: dp.routerPort });
  t.after(() => void socket.destroy());
  let received = '';
  socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
  socket.write('GET /ws HTTP/1.1\r\nhost: pr-9.demo.localhost\r\nconnection: upgrade\r\nupgrade: echo\r\n\r\n');
  await waitFor('the upgraded connection', () => /pid \d+\n/.test(received), 10_000);
  assert.match(received, /^HTTP\/1\.1 101/);
  const pid2 = pidOf(dp, 'pr-9.web.1');
  assert.match(received, new RegExp(`pid ${pid2}\\n`));
  socket.write('ping\n');
  await waitFor('the echo', () => received.endsWith('ping\n'));

  await delay(2000); // longer than its idle time, with the connection open
  assert.ok(!isSleeping(dp, 'pr-9.web.1'), 'an open connection is activity');
  socket.destroy();
  await untilAsleep(dp, 'pr-9.web.1', pid2!);
});

void test('a long request is not cut by sleep; a wake that never gets ready answers 503 at the deadline', async (t) => {
  const kit = dataPlaneKit(t);
  const dp = await kit.start({ wakeTimeoutMs: 1000 });
  const host = 'pr-4.demo.localhost';
  const pid = await serve(dp, kit, 'pr-4.web.1', host, 1000);
  const slow = await send(dp.routerPort, { host, path: '/slow' });
  assert.deepEqual([slow.status, slow.body], [200, `slow from ${pid}`], 'a request running 2.5 s kept the host awake');
  await untilAsleep(dp, 'pr-4.web.1', pid);

  writeFileSync(join(kit.appDir, 'broken'), '');
  const reply = await send(dp.routerPort, { host });
  assert.equal(reply.status, 503);
  assert.match(reply.body, /woke up in time/);
  assert.equal(dp.supervisor.status('pr-4.web.1')?.state, 'starting', 'still trying');
});

void test('sleep groups: hosts sharing instances sleep and wake together; one host without scaleToZeroMs keeps the group awake', () => {
  const route = (ids: string[], ms?: number) => routeTo(ids, ms);
  const groups = sleepGroups({
    'a.test': route(['a1', 'a2'], 1000),
    'next.a.test': route(['a2', 'a3'], 3000),
    'b.test': route(['b1'], 1000),
    'c.test': route(['c1'], 1000),
    'c-alias.test': route(['c1']),
    'empty.test': route([], 1000),
  });
  const byHost = (h: string) => groups.find((g) => g.hosts.includes(h));
  assert.deepEqual(byHost('a.test'), { hosts: ['a.test', 'next.a.test'], instances: ['a1', 'a2', 'a3'], scaleToZeroMs: 3000 });
  assert.deepEqual(byHost('b.test'), { hosts: ['b.test'], instances: ['b1'], scaleToZeroMs: 1000 });
  assert.equal(byHost('c.test')?.scaleToZeroMs, null);
  assert.equal(byHost('empty.test'), undefined);
  assert.equal(groups.length, 3);
});
