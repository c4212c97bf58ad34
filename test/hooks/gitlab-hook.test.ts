import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HookPayloadError, HookSignatureError, verifyAndParse } from '../../src/hooks/verify-and-parse.ts';
import type { HookRequest } from '../../src/hooks/verify-and-parse.ts';
import { body, gitlabSignedRequest, gitlabTokenRequest, NOW_MS, SECRET, SHA_A, SHA_B } from './hook-fixtures.ts';

function push(ref: string, after: string): unknown {
  return {
    object_kind: ref.startsWith('refs/tags/') ? 'tag_push' : 'push',
    before: SHA_B,
    after,
    ref,
    checkout_sha: /^0+$/.test(after) ? null : after,
    project: { id: 15, path_with_namespace: 'acme/shop' },
    commits: [
      { id: SHA_B, added: ['a.txt'], modified: [], removed: [] },
      { id: after, added: [], modified: ['a.txt', 'src/b.ts'], removed: ['c.md'] },
    ],
    total_commits_count: 2,
  };
}

function mergeRequest(action: string, extra: Record<string, unknown> = {}): unknown {
  return {
    object_kind: 'merge_request',
    event_type: 'merge_request',
    project: { id: 15 },
    object_attributes: {
      id: 99,
      iid: 7,
      action,
      source_branch: 'ms-viewport',
      target_branch: 'master',
      source_project_id: 15,
      target_project_id: 15,
      source: { path_with_namespace: 'acme/shop' },
      target: { path_with_namespace: 'acme/shop' },
      last_commit: { id: SHA_A, message: 'fixed readme' },
      ...extra,
    },
  };
}

const parse = (req: HookRequest, now = NOW_MS) => verifyAndParse('gitlab', req, SECRET, now);

void test('a Standard-Webhooks-signed push parses, with Idempotency-Key as delivery id', () => {
  const hook = parse(gitlabSignedRequest('Push Hook', body(push('refs/heads/main', SHA_A))));
  assert.deepEqual(hook, {
    host: 'gitlab',
    deliveryId: 'f6a1d0c4-8e9b-4a57-9d3c-2b1e0f7a6c55',
    event: { kind: 'push', branch: 'main', tag: null, after: SHA_A, deleted: false, changedPaths: ['a.txt', 'src/b.ts', 'c.md'] },
  });
});

void test('Tag Push Hook and a branch deletion', () => {
  const tag = parse(gitlabSignedRequest('Tag Push Hook', body(push('refs/tags/v2', SHA_A)))).event;
  assert.equal(tag.kind === 'push' && tag.tag, 'v2');
  const zero = '0'.repeat(40);
  const deleted = parse(gitlabSignedRequest('Push Hook', body(push('refs/heads/gone', zero)))).event;
  assert.deepEqual(deleted, { kind: 'push', branch: 'gone', tag: null, after: zero, deleted: true, changedPaths: [] });
});

void test('the older X-Gitlab-Token is accepted when it matches, refused otherwise', () => {
  const ok = parse(gitlabTokenRequest('Push Hook', body(push('refs/heads/main', SHA_A))));
  assert.equal(ok.event.kind, 'push');
  assert.equal(ok.deliveryId, '13792a34-cac6-4fda-95a8-c58e00a3954e');
  assert.throws(() => parse(gitlabTokenRequest('Push Hook', body(push('refs/heads/main', SHA_A)), 'guess')), (e: unknown) => e instanceof HookSignatureError && /X-Gitlab-Token does not match/.test(e.message));
  assert.throws(() => parse(gitlabTokenRequest('Push Hook', body(push('refs/heads/main', SHA_A)), `${SECRET}x`)), HookSignatureError);
});

