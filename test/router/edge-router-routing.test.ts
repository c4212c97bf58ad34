import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SluiceError } from '../../src/errors.ts';
import { EdgeRouter } from '../../src/router/edge/edge-router.ts';
import type { RouteTable } from '../../src/router/route-table.ts';
import { send, startBackend, type Backend } from './router-test-kit.ts';

void describe('edge router: routing', () => {
  let router: EdgeRouter;
  let port: number;
  let a: Backend;
  let b: Backend;
  let failing: Backend;

  before(async () => {
    a = await startBackend('a');
    b = await startBackend('b');
    failing = await startBackend('failing', (req, res) => {
      req.resume();
      res.statusCode = req.url === '/boom' ? 500 : 200;
      res.end('x');
    });
    router = new EdgeRouter({ port: 0 });
    port = await router.listen();
  });

  after(async () => {
    await router.close();
    await Promise.all([a.close(), b.close(), failing.close()]);
  });

  function table(...routes: RouteTable['routes']): RouteTable {
    return { routes };
  }

  void it('routes by host, ignoring case and port', async () => {
    router.setRoutes(
      table(
        { host: 'a.example.test', backends: [{ release: 'r1', weight: 100, targets: [a.target] }] },
        { host: 'B.Example.Test', backends: [{ release: 'r1', weight: 100, targets: [b.target] }] },
      ),
    );
    assert.equal((await send(port, { host: 'a.example.test' })).body, 'a');
    assert.equal((await send(port, { host: 'A.EXAMPLE.test:8080' })).body, 'a');
    assert.equal((await send(port, { host: 'b.example.test:80' })).body, 'b');
    assert.deepEqual(
      router.appliedRoutes().routes.map((r) => r.host),
      ['a.example.test', 'b.example.test'],
    );
  });

  void it('answers 404 naming an unknown host', async () => {
    router.setRoutes(table({ host: 'a.example.test', backends: [{ release: 'r1', weight: 100, targets: [a.target] }] }));
    const reply = await send(port, { host: 'nope.example.test:8080' });
    assert.equal(reply.status, 404);
    assert.match(reply.body, /nope\.example\.test/);
  });

  void it('answers 503 with retry-after when the host has no ready target, counted as 5xx', async () => {
    router.setRoutes(table({ host: 'empty.test', backends: [{ release: 'r9', weight: 100, targets: [] }] }));
    const reply = await send(port, { host: 'empty.test' });
    assert.equal(reply.status, 503);
    assert.equal(reply.headers['retry-after'], '1');
    const m = router.metrics().find((x) => x.host === 'empty.test' && x.release === 'r9');
    assert.ok(m);
    assert.equal(m.requests, 1);
    assert.equal(m.errors5xx, 1);
  });

  void it('splits by weight: 100/0 all to one, 50/50 to both', async () => {
    const weighted = (wa: number, wb: number): RouteTable =>
      table({
        host: 'w.test',
        backends: [
          { release: 'ra', weight: wa, targets: [a.target] },
          { release: 'rb', weight: wb, targets: [b.target] },
        ],
      });
    router.setRoutes(weighted(100, 0));
    const all: string[] = [];
    for (let i = 0; i < 20; i++) all.push((await send(port, { host: 'w.test' })).body);
    assert.deepEqual(new Set(all), new Set(['a']));

    router.setRoutes(weighted(50, 50));
    const counts = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const body = (await send(port, { host: 'w.test' })).body;
      counts.set(body, (counts.get(body) ?? 0) + 1);
    }
    assert.ok((counts.get('a') ?? 0) >= 10, `a got ${counts.get('a')}`);
    assert.ok((counts.get('b') ?? 0) >= 10, `b got ${counts.get('b')}`);

    router.setRoutes(weighted(10, 90));
    let toA = 0;
    for (let i = 0; i < 50; i++) if ((await send(port, { host: 'w.test' })).body === 'a') toA++;
    assert.ok(toA >= 1 && toA <= 15, `10% share got ${toA}/50`);
  });

  void it('pins a release by header, even one with weight 0', async () => {
    router.setRoutes(
      table({
        host: 'pin.test',
        backends: [
          { release: 'stable', weight: 100, targets: [a.target] },
          { release: 'canary', weight: 0, targets: [b.target] },
        ],
        headerRelease: { header: 'X-Release', values: { canary: 'canary' } },
      }),
    );
    assert.equal((await send(port, { host: 'pin.test', headers: { 'x-release': 'canary' } })).body, 'b');
    assert.equal((await send(port, { host: 'pin.test', headers: { 'x-release': 'other' } })).body, 'a');
    assert.equal((await send(port, { host: 'pin.test' })).body, 'a');
  });

  void it('strips hop-by-hop headers and adds x-forwarded-*', async () => {
    router.setRoutes(table({ host: 'h.test', backends: [{ release: 'r1', weight: 100, targets: [a.target] }] }));
    const reply = await send(port, {
      host: 'H.test:8080',
      headers: { connection: 'keep-alive, x-private', 'x-private': 'secret', te: 'trailers', 'x-forwarded-for': '10.0.0.1', 'x-custom': 'kept' },
    });
    assert.equal(reply.status, 200);
    const seen = a.seen.at(-1)!.headers;
    assert.equal(seen['x-private'], undefined);
    assert.equal(seen.te, undefined);
    assert.equal(seen['x-custom'], 'kept');
    assert.equal(seen.host, 'H.test:8080');
    assert.equal(seen['x-forwarded-for'], '10.0.0.1, 127.0.0.1');
    assert.equal(seen['x-forwarded-host'], 'H.test:8080');
    assert.equal(seen['x-forwarded-proto'], 'http');
  });

  void it('strips hop-by-hop headers from responses', async () => {
    const hop = await startBackend('hop', (req, res) => {
      req.resume();
      res.setHeader('proxy-connection', 'keep-alive');
      res.setHeader('keep-alive', 'timeout=5');
      res.setHeader('x-app', 'yes');
      res.end('ok');
    });
    try {
      router.setRoutes(table({ host: 'hop.test', backends: [{ release: 'r1', weight: 100, targets: [hop.target] }] }));
      const reply = await send(port, { host: 'hop.test' });
      assert.equal(reply.headers['proxy-connection'], undefined);
      assert.equal(reply.headers['x-app'], 'yes');
    } finally {
      await hop.close();
    }
  });

  void it('counts requests, 5xx and latency per host and release', async () => {
    router.setRoutes(table({ host: 'm.test', backends: [{ release: 'rm', weight: 100, targets: [failing.target] }] }));
    for (let i = 0; i < 5; i++) await send(port, { host: 'm.test', path: '/ok' });
    for (let i = 0; i < 2; i++) assert.equal((await send(port, { host: 'm.test', path: '/boom' })).status, 500);
    const m = router.metrics().find((x) => x.host === 'm.test' && x.release === 'rm');
    assert.ok(m);
    assert.equal(m.requests, 7);
    assert.equal(m.errors5xx, 2);
    assert.equal(m.connectFailures, 0);
    assert.equal(m.latency.counts.length, m.latency.bounds.length + 1);
    assert.equal(m.latency.counts.at(-1), 7);
    for (let i = 1; i < m.latency.counts.length; i++) assert.ok(m.latency.counts[i]! >= m.latency.counts[i - 1]!);
    assert.ok(m.latency.sum > 0);
  });

  void it('rejects a malformed table and keeps the current one', async () => {
    router.setRoutes(table({ host: 'keep.test', backends: [{ release: 'r1', weight: 100, targets: [a.target] }] }));
    assert.throws(
      () => router.setRoutes(table({ host: 'x.test', backends: [{ release: 'r1', weight: -1, targets: [b.target] }] })),
      (error: unknown) => error instanceof SluiceError && error.code === 'invalid_input',
    );
    assert.throws(() =>
      router.setRoutes(
        table(
          { host: 'dup.test', backends: [] },
          { host: 'DUP.test', backends: [] },
        ),
      ),
    );
    assert.equal((await send(port, { host: 'keep.test' })).body, 'a');
  });
});
