import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  constantTimeEqual,
  HookError,
  HookSignatureError,
  newWebhookSecret,
  signGithub,
  signStandardWebhook,
  verifyAndParse,
} from '../../src/hooks/verify-and-parse.ts';
import { ErrorCode, SluiceError } from '../../src/errors.ts';
import { body, githubPush, githubRequest, gitlabSignedRequest, NOW_MS, SECRET, SHA_A } from './hook-fixtures.ts';

void test('signGithub reproduces GitHub’s published test vector', () => {
  assert.equal(
    signGithub(Buffer.from('Hello, World!'), "It's a Secret to Everybody"),
    'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
  );
});

void test('verifyAndParse accepts GitHub’s published test vector', () => {
  const req = {
    headers: { 'x-github-event': 'ping', 'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17' },
    body: Buffer.from('Hello, World!'),
  };
  const hook = verifyAndParse('github', req, "It's a Secret to Everybody", NOW_MS);
  assert.equal(hook.event.kind, 'ignored');
  assert.throws(() => verifyAndParse('github', { ...req, body: Buffer.from('Hello, World?') }, "It's a Secret to Everybody", NOW_MS), HookSignatureError);
});

void test('signStandardWebhook reproduces the Standard Webhooks test vector', () => {
  const signature = signStandardWebhook('msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, Buffer.from('{"test": 2432232314}'), 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
  assert.equal(signature, 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
});

void test('GitLab verification accepts the Standard Webhooks test vector, among several signatures', () => {
  const headers = {
    'x-gitlab-event': 'Issue Hook',
    'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    'webhook-timestamp': '1614265330',
    'webhook-signature': 'v1a,notchecked v1,Zm9yZ2VkLXNpZ25hdHVyZQ== v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  };
  const hook = verifyAndParse('gitlab', { headers, body: Buffer.from('{"test": 2432232314}') }, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 1614265330_000 + 60_000);
  assert.deepEqual(hook, { host: 'gitlab', deliveryId: 'msg_p5jXN8AQM9LWM0D4loKWxJek', event: { kind: 'ignored', reason: 'event "Issue Hook" is not handled' } });
});

void test('constantTimeEqual compares values of unequal lengths without throwing', () => {
  assert.equal(constantTimeEqual('sha256=abc', 'sha256=abcdef'), false);
  assert.equal(constantTimeEqual(Buffer.alloc(0), Buffer.from('x')), false);
  assert.equal(constantTimeEqual('same', Buffer.from('same')), true);
  assert.equal(constantTimeEqual('same', 'Same'), false);
});

void test('a signature of the wrong length is refused with 401, not a RangeError', () => {
  const payload = body(githubPush('refs/heads/main', SHA_A));
  for (const bad of ['sha256=', 'sha256=abcd', `${signGithub(payload, SECRET)}00`, 'sha256=zz']) {
    const req = githubRequest('push', payload, SECRET, { 'x-hub-signature-256': bad });
    assert.throws(() => verifyAndParse('github', req, SECRET, NOW_MS), (error: unknown) => {
      assert.ok(error instanceof HookSignatureError, `for ${bad}: ${String(error)}`);
      assert.match(error.message, /signature does not match/);
      return true;
    });
  }
});

void test('hook errors are SluiceErrors with the unauthenticated code (HTTP 401) and a kind', () => {
  const req = githubRequest('push', body(githubPush('refs/heads/main', SHA_A)), 'another secret');
  try {
    verifyAndParse('github', req, SECRET, NOW_MS);
    assert.fail('expected a refusal');
  } catch (error) {
    assert.ok(error instanceof HookError && error instanceof SluiceError);
    assert.equal(error.code, ErrorCode.unauthenticated);
    assert.equal(error.kind, 'signature');
    assert.equal(error.details.host, 'github');
  }
});

void test('an empty configured secret refuses everything, even a matching empty-key signature', () => {
  const req = githubRequest('push', body(githubPush('refs/heads/main', SHA_A)), '');
  assert.throws(() => verifyAndParse('github', req, '', NOW_MS), /no webhook secret is configured/);
});

void test('newWebhookSecret is whsec_ plus the base64 of 32 random bytes, and works as a Standard Webhooks key', () => {
  const a = newWebhookSecret();
  const b = newWebhookSecret();
  assert.match(a, /^whsec_[A-Za-z0-9+/]{43}=$/);
  assert.equal(Buffer.from(a.slice(6), 'base64').length, 32);
  assert.notEqual(a, b);
  const req = gitlabSignedRequest('Push Hook', body({ ref: 'refs/heads/main', after: SHA_A, commits: [] }), { secret: a });
  assert.equal(verifyAndParse('gitlab', req, a, NOW_MS).event.kind, 'push');
  assert.equal(verifyAndParse('github', githubRequest('push', body(githubPush('refs/heads/main', SHA_A)), a), a, NOW_MS).event.kind, 'push');
});
