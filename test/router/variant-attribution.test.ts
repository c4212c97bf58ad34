// Variant attribution in the edge router, over real HTTP on loopback, with flagd-core's own
// evaluator: the targeting key (x-sluice-user, else the sluice-uid cookie, else a new one set
// once), the header the instance sees, per-variant counters, and what is left alone.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EnvironmentEvaluator, loadFlagd, type FlagdModule } from '../../src/flags/environment-evaluator.ts';
import type { EnvironmentFlags } from '../../src/flags/environment-flags.ts';
import { EdgeRouter } from '../../src/router/edge/edge-router.ts';
import { maxTargetingKeyLength, userCookieMaxAgeSeconds } from '../../src/router/edge/targeting-key.ts';
import { noVariant, type FlagScope, type FlagVariantMetrics, type Route } from '../../src/router/route-table.ts';
import { deadPort, send, startBackend, type Backend, type Reply } from './router-test-kit.ts';

function flagsOf(version: number, attributed: string[], over: Partial<EnvironmentFlags['flags']> = {}): EnvironmentFlags {
  return {
    project: 'shop',
    environment: 'production',
    version,
    flags: {
      checkout: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { fractional: [['on', 30], ['off', 70]] } },
      banner: { state: 'DISABLED', variants: { a: 'A', b: 'B' }, defaultVariant: 'a' },
      ...over,
    },
    evaluators: {},
    clientFlags: [],
    archived: [],
    attributed,
  };
}

function setCookies(reply: Reply): string[] {
  return reply.headers['set-cookie'] ?? [];
}

function uidCookie(reply: Reply): string | undefined {
  return setCookies(reply).find((c) => c.startsWith('sluice-uid='));
}

/** The requests counted per variant of a flag on a host. */
function counts(metrics: FlagVariantMetrics[], host: string, flag: string): Record<string, number> {
  return Object.fromEntries(metrics.filter((m) => m.host === host && m.flag === flag).map((m) => [m.variant, m.requests]));
}

