// The edge router's side of scale to zero: requests held for a waking host, and the per-host
// activity counters the data plane samples.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test, type TestContext } from 'node:test';
import { EdgeRouter, type EdgeRouterOptions } from '../../src/router/edge/edge-router.ts';
import type { RouteTable } from '../../src/router/route-table.ts';
import { delay, send, startBackend, type Backend } from '../router/router-test-kit.ts';
import { waitFor } from '../runtime/fixtures.ts';

const host = 'pr-1.demo.localhost';

function table(backend?: Backend): RouteTable {
  return { routes: [{ host, backends: [{ release: 'r1', weight: 100, targets: backend ? [backend.target] : [] }] }] };
}

async function setup(t: TestContext, opts: Partial<EdgeRouterOptions> = {}): Promise<{ router: EdgeRouter; port: number; backend: Backend; cold: string[] }> {
  const cold: string[] = [];
  const router = new EdgeRouter({
    port: 0,
    closeGraceMs: 200,
    onColdRoute: (h) => (cold.push(h), true),
    ...opts,
  });
  const port = await router.listen();
  const backend = await startBackend('woken', (req, res) => {
    req.resume();
    setTimeout(() => res.end('woken'), req.url === '/slow' ? 400 : 0);
  });
  t.after(async () => {
    await router.close();
    await backend.close();
  });
  router.setRoutes(table());
  return { router, port, backend, cold };
}

void test('requests to a cold host are held until a table gives it a target', async (t) => {
  const { router, port, backend, cold } = await setup(t);
  const replies = Promise.all(Array.from({ length: 5 }, () => send(port, { host })));
  await waitFor('5 held requests', () => router.heldRequests()[host] === 5);
  assert.deepEqual(cold, Array.from({ length: 5 }, () => host));
  router.setRoutes(table()); // still no target: they keep waiting
  await delay(100);
  assert.equal(router.heldRequests()[host], 5);
  router.setRoutes(table(backend));
  for (const r of await replies) assert.deepEqual([r.status, r.body], [200, 'woken']);
  assert.deepEqual(router.heldRequests(), {});
  assert.equal(router.hostActivity().find((a) => a.host === host)?.requests, 5);
});

void test('a held client that leaves is let go; a removed route answers 404; close() answers 503', async (t) => {
  const { router, port } = await setup(t);
  const gone = request({ host: '127.0.0.1', port, headers: { host }, agent: false });
  gone.on('error', () => {});
  gone.end();
  await waitFor('the held request', () => router.heldRequests()[host] === 1);
  gone.destroy();
  await waitFor('the client to be let go', () => router.heldRequests()[host] === undefined);

  const removed = send(port, { host });
  await waitFor('the held request', () => router.heldRequests()[host] === 1);
  router.setRoutes({ routes: [] });
  assert.equal((await removed).status, 404);

  router.setRoutes(table());
  const closing = send(port, { host });
  await waitFor('the held request', () => router.heldRequests()[host] === 1);
  await router.close();
  assert.equal((await closing).status, 503);
});

void test('no wake: 503 at once; a wake too slow: 503 at the deadline; a failed wake: 503 when told', async (t) => {
  const refusing = await setup(t, { onColdRoute: () => false });
  const now = await send(refusing.port, { host });
  assert.equal(now.status, 503);
  assert.match(now.body, /no ready instance/);

  const slow = await setup(t, { coldWaitMs: 300 });
  const late = await send(slow.port, { host });
  assert.equal(late.status, 503);
  assert.match(late.body, /woke up in time/);
  assert.equal(late.headers['retry-after'], '1');

  const failing = await setup(t);
  const failed = send(failing.port, { host });
  await waitFor('the held request', () => failing.router.heldRequests()[host] === 1);
  failing.router.stopHolding(host);
  assert.equal((await failed).status, 503);
});

void test('activity counters: requests only grow, open counts running exchanges', async (t) => {
  const { router, port, backend } = await setup(t);
  router.setRoutes(table(backend));
  const activity = (): { requests: number; open: number } | undefined => router.hostActivity().find((a) => a.host === host);
  assert.deepEqual(activity(), { host, requests: 0, open: 0 });
  const slow = send(port, { host, path: '/slow' });
  await waitFor('the running request', () => activity()?.open === 1);
  assert.equal((await slow).status, 200);
  await send(port, { host });
  assert.deepEqual(activity(), { host, requests: 2, open: 0 });
});