void test('stale and future timestamps are refused with 401 naming the reason; within 5 minutes is fine', () => {
  const payload = body(push('refs/heads/main', SHA_A));
  const now = Math.floor(NOW_MS / 1000);
  assert.throws(() => parse(gitlabSignedRequest('Push Hook', payload, { timestampSec: now - 301 })), (e: unknown) => e instanceof HookSignatureError && /webhook-timestamp is stale \(301s old/.test(e.message));
  assert.throws(() => parse(gitlabSignedRequest('Push Hook', payload, { timestampSec: now + 400 })), /webhook-timestamp is in the future/);
  assert.equal(parse(gitlabSignedRequest('Push Hook', payload, { timestampSec: now - 299 })).event.kind, 'push');
  assert.equal(parse(gitlabSignedRequest('Push Hook', payload, { timestampSec: now + 299 })).event.kind, 'push');
});

void test('tampering with body, id or timestamp, a wrong secret, and missing headers answer 401', () => {
  const payload = body(push('refs/heads/main', SHA_A));
  const req = gitlabSignedRequest('Push Hook', payload);
  const variants: [string, HookRequest, RegExp][] = [
    ['body', { ...req, body: Buffer.concat([payload, Buffer.from(' ')]) }, /webhook-signature does not match/],
    ['id', { ...req, headers: { ...req.headers, 'webhook-id': 'msg_other' } }, /does not match/],
    ['timestamp', { ...req, headers: { ...req.headers, 'webhook-timestamp': String(Math.floor(NOW_MS / 1000) - 1) } }, /does not match/],
    ['secret', gitlabSignedRequest('Push Hook', payload, { secret: 'whsec_d3JvbmcgYnV0IHdlbGwgZm9ybWVkIGtleQ==' }), /does not match/],
    ['no signature', { ...req, headers: { ...req.headers, 'webhook-signature': undefined } }, /missing webhook-signature \(signing token\) or X-Gitlab-Token/],
    ['no id', { ...req, headers: { ...req.headers, 'webhook-id': undefined } }, /missing webhook-id/],
    ['no timestamp', { ...req, headers: { ...req.headers, 'webhook-timestamp': undefined } }, /missing webhook-timestamp/],
    ['bad timestamp', { ...req, headers: { ...req.headers, 'webhook-timestamp': '1e9' } }, /not a number of seconds/],
    ['no v1', { ...req, headers: { ...req.headers, 'webhook-signature': 'v2,abc' } }, /no v1 signature/],
    ['short', { ...req, headers: { ...req.headers, 'webhook-signature': 'v1,' } }, /does not match/],
  ];
  for (const [name, variant, reason] of variants) {
    assert.throws(() => parse(variant), (e: unknown) => e instanceof HookSignatureError && reason.test(e.message), name);
  }
});

void test('merge request actions map; update only counts with new commits (oldrev)', () => {
  const expected = { kind: 'pullRequest', number: 7, headSha: SHA_A, headRef: 'ms-viewport', baseRef: 'master', fromFork: false, headRepo: 'acme/shop', baseRepo: 'acme/shop' };
  for (const [action, mapped] of [['open', 'opened'], ['reopen', 'reopened'], ['close', 'closed'], ['merge', 'merged']]) {
    assert.deepEqual(parse(gitlabSignedRequest('Merge Request Hook', body(mergeRequest(action as string)))).event, { ...expected, action: mapped });
  }
  assert.deepEqual(parse(gitlabSignedRequest('Merge Request Hook', body(mergeRequest('update', { oldrev: SHA_B })))).event, { ...expected, action: 'updated' });
  assert.deepEqual(parse(gitlabSignedRequest('Merge Request Hook', body(mergeRequest('update')))).event, { kind: 'ignored', reason: 'merge request update without new commits' });
  assert.equal(parse(gitlabSignedRequest('Merge Request Hook', body(mergeRequest('approved')))).event.kind, 'ignored');
});

void test('a merge request from a fork project says so', () => {
  const event = parse(gitlabSignedRequest('Merge Request Hook', body(mergeRequest('open', { source_project_id: 16, source: { path_with_namespace: 'eve/shop' } })))).event;
  assert.equal(event.kind === 'pullRequest' && event.fromFork, true);
  assert.deepEqual(event.kind === 'pullRequest' && [event.headRepo, event.baseRepo], ['eve/shop', 'acme/shop']);
});

void test('unknown events are ignored; malformed JSON and missing fields with a valid signature answer 400', () => {
  assert.deepEqual(parse(gitlabSignedRequest('Pipeline Hook', body({}))).event, { kind: 'ignored', reason: 'event "Pipeline Hook" is not handled' });
  assert.throws(() => parse(gitlabSignedRequest('Push Hook', Buffer.from('{nope'))), (e: unknown) => e instanceof HookPayloadError && /not valid JSON/.test(e.message));
  assert.throws(() => parse(gitlabSignedRequest('Merge Request Hook', body({ object_attributes: { action: 'open', iid: 7 } }))), HookPayloadError);
  const noEvent = gitlabSignedRequest('', body(push('refs/heads/main', SHA_A)));
  assert.throws(() => parse(noEvent), /missing X-Gitlab-Event/);
});

void test('delivery id falls back from Idempotency-Key to webhook-id', () => {
  const req = gitlabSignedRequest('Push Hook', body(push('refs/heads/main', SHA_A)), { id: 'msg_fallback' });
  assert.equal(parse({ ...req, headers: { ...req.headers, 'idempotency-key': undefined } }).deliveryId, 'msg_fallback');
});