void describe('edge router: variant attribution', () => {
  let flagd: FlagdModule;
  let router: EdgeRouter;
  let port: number;
  let app: Backend;
  /** What the data plane serves, by environment (the test swaps it like a publish does). */
  const served = new Map<string, EnvironmentEvaluator>();
  const scope: FlagScope = { project: 'shop', environment: 'production' };

  before(async () => {
    flagd = await loadFlagd();
    app = await startBackend('app', (req, res) => {
      req.resume();
      const status = req.url === '/fail' ? 500 : 200;
      res.writeHead(status, { 'set-cookie': 'app=1; Path=/', 'content-type': 'text/plain' });
      res.end(String(req.headers['x-sluice-user'] ?? '-'));
    });
    router = new EdgeRouter({ port: 0, flagsOf: (s) => served.get(`${s.project}/${s.environment}`) });
    port = await router.listen();
  });

  after(async () => {
    await router.close();
    await app.close();
  });

  const route = (host: string, extra: Partial<Route> = {}): Route => ({ host, backends: [{ release: 'r1', weight: 100, targets: [app.target] }], flagScope: scope, ...extra });
  const publish = (flags: EnvironmentFlags): void => {
    served.set(`${flags.project}/${flags.environment}`, new EnvironmentEvaluator(flagd, flags, served.get(`${flags.project}/${flags.environment}`)));
  };

  void it('sets the sluice-uid cookie once, after the app’s own, and the same user comes back with it', async () => {
    publish(flagsOf(1, ['checkout']));
    router.setRoutes({ routes: [route('a.test')] });
    const first = await send(port, { host: 'a.test' });
    const cookie = uidCookie(first);
    assert.ok(cookie, JSON.stringify(setCookies(first)));
    assert.equal(setCookies(first)[0], 'app=1; Path=/', 'the app’s Set-Cookie comes first');
    const [pair, ...attrs] = cookie.split('; ');
    assert.deepEqual(attrs, ['Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${userCookieMaxAgeSeconds}`]);
    const key = pair!.slice('sluice-uid='.length);
    assert.equal(first.body, key, 'the instance got the new key as x-sluice-user');
    for (let i = 0; i < 5; i++) {
      const again = await send(port, { host: 'a.test', headers: { cookie: `other=1; ${pair!}` } });
      assert.equal(uidCookie(again), undefined, 'no new cookie for a known user');
      assert.equal(again.body, key);
    }
  });

  void it('x-sluice-user wins over the cookie; the instance sees one header, the resolved key', async () => {
    publish(flagsOf(1, ['checkout']));
    router.setRoutes({ routes: [route('b.test')] });
    const r = await send(port, { host: 'b.test', headers: { 'x-sluice-user': 'user-42', cookie: 'sluice-uid=browser-7' } });
    assert.equal(r.body, 'user-42');
    assert.equal(uidCookie(r), undefined);
    const seen = app.seen.at(-1)!;
    assert.equal(seen.headers['x-sluice-user'], 'user-42', 'not duplicated (Node would join two with ", ")');
    const byCookie = await send(port, { host: 'b.test', headers: { cookie: 'sluice-uid=browser-7' } });
    assert.equal(byCookie.body, 'browser-7');
  });

  void it('an oversized, blank or doubled x-sluice-user is absent: the cookie (or a new key) is used, and replaces it upstream', async () => {
    publish(flagsOf(1, ['checkout']));
    router.setRoutes({ routes: [route('c.test')] });
    const long = 'x'.repeat(maxTargetingKeyLength + 1);
    const r = await send(port, { host: 'c.test', headers: { 'x-sluice-user': long, cookie: 'sluice-uid=browser-9' } });
    assert.equal(r.body, 'browser-9');
    const exact = 'y'.repeat(maxTargetingKeyLength);
    assert.equal((await send(port, { host: 'c.test', headers: { 'x-sluice-user': exact } })).body, exact, '256 characters is still a key');
    const spaced = await send(port, { host: 'c.test', headers: { 'x-sluice-user': 'two words' } });
    assert.ok(uidCookie(spaced), 'no usable key: a new one is set');
    assert.notEqual(spaced.body, 'two words');
    assert.match(spaced.body, /^[0-9a-f-]{36}$/);
  });

  void it('a malformed sluice-uid cookie is replaced by a new one', async () => {
    publish(flagsOf(1, ['checkout']));
    router.setRoutes({ routes: [route('d.test')] });
    for (const bad of ['sluice-uid=', `sluice-uid=${'z'.repeat(300)}`, 'sluice-uid=a\\b', 'sluice-uid']) {
      const r = await send(port, { host: 'd.test', headers: { cookie: bad } });
      const cookie = uidCookie(r);
      assert.ok(cookie, `${bad.slice(0, 30)}: a new cookie`);
      assert.equal(r.body, cookie.split(';')[0]!.slice('sluice-uid='.length));
    }
  });

  void it('an environment without flags, or a route without a flag scope: no cookie, no header, nothing counted', async () => {
    served.clear();
    router.setRoutes({ routes: [route('e.test'), route('f.test', { flagScope: undefined })] });
    for (const host of ['e.test', 'f.test']) {
      const r = await send(port, { host });
      assert.equal(uidCookie(r), undefined, host);
      assert.equal(r.body, '-', `${host}: the instance got no x-sluice-user`);
      const passed = await send(port, { host, headers: { 'x-sluice-user': 'client-value' } });
      assert.equal(passed.body, 'client-value', `${host}: a client's header goes through untouched`);
    }
    assert.deepEqual(router.flagMetrics().filter((m) => m.host === 'e.test' || m.host === 'f.test'), []);
  });

  void it('counts every request under the variant its user gets; a disabled flag counts under (default); counts add up', async () => {
    const flags = flagsOf(3, ['checkout', 'banner']);
    publish(flags);
    const evaluator = served.get('shop/production')!;
    router.setRoutes({ routes: [route('g.test')] });
    const expected: Record<string, number> = {};
    let failures = 0;
    for (let i = 0; i < 200; i++) {
      const user = `u${i}`;
      const fail = i % 4 === 0;
      if (fail) failures++;
      const r = await send(port, { host: 'g.test', path: fail ? '/fail' : '/', headers: { 'x-sluice-user': user } });
      assert.equal(r.status, fail ? 500 : 200);
      const variant = evaluator.evaluate('checkout', { targetingKey: user });
      assert.ok(variant.reason !== 'ERROR' && variant.variant !== undefined);
      expected[variant.variant] = (expected[variant.variant] ?? 0) + 1;
    }
    const m = router.flagMetrics();
    assert.deepEqual(counts(m, 'g.test', 'checkout'), expected);
    assert.ok((expected.on ?? 0) > 20 && (expected.off ?? 0) > 100, JSON.stringify(expected));
    assert.deepEqual(counts(m, 'g.test', 'banner'), { [noVariant]: 200 });
    const rows = m.filter((x) => x.host === 'g.test' && x.flag === 'checkout');
    assert.equal(rows.reduce((s, x) => s + x.errors5xx, 0), failures);
    for (const row of rows) {
      assert.deepEqual([row.project, row.environment], ['shop', 'production']);
      assert.equal(row.latency.counts.at(-1), row.requests, 'every request timed');
      assert.equal(row.latency.counts.length, row.latency.bounds.length + 1);
    }
  });

  void it('counters survive a publish (new version, same flag) and a table swap; a flag no longer attributed is dropped', async () => {
    publish(flagsOf(4, ['checkout']));
    router.setRoutes({ routes: [route('h.test')] });
    for (let i = 0; i < 10; i++) await send(port, { host: 'h.test', headers: { 'x-sluice-user': `v${i}` } });
    publish(flagsOf(5, ['checkout'], { other: { state: 'ENABLED', variants: { x: 1 }, defaultVariant: 'x' } }));
    router.setRoutes({ routes: [route('h.test'), route('other.test')] });
    for (let i = 0; i < 10; i++) await send(port, { host: 'h.test', headers: { 'x-sluice-user': `v${i}` } });
    const total = Object.values(counts(router.flagMetrics(), 'h.test', 'checkout')).reduce((s, n) => s + n, 0);
    assert.equal(total, 20);
    publish(flagsOf(6, []));
    assert.deepEqual(counts(router.flagMetrics(), 'h.test', 'checkout'), {});
    publish(flagsOf(7, ['checkout']));
    await send(port, { host: 'h.test', headers: { 'x-sluice-user': 'v1' } });
    assert.equal(Object.values(counts(router.flagMetrics(), 'h.test', 'checkout')).reduce((s, n) => s + n, 0), 1, 'a new rollout starts from zero');
    router.setRoutes({ routes: [route('other.test')] });
    assert.deepEqual(counts(router.flagMetrics(), 'h.test', 'checkout'), {}, 'a host gone from the table takes its counters');
  });

  void it('a target that refuses connections counts a connect failure under the variant', async () => {
    publish(flagsOf(8, ['checkout']));
    const dead = await deadPort();
    router.setRoutes({ routes: [{ host: 'i.test', backends: [{ release: 'r1', weight: 100, targets: [{ id: 'dead#1', host: '127.0.0.1', port: dead }] }], flagScope: scope }] });
    const r = await send(port, { host: 'i.test', headers: { 'x-sluice-user': 'someone' } });
    assert.equal(r.status, 502);
    const rows = router.flagMetrics().filter((m) => m.host === 'i.test');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.connectFailures, 1);
    assert.equal(rows[0]!.errors5xx, 1);
  });

  void it('a flag scope without a project is refused with the host named, and the table in force stays', () => {
    router.setRoutes({ routes: [route('j.test')] });
    assert.throws(() => router.setRoutes({ routes: [route('j.test', { flagScope: { project: '', environment: 'production' } })] }), /flagScope of j\.test/);
    assert.ok(router.appliedRoutes().routes.some((r) => r.host === 'j.test' && r.flagScope?.project === 'shop'));
  });
});
