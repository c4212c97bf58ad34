import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InvalidInputError } from '../../src/errors.ts';
import { EdgeRouter } from '../../src/router/edge/edge-router.ts';
import { cookieValue } from '../../src/router/edge/sticky-cookie.ts';
import type { Route, RouteBackend } from '../../src/router/route-table.ts';
import { dataPlaneKit } from '../dataplane/dp-kit.ts';
import { deadPort, send, startBackend, type Backend, type Reply } from './router-test-kit.ts';

const attrs = 'Path=/; HttpOnly; SameSite=Lax';

/** The Set-Cookie values of a reply, always as a list. */
function setCookies(reply: Reply): string[] {
  const value = reply.headers['set-cookie'];
  return value === undefined ? [] : value;
}

/** The `name=value` pair a sticky Set-Cookie carries, ready to send back as a Cookie header. */
function stickyPair(reply: Reply, name: string): string {
  const found = setCookies(reply).find((c) => c.startsWith(`${name}=`));
  assert.ok(found, `no ${name} cookie in ${JSON.stringify(setCookies(reply))}`);
  return found.split(';')[0]!;
}

void describe('edge router: sticky sessions', () => {
  let router: EdgeRouter;
  let port: number;
  let a: Backend;
  let b: Backend;
  let withCookies: Backend;

  before(async () => {
    a = await startBackend('a');
    b = await startBackend('b');
    withCookies = await startBackend('c', (req, res) => {
      req.resume();
      res.setHeader('set-cookie', req.url === '/one' ? 'app=1; Path=/' : ['app=1; Path=/', 'theme=dark']);
      res.end('c');
    });
    router = new EdgeRouter({ port: 0 });
    port = await router.listen();
  });

  after(async () => {
    await router.close();
    await Promise.all([a.close(), b.close(), withCookies.close()]);
  });

  const fiftyFifty = (extra: Partial<Route> = {}): Route => ({
    host: 'sticky.test',
    backends: [
      { release: 'ra', weight: 50, targets: [a.target] },
      { release: 'rb', weight: 50, targets: [b.target] },
    ],
    sticky: { cookie: 'sluice-release' },
    ...extra,
  });

  void it('sets the cookie on the first response and keeps 20 follow-ups on that release', async () => {
    router.setRoutes({ routes: [fiftyFifty()] });
    const firsts = new Set<string>();
    for (let round = 0; round < 2; round++) {
      // Two first visits: 50/50 smooth round robin gives one to each release.
      const first = await send(port, { host: 'sticky.test' });
      firsts.add(first.body);
      const release = first.body === 'a' ? 'ra' : 'rb';
      assert.deepEqual(setCookies(first), [`sluice-release=${release}; ${attrs}`]);
      const cookie = stickyPair(first, 'sluice-release');
      for (let i = 0; i < 20; i++) {
        const next = await send(port, { host: 'sticky.test', headers: { cookie: `other=1; ${cookie}; last=2` } });
        assert.equal(next.body, first.body, `follow-up ${i} left the release`);
        assert.deepEqual(setCookies(next), [], 'a valid cookie is not set again');
      }
    }
    assert.deepEqual([...firsts].sort(), ['a', 'b'], 'each first visit went by weight and stuck to its release');
    // Without the cookie the weights still apply: both releases get traffic.
    const bodies = new Set<string>();
    for (let i = 0; i < 10; i++) bodies.add((await send(port, { host: 'sticky.test' })).body);
    assert.deepEqual([...bodies].sort(), ['a', 'b']);
  });

  void it('keeps metrics per release', async () => {
    router.setRoutes({ routes: [fiftyFifty({ host: 'sticky-metrics.test' })] });
    for (let i = 0; i < 6; i++) await send(port, { host: 'sticky-metrics.test', headers: { cookie: 'sluice-release=rb' } });
    const m = router.metrics().filter((x) => x.host === 'sticky-metrics.test');
    assert.equal(m.find((x) => x.release === 'rb')?.requests, 6);
    assert.equal(m.find((x) => x.release === 'ra')?.requests ?? 0, 0);
  });

  void it('falls back to weights (and sets a new cookie) when the cookie names a release that cannot serve', async () => {
    const backends: RouteBackend[] = [
      { release: 'ra', weight: 100, targets: [a.target] },
      { release: 'empty', weight: 50, targets: [] },
      { release: 'drained', weight: 0, targets: [b.target] },
    ];
    router.setRoutes({ routes: [{ host: 'fallback.test', backends, sticky: { cookie: 'sluice-release', maxAgeSeconds: 3600 } }] });
    for (const stale of ['empty', 'drained', 'gone', '']) {
      const reply = await send(port, { host: 'fallback.test', headers: { cookie: `sluice-release=${stale}` } });
      assert.equal(reply.status, 200, stale);
      assert.equal(reply.body, 'a', stale);
      assert.deepEqual(setCookies(reply), [`sluice-release=ra; ${attrs}; Max-Age=3600`], stale);
    }
    // The release gets targets back: its cookie holds again.
    backends[1] = { release: 'empty', weight: 50, targets: [b.target] };
    router.setRoutes({ routes: [{ host: 'fallback.test', backends, sticky: { cookie: 'sluice-release' } }] });
    for (let i = 0; i < 5; i++) {
      const reply = await send(port, { host: 'fallback.test', headers: { cookie: 'sluice-release=empty' } });
      assert.equal(reply.body, 'b');
      assert.deepEqual(setCookies(reply), []);
    }
  });

  void it("appends the cookie after the app's own Set-Cookie headers", async () => {
    router.setRoutes({
      routes: [{ host: 'app-cookie.test', backends: [{ release: 'r1', weight: 100, targets: [withCookies.target] }], sticky: { cookie: 'sr' } }],
    });
    const one = await send(port, { host: 'app-cookie.test', path: '/one' });
    assert.deepEqual(setCookies(one), ['app=1; Path=/', `sr=r1; ${attrs}`]);
    const two = await send(port, { host: 'app-cookie.test', path: '/two' });
    assert.deepEqual(setCookies(two), ['app=1; Path=/', 'theme=dark', `sr=r1; ${attrs}`]);
    // Already stuck: the app's cookies pass untouched, nothing is added.
    const stuck = await send(port, { host: 'app-cookie.test', path: '/two', headers: { cookie: 'sr=r1' } });
    assert.deepEqual(setCookies(stuck), ['app=1; Path=/', 'theme=dark']);
  });

  void it('lets the header pin win over the cookie, without setting one', async () => {
    router.setRoutes({
      routes: [
        fiftyFifty({
          host: 'pin-sticky.test',
          backends: [
            { release: 'ra', weight: 100, targets: [a.target] },
            { release: 'rb', weight: 0, targets: [b.target] },
          ],
          headerRelease: { header: 'x-sluice-release', values: { rb: 'rb' } },
        }),
      ],
    });
    for (const cookie of ['sluice-release=ra', undefined]) {
      const reply = await send(port, { host: 'pin-sticky.test', headers: { 'x-sluice-release': 'rb', ...(cookie ? { cookie } : {}) } });
      assert.equal(reply.body, 'b');
      assert.deepEqual(setCookies(reply), []);
    }
    // An unknown pin value is no pin: the cookie applies.
    const unpinned = await send(port, { host: 'pin-sticky.test', headers: { 'x-sluice-release': 'nope', cookie: 'sluice-release=ra' } });
    assert.equal(unpinned.body, 'a');
    assert.deepEqual(setCookies(unpinned), []);
  });

  void it('never sets cookies on a route that is not sticky', async () => {
    router.setRoutes({ routes: [{ ...fiftyFifty({ host: 'plain.test' }), sticky: undefined }] });
    const bodies = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const reply = await send(port, { host: 'plain.test', headers: i % 2 ? { cookie: 'sluice-release=ra' } : {} });
      bodies.add(reply.body);
      assert.deepEqual(setCookies(reply), []);
    }
    assert.deepEqual([...bodies].sort(), ['a', 'b'], 'the cookie means nothing there: weights apply');
  });

  void it('re-sticks to the release that answered when a retry had to leave the cookie one', async () => {
    const dead = { id: 'dead#1', host: '127.0.0.1', port: await deadPort() };
    router.setRoutes({
      routes: [
        fiftyFifty({
          host: 'retry.test',
          backends: [
            { release: 'ra', weight: 50, targets: [dead] },
            { release: 'rb', weight: 50, targets: [b.target] },
          ],
        }),
      ],
    });
    const reply = await send(port, { host: 'retry.test', headers: { cookie: 'sluice-release=ra' } });
    assert.equal(reply.body, 'b');
    assert.deepEqual(setCookies(reply), [`sluice-release=rb; ${attrs}`]);
  });

  void it('encodes release names into valid cookie values', async () => {
    router.setRoutes({
      routes: [{ host: 'odd.test', backends: [{ release: 'v2 beta;x', weight: 100, targets: [a.target] }], sticky: { cookie: 'sr' } }],
    });
    const first = await send(port, { host: 'odd.test' });
    assert.deepEqual(setCookies(first), [`sr=v2%20beta%3Bx; ${attrs}`]);
    const again = await send(port, { host: 'odd.test', headers: { cookie: stickyPair(first, 'sr') } });
    assert.deepEqual(setCookies(again), []);
  });

  void it('rejects bad sticky settings and keeps the current table', async () => {
    router.setRoutes({ routes: [fiftyFifty({ host: 'keep.test' })] });
    const bad: Route['sticky'][] = [{ cookie: '' }, { cookie: 'a b' }, { cookie: 'x;y' }, { cookie: 'ok', maxAgeSeconds: 0 }, { cookie: 'ok', maxAgeSeconds: 1.5 }];
    for (const sticky of bad) {
      assert.throws(() => router.setRoutes({ routes: [fiftyFifty({ host: 'bad.test', sticky })] }), InvalidInputError, JSON.stringify(sticky));
    }
    assert.deepEqual(router.appliedRoutes().routes.map((r) => [r.host, r.sticky]), [['keep.test', { cookie: 'sluice-release' }]]);
    assert.equal((await send(port, { host: 'keep.test', headers: { cookie: 'sluice-release=rb' } })).body, 'b');
  });
});

