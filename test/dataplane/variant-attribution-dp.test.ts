// Variant attribution end to end in the data plane: routes set over the control socket with a
// flag scope (EdgeRouterClient), flags published with `attributed`, a real instance that
// evaluates its own flag over OFREP with targetingKey = x-sluice-user, and Router.flagMetrics.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Agent } from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import { statePathOf } from '../../src/dataplane/data-plane-paths.ts';
import { applyCommand, composeFlag } from '../../src/flags/flag-overrides.ts';
import type { FlagDefinition } from '../../src/flags/flag-definition.ts';
import { EdgeRouterClient } from '../../src/router/edge/edge-router-client.ts';
import { send } from '../router/router-test-kit.ts';
import { flagsKit, post, shopFlags } from '../flags/ofrep-kit.ts';

// Evaluates `checkout` over OFREP for the x-sluice-user the router sends; answers the variant,
// with a 500 for `on` (so the router's counters show which variant the app saw).
const app = `
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true });
const srv = http.createServer((req, res) => {
  if (req.url === '/health') return res.end('ok');
  const body = JSON.stringify({ context: { targetingKey: req.headers['x-sluice-user'] } });
  const r = http.request(process.env.SLUICE_FLAGS_URL + '/ofrep/v1/evaluate/flags/checkout', { method: 'POST', agent, headers: { 'content-type': 'application/json', 'x-api-key': process.env.FLAGS_KEY, 'content-length': Buffer.byteLength(body) } }, (a) => {
    let text = '';
    a.on('data', (c) => (text += c));
    a.on('end', () => {
      const variant = JSON.parse(text).variant;
      res.writeHead(variant === 'on' ? 500 : 200, { 'x-user': String(req.headers['x-sluice-user']) });
      res.end(String(variant));
    });
  });
  r.on('error', () => { res.writeHead(502); res.end('ofrep unreachable'); });
  r.end(body);
});
srv.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => { srv.closeAllConnections(); srv.close(); process.exit(0); });
`;

const checkout: FlagDefinition = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' };
const host = 'production.shop.localhost';
const id = 'shop.production.web.r1.1';

void test('10,000 users: the router attributes each to the variant the app’s own OFREP evaluation gives it (0 mismatches)', async (t) => {
  const f = await flagsKit(t);
  const router = new EdgeRouterClient(f.client);
  // 30 % through the existing percent override, as `sluice flag set checkout --percent 30` makes it.
  const at30 = composeFlag(checkout, applyCommand('checkout', checkout, undefined, { kind: 'percent', percent: 30 }));
  await f.publisher.publish(shopFlags(1, { flags: { ...shopFlags(1).flags, checkout: at30 }, attributed: ['checkout'] }));
  fs.writeFileSync(path.join(f.kit.appDir, 'variant.js'), app);
  await f.dp.startInstance({ ...f.kit.spec(id), command: `exec "${process.execPath}" variant.js`, env: { SLUICE_FLAGS_URL: f.baseUrl, FLAGS_KEY: f.serverKey } });
  await f.dp.waitReady(id, 15_000);
  await router.setRoute(host, [{ release: 'r1', weight: 100, instances: [id] }], undefined, { flagScope: { project: 'shop', environment: 'production' } });
  const applied = (await router.applied()).routes.find((r) => r.host === host);
  assert.deepEqual(applied?.flagScope, { project: 'shop', environment: 'production' });

  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  t.after(() => agent.destroy());
  const users = 10_000;
  let next = 0;
  const appSaid: Record<string, number> = {};
  const worker = async (): Promise<void> => {
    while (next < users) {
      const user = `user-${next++}`;
      const r = await send(f.dp.routerPort, { host, headers: { 'x-sluice-user': user }, agent });
      assert.equal(r.headers['x-user'], user, 'the instance got the key');
      appSaid[r.body] = (appSaid[r.body] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));

  const rows = (await router.flagMetrics()).filter((m) => m.host === host && m.flag === 'checkout');
  const on = rows.find((m) => m.variant === 'on');
  const off = rows.find((m) => m.variant === 'off');
  assert.ok(on && off, JSON.stringify(rows));
  assert.deepEqual(rows.map((m) => m.variant).sort(), ['off', 'on']);
  assert.equal(on.requests + off.requests, users);
  // The app answered 500 exactly when its own evaluation said `on`: a user the router put in
  // another variant than the app shows up as a 500 under `off` or a 200 under `on`.
  const mismatches = off.errors5xx + (on.requests - on.errors5xx);
  assert.equal(mismatches, 0);
  assert.deepEqual(appSaid, { on: on.requests, off: off.requests });
  assert.ok(on.requests > 2_700 && on.requests < 3_300, `about 30 %: ${on.requests}`);
  // And the test's own OFREP call agrees for a sample of the same keys.
  for (let i = 0; i < 50; i++) {
    const r = await post(`${f.baseUrl}/ofrep/v1/evaluate/flags/checkout`, { context: { targetingKey: `user-${i}` } }, { 'x-api-key': f.serverKey });
    const viaRouter = await send(f.dp.routerPort, { host, headers: { 'x-sluice-user': `user-${i}` } });
    assert.equal(viaRouter.body, (r.json as { variant: string }).variant);
  }
});

void test('the flag scope is kept in the data plane’s state across a restart; a bad one is refused with 400, named', async (t) => {
  const f = await flagsKit(t);
  const router = new EdgeRouterClient(f.client);
  await f.publisher.publish(shopFlags(1, { attributed: ['rollout'] }));
  await router.setRoute('scoped.localhost', [{ release: 'r1', weight: 100, instances: [] }], undefined, { flagScope: { project: 'shop', environment: 'production' } });
  await router.setRoute('plain.localhost', [{ release: 'r1', weight: 100, instances: [] }]);
  await assert.rejects(
    router.setRoute('bad.localhost', [], undefined, { flagScope: { project: '', environment: 'production' } }),
    (e: Error & { code?: string }) => e.code === 'invalid_input' && /flagScope\.project/.test(e.message),
  );
  await f.dp.stop();
  const state = JSON.parse(fs.readFileSync(statePathOf(f.kit.dataDir), 'utf8')) as { routes: Record<string, { flagScope?: unknown }> };
  assert.deepEqual(state.routes['scoped.localhost']?.flagScope, { project: 'shop', environment: 'production' });
  assert.equal(state.routes['plain.localhost']?.flagScope, undefined);
  assert.equal(state.routes['bad.localhost'], undefined, 'nothing half-written');
  const dp2 = await f.kit.start();
  const routes = dp2.router.appliedRoutes().routes;
  assert.deepEqual(routes.find((r) => r.host === 'scoped.localhost')?.flagScope, { project: 'shop', environment: 'production' });
  assert.equal(routes.find((r) => r.host === 'plain.localhost')?.flagScope, undefined, 'a route written without one has none');
});
