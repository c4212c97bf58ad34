// The OFREP endpoints' edges: keys (401/403, a key verified before and then replaced), the per-key rate (429), context limits, a data
// plane restarted with the control plane gone, a bad stored entry, and /_sluice/ofrep on an
// environment's own host through the router, with CORS for its other hosts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DataPlaneFlagPublisher } from '../../src/dataplane/data-plane-flag-publisher.ts';
import { flagsDirOf } from '../../src/dataplane/data-plane-flags.ts';
import { FlagKeyMaker } from '../../src/flags/ofrep/flag-keys.ts';
import { send } from '../router/router-test-kit.ts';
import { flagsKit, post, shopFlags } from './ofrep-kit.ts';

const one = (base: string, key: string): string => `${base}/ofrep/v1/evaluate/flags/${key}`;

void test('keys: none, malformed, unknown or forged → 401; the public key sees client flags only', async (t) => {
  const f = await flagsKit(t);
  await f.publisher.publish(shopFlags(1));
  const ctx = { context: { targetingKey: 'u1' } };
  assert.equal((await post(one(f.baseUrl, 'banner-text'), ctx)).status, 401);
  assert.equal((await post(one(f.baseUrl, 'banner-text'), ctx, { authorization: 'Bearer nonsense' })).status, 401);
  assert.equal((await post(one(f.baseUrl, 'banner-text'), ctx, { authorization: `Bearer ${f.keys.key('server', 'shop', 'staging')}` })).status, 401, 'an environment without flags');
  const forged = `${f.serverKey.slice(0, -4)}AAAA`;
  assert.equal((await post(one(f.baseUrl, 'banner-text'), ctx, { authorization: `Bearer ${forged}` })).status, 401);
  assert.equal((await post(one(f.baseUrl, 'banner-text'), ctx, { 'x-api-key': f.serverKey })).status, 200);
  const hidden = await post(one(f.baseUrl, 'new-checkout'), ctx, { authorization: `Bearer ${f.clientKey}` });
  assert.deepEqual([hidden.status, (hidden.json as { errorCode: string }).errorCode], [404, 'FLAG_NOT_FOUND']);
  assert.equal((await post(one(f.baseUrl, 'theme'), ctx, { authorization: `Bearer ${f.clientKey}` })).status, 200);
  await f.publisher.withdraw('shop', 'production');
  assert.equal((await post(one(f.baseUrl, 'banner-text'), ctx, { 'x-api-key': f.serverKey })).status, 401, 'withdrawn: its keys stop answering');
});

void test('a key answered before is refused once a publish brings other keys (a new master key), and the new one answers', async (t) => {
  const f = await flagsKit(t);
  await f.publisher.publish(shopFlags(1));
  const ctx = { context: { targetingKey: 'u1' } };
  const auth = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });
  for (let i = 0; i < 3; i++) assert.equal((await post(one(f.baseUrl, 'banner-text'), ctx, auth(f.serverKey))).status, 200);
  const rekeyed = new FlagKeyMaker(randomBytes(32));
  await new DataPlaneFlagPublisher(f.client, rekeyed).publish(shopFlags(2));
  assert.equal((await post(one(f.baseUrl, 'banner-text'), ctx, auth(f.serverKey))).status, 401, 'the old key, verified before');
  assert.equal((await post(one(f.baseUrl, 'banner-text'), ctx, auth(rekeyed.key('server', 'shop', 'production')))).status, 200);
  assert.equal((await post(one(f.baseUrl, 'banner-text'), ctx, auth(f.serverKey))).status, 401);
});

void test('a key past its rate gets 429 with Retry-After; other keys are not slowed', async (t) => {
  const f = await flagsKit(t, { flagsRatePerKey: 5 });
  await f.publisher.publish(shopFlags(1));
  const statuses: number[] = [];
  let retryAfter: string | null = null;
  for (let i = 0; i < 7; i++) {
    const r = await post(one(f.baseUrl, 'banner-text'), { context: { targetingKey: 'u1' } }, { 'x-api-key': f.serverKey });
    statuses.push(r.status);
    if (r.status === 429) retryAfter = r.headers.get('retry-after');
  }
  // A window may roll over under load: at most 5 in any one window pass.
  assert.ok(statuses.includes(429), statuses.join(','));
  assert.ok(Number(retryAfter) >= 1);
  assert.equal((await post(one(f.baseUrl, 'theme'), { context: {} }, { 'x-api-key': f.clientKey })).status, 200);
});

