// Standard Webhooks signing against the reference test vectors of the specification's own
// libraries (standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts:
// "sign function works" and the verification cases built on the same secret and message).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newSigningSecret, signWebhook, verifyWebhook } from '../../src/notifications/standard-webhooks.ts';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const msgId = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const timestamp = 1614265330;
const payload = '{"test": 2432232314}';
const expected = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';

void test('signing gives the reference vector, with and without the whsec_ prefix', () => {
  assert.equal(signWebhook(secret, msgId, timestamp, payload), expected);
  assert.equal(signWebhook(secret.slice('whsec_'.length), msgId, timestamp, payload), expected);
});

void test('verification accepts the reference signature among several, and refuses a changed id, time, body or a partial signature', () => {
  assert.ok(verifyWebhook(secret, msgId, timestamp, payload, expected));
  const multi = ['v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=', 'v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=', expected, 'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc='].join(' ');
  assert.ok(verifyWebhook(secret, msgId, timestamp, payload, multi));
  assert.equal(verifyWebhook(secret, 'msg_other', timestamp, payload, expected), false);
  assert.equal(verifyWebhook(secret, msgId, timestamp + 1, payload, expected), false);
  assert.equal(verifyWebhook(secret, msgId, timestamp, '{"test": 2432232315}', expected), false);
  assert.equal(verifyWebhook(secret, msgId, timestamp, payload, expected.slice(0, 8)), false);
  assert.equal(verifyWebhook(secret, msgId, timestamp, payload, 'v1,'), false);
});

void test('a new secret is whsec_ and base64 of 32 random bytes, different each time', () => {
  const a = newSigningSecret();
  assert.match(a, /^whsec_[A-Za-z0-9+/]{43}=$/);
  assert.equal(Buffer.from(a.slice(6), 'base64').length, 32);
  assert.notEqual(a, newSigningSecret());
});
