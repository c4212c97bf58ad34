// The data plane's OFREP endpoint driven by real OpenFeature clients: @openfeature/server-sdk with
// @openfeature/ofrep-provider (single evaluations) and @openfeature/ofrep-core's OFREPApi (bulk,
// with ETag / If-None-Match → 304).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OFREPApi } from '@openfeature/ofrep-core';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OpenFeature } from '@openfeature/server-sdk';
import { FlagdCore } from '@openfeature/flagd-core';
import { flagsKit, shopFlags } from './ofrep-kit.ts';

void test('server SDK over OFREP: five types, targeting, fractional as flagd, errors, bulk 304', async (t) => {
  const f = await flagsKit(t);
  await f.publisher.publish(shopFlags(1));
  await OpenFeature.setProviderAndWait('shop', new OFREPProvider({ baseUrl: f.baseUrl, headers: [['Authorization', `Bearer ${f.serverKey}`]] }));
  t.after(() => OpenFeature.close());
  const client = OpenFeature.getClient('shop');

  // Five value types.
  assert.equal(await client.getBooleanValue('new-checkout', true, { targetingKey: 'u1', email: 'a@other.org' }), false);
  assert.equal(await client.getStringValue('banner-text', 'x', { targetingKey: 'u1' }), 'Hello');
  assert.equal(await client.getNumberValue('max-items', 0, { targetingKey: 'u1' }), 50);
  assert.equal(await client.getNumberValue('discount', 0, { targetingKey: 'u1' }), 0.15);
  assert.deepEqual(await client.getObjectValue('theme', {}, { targetingKey: 'u1' }), { color: 'white', contrast: 1 });
  const statik = await client.getStringDetails('banner-text', 'x', { targetingKey: 'u1' });
  assert.equal(statik.reason, 'STATIC');
  assert.equal(statik.variant, 'hello');

  // Targeting.
  const hit = await client.getBooleanDetails('new-checkout', false, { targetingKey: 'u1', email: 'ann@example.com' });
  assert.deepEqual([hit.value, hit.variant, hit.reason], [true, 'on', 'TARGETING_MATCH']);

  // Fractional: the variant flagd-core gives each user.
  const flagd = new FlagdCore();
  flagd.setConfigurations(JSON.stringify({ flags: shopFlags(1).flags }));
  const seen = new Set<string>();
  for (let i = 0; i < 40; i++) {
    const ctx = { targetingKey: `user-${i}` };
    const got = await client.getBooleanDetails('rollout', false, ctx);
    assert.equal(got.variant, flagd.resolveBooleanEvaluation('rollout', false, ctx).variant, `user-${i}`);
    seen.add(got.variant!);
  }
  assert.deepEqual([...seen].sort(), ['off', 'on']);

  // Errors: not found, archived, type mismatch, targeting key missing, disabled → the code default.
  const missing = await client.getBooleanDetails('no-such-flag', true, { targetingKey: 'u1' });
  assert.deepEqual([missing.value, missing.errorCode], [true, 'FLAG_NOT_FOUND']);
  const archived = await client.getBooleanDetails('removed-flag', true, { targetingKey: 'u1' });
  assert.deepEqual([archived.value, archived.errorCode], [true, 'FLAG_NOT_FOUND']);
  const mismatch = await client.getNumberDetails('banner-text', 7, { targetingKey: 'u1' });
  assert.deepEqual([mismatch.value, mismatch.errorCode], [7, 'TYPE_MISMATCH']);
  const noKey = await client.getBooleanDetails('rollout', true, {});
  assert.deepEqual([noKey.value, noKey.errorCode], [true, 'TARGETING_KEY_MISSING']);
  const disabled = await client.getBooleanDetails('old-thing', false, { targetingKey: 'u1' });
  assert.equal(disabled.value, false, 'a disabled flag answers the code default');

  // A published change is served at once after publish() resolves.
  await f.publisher.publish(shopFlags(2, { flags: { ...shopFlags(1).flags, 'banner-text': { state: 'ENABLED', variants: { hello: 'Hello', bye: 'Goodbye' }, defaultVariant: 'bye' } } }));
  assert.equal(await client.getStringValue('banner-text', 'x', { targetingKey: 'u1' }), 'Goodbye');

  // Bulk with OFREP's own client: 200 with an ETag, then 304 for If-None-Match, then 200 after a change.
  const api = new OFREPApi(f.baseUrl);
  const auth = { headers: [['X-API-Key', f.serverKey]] as [string, string][] };
  const first = await api.postBulkEvaluateFlags({ context: { targetingKey: 'u1' } }, auth);
  assert.equal(first.httpStatus, 200);
  const etag = first.httpResponse.headers.get('etag');
  assert.ok(etag);
  const flags = (first.value as { flags: Array<{ key: string; value?: unknown; errorCode?: string; reason?: string }> }).flags;
  assert.deepEqual(flags.map((x) => x.key), ['new-checkout', 'banner-text', 'max-items', 'discount', 'theme', 'rollout', 'old-thing', 'removed-flag']);
  assert.equal(flags.find((x) => x.key === 'removed-flag')?.errorCode, 'FLAG_NOT_FOUND');
  assert.deepEqual(flags.find((x) => x.key === 'old-thing'), { key: 'old-thing', reason: 'DISABLED', metadata: {} });
  const again = await api.postBulkEvaluateFlags({ context: { targetingKey: 'u1' } }, { headers: [...auth.headers, ['If-None-Match', etag]] });
  assert.equal(again.httpStatus, 304);
  const otherUser = await api.postBulkEvaluateFlags({ context: { targetingKey: 'u2' } }, { headers: [...auth.headers, ['If-None-Match', etag]] });
  assert.equal(otherUser.httpStatus, 200, 'another context is another answer');
  await f.publisher.publish(shopFlags(3));
  const changed = await api.postBulkEvaluateFlags({ context: { targetingKey: 'u1' } }, { headers: [...auth.headers, ['If-None-Match', etag]] });
  assert.equal(changed.httpStatus, 200);
  assert.notEqual(changed.httpResponse.headers.get('etag'), etag);

  // The public client key sees only the flags marked client: true.
  const pub = await new OFREPApi(f.baseUrl).postBulkEvaluateFlags({ context: { targetingKey: 'u1' } }, { headers: [['Authorization', `Bearer ${f.clientKey}`]] });
  assert.deepEqual((pub.value as { flags: Array<{ key: string }> }).flags.map((x) => x.key), ['banner-text', 'theme']);
});