void describe('sticky cookie parsing', () => {
  void it('finds only the named cookie', () => {
    const name = 'sluice-release';
    assert.equal(cookieValue(undefined, name), undefined);
    assert.equal(cookieValue('', name), undefined);
    assert.equal(cookieValue('sluice-release=r1', name), 'r1');
    assert.equal(cookieValue('a=1; sluice-release=r2; b=3', name), 'r2');
    assert.equal(cookieValue('a=1;sluice-release = r3 ;b=3', name), 'r3');
    assert.equal(cookieValue('sluice-release="r4"', name), 'r4');
    assert.equal(cookieValue('xsluice-release=no; sluice-release-old=no', name), undefined);
    assert.equal(cookieValue('xsluice-release=no; sluice-release=yes', name), 'yes');
    assert.equal(cookieValue('a=sluice-release=no', name), undefined);
    assert.equal(cookieValue('sluice-release=first; sluice-release=second', name), 'first');
    assert.equal(cookieValue('sluice-release', name), undefined);
    assert.equal(cookieValue('sluice-release=', name), '');
  });
});

void describe('data plane: sticky routes', () => {
  void it('passes sticky through to the router and refuses a bad one', async (t) => {
    const dp = await dataPlaneKit(t).start();
    const backends = [{ release: 'r1', weight: 100, instances: [] }];
    dp.setRoute('Sticky.Test', { backends, sticky: { cookie: 'sr', maxAgeSeconds: 60 } });
    dp.setRoute('plain.test', { backends });
    const applied = dp.router.appliedRoutes().routes;
    assert.deepEqual(applied.find((r) => r.host === 'sticky.test')?.sticky, { cookie: 'sr', maxAgeSeconds: 60 });
    assert.equal(applied.find((r) => r.host === 'plain.test')?.sticky, undefined);
    assert.throws(() => dp.setRoute('bad.test', { backends, sticky: { cookie: 'no good' } }), InvalidInputError);
    assert.equal(dp.router.appliedRoutes().routes.some((r) => r.host === 'bad.test'), false);
  });
});