void test('a context of 1 MB or nested 1,000 deep, bad JSON, a non-string targetingKey: clear 400s, and serving goes on', async (t) => {
  const f = await flagsKit(t);
  await f.publisher.publish(shopFlags(1));
  const h = { 'x-api-key': f.serverKey };
  const big = await post(one(f.baseUrl, 'banner-text'), { context: { targetingKey: 'u1', blob: 'x'.repeat(1024 * 1024) } }, h);
  assert.deepEqual([big.status, (big.json as { errorCode: string }).errorCode], [400, 'INVALID_CONTEXT']);
  assert.match((big.json as { errorDetails: string }).errorDetails, /over 64 KiB/);
  let deep: unknown = 'leaf';
  for (let i = 0; i < 1000; i++) deep = { d: deep };
  const nested = await post(one(f.baseUrl, 'banner-text'), { context: { targetingKey: 'u1', deep } }, h);
  assert.deepEqual([nested.status, (nested.json as { errorCode: string }).errorCode], [400, 'INVALID_CONTEXT']);
  assert.match((nested.json as { errorDetails: string }).errorDetails, /nested more than 32/);
  const deepBulk = await post(`${f.baseUrl}/ofrep/v1/evaluate/flags`, `{"context":{"a":${'['.repeat(1000)}${']'.repeat(1000)}}}`, h);
  assert.deepEqual([deepBulk.status, (deepBulk.json as { errorCode: string }).errorCode], [400, 'INVALID_CONTEXT']);
  const bad = await post(one(f.baseUrl, 'banner-text'), '{"context": ', h);
  assert.deepEqual([bad.status, (bad.json as { errorCode: string; key: string }).errorCode, (bad.json as { key: string }).key], [400, 'PARSE_ERROR', 'banner-text']);
  const notString = await post(one(f.baseUrl, 'banner-text'), { context: { targetingKey: 42 } }, h);
  assert.equal((notString.json as { errorCode: string }).errorCode, 'INVALID_CONTEXT');
  assert.equal((await post(one(f.baseUrl, 'banner-text'), { context: { targetingKey: 'u1' } }, h)).status, 200);
});

void test('a restarted data plane serves the stored flags on the same port, the control plane gone; a bad entry is skipped, named', async (t) => {
  const f = await flagsKit(t);
  await f.publisher.publish(shopFlags(4));
  await f.publisher.publish({ ...shopFlags(1), environment: 'staging' });
  const port = f.dp.flags.port;
  await f.dp.stop();
  // One environment's file is damaged while the data plane is down.
  fs.writeFileSync(path.join(flagsDirOf(f.kit.dataDir), 'shop.staging.json'), '{"flags": {"project": "shop"}}');
  const dp2 = await f.kit.start();
  assert.equal(dp2.flags.port, port, 'SLUICE_FLAGS_URL stays true');
  const r = await post(one(f.baseUrl, 'banner-text'), { context: { targetingKey: 'u1' } }, { authorization: `Bearer ${f.serverKey}` });
  assert.deepEqual([r.status, (r.json as { value: string }).value], [200, 'Hello']);
  assert.ok(f.kit.lines.some((l) => /skipping flags "shop\.staging\.json"/.test(l)), f.kit.lines.join('\n'));
  assert.equal((await post(one(f.baseUrl, 'banner-text'), { context: {} }, { authorization: `Bearer ${f.keys.key('server', 'shop', 'staging')}` })).status, 401);
  assert.deepEqual(dp2.flags.flags.list(), [{ project: 'shop', environment: 'production', version: 4, flags: 8 }]);
});

void test('/_sluice/ofrep on the environment host: same origin, CORS for its other hosts only, 403 for another environment’s key', async (t) => {
  const f = await flagsKit(t);
  await f.publisher.publish(shopFlags(1));
  f.dp.setRoute('production.shop.localhost', { backends: [{ release: 'r1', weight: 100, instances: ['shop.production.web.r1.1'] }] });
  f.dp.setRoute('www.shop.example', { backends: [{ release: 'r1', weight: 100, instances: ['shop.production.web.r1.1'] }] });
  f.dp.setRoute('staging.shop.localhost', { backends: [{ release: 'r1', weight: 100, instances: ['shop.staging.web.r1.1'] }] });
  const bulk = (host: string, headers: Record<string, string>, method = 'POST') =>
    send(f.dp.routerPort, { host, path: '/_sluice/ofrep/v1/evaluate/flags', method, headers: { 'content-type': 'application/json', ...headers }, body: method === 'POST' ? '{"context":{"targetingKey":"u1"}}' : '' });
  const same = await bulk('production.shop.localhost', { authorization: `Bearer ${f.clientKey}` });
  assert.equal(same.status, 200);
  assert.deepEqual((JSON.parse(same.body) as { flags: Array<{ key: string }> }).flags.map((x) => x.key), ['banner-text', 'theme']);
  const cors = await bulk('production.shop.localhost', { authorization: `Bearer ${f.clientKey}`, origin: 'https://www.shop.example' });
  assert.equal(cors.headers['access-control-allow-origin'], 'https://www.shop.example');
  const preflight = await bulk('production.shop.localhost', { origin: 'https://www.shop.example', 'access-control-request-method': 'POST' }, 'OPTIONS');
  assert.equal(preflight.status, 204);
  assert.match(String(preflight.headers['access-control-allow-headers']), /Authorization/);
  const foreign = await bulk('production.shop.localhost', { authorization: `Bearer ${f.clientKey}`, origin: 'http://staging.shop.localhost' });
  assert.equal(foreign.headers['access-control-allow-origin'], undefined, 'another environment is not an allowed origin');
  await f.publisher.publish({ ...shopFlags(1), environment: 'staging' });
  const other = await bulk('production.shop.localhost', { authorization: `Bearer ${f.keys.key('client', 'shop', 'staging')}` });
  assert.equal(other.status, 403);
  assert.equal((await bulk('nowhere.localhost', { authorization: `Bearer ${f.clientKey}` })).status, 404);
});
