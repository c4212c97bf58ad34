import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HookPayloadError, HookSignatureError, signGithub, verifyAndParse } from '../../src/hooks/verify-and-parse.ts';
import type { HookRequest } from '../../src/hooks/verify-and-parse.ts';
import { bitbucketRequest, body, NOW_MS, SECRET, SHA_A, SHA_B } from './hook-fixtures.ts';

const repo = { type: 'repository', full_name: 'acme/shop', uuid: '{11111111-2222-3333-4444-555555555555}' };

function push(change: { new: unknown; old: unknown }): unknown {
  return { push: { changes: [{ ...change, created: change.old === null, closed: change.new === null, forced: false, truncated: false }] }, repository: repo, actor: { display_name: 'Ada' } };
}

function ref(type: string, name: string, hash: string): unknown {
  return { type, name, target: { type: 'commit', hash, message: 'msg' } };
}

function pullRequest(opts: { forkUuid?: string } = {}): unknown {
  return {
    pullrequest: {
      id: 12,
      state: 'OPEN',
      source: { branch: { name: 'feature/pay' }, commit: { hash: 'd3adb33fc0de' }, repository: opts.forkUuid === undefined ? repo : { ...repo, full_name: 'eve/shop', uuid: opts.forkUuid } },
      destination: { branch: { name: 'main' }, commit: { hash: '0badc0ffee00' }, repository: repo },
    },
    repository: repo,
  };
}

const parse = (req: HookRequest) => verifyAndParse('bitbucket', req, SECRET, NOW_MS);

void test('a signed repo:push parses the first change; Bitbucket lists no files', () => {
  const hook = parse(bitbucketRequest('repo:push', body(push({ new: ref('branch', 'main', SHA_A), old: ref('branch', 'main', SHA_B) }))));
  assert.deepEqual(hook, {
    host: 'bitbucket',
    deliveryId: 'b0a7c9e2-3f41-4d8a-9a61-0c5d2e8f7b13',
    event: { kind: 'push', branch: 'main', tag: null, after: SHA_A, deleted: false, changedPaths: [] },
  });
});

void test('tags, deletions and empty pushes', () => {
  assert.equal((e => e.kind === 'push' && e.tag)(parse(bitbucketRequest('repo:push', body(push({ new: ref('tag', 'v3', SHA_A), old: null })))).event), 'v3');
  const deleted = parse(bitbucketRequest('repo:push', body(push({ new: null, old: ref('branch', 'old-branch', SHA_B) })))).event;
  assert.deepEqual(deleted, { kind: 'push', branch: 'old-branch', tag: null, after: '0'.repeat(40), deleted: true, changedPaths: [] });
  assert.equal(parse(bitbucketRequest('repo:push', body({ push: { changes: [] } }))).event.kind, 'ignored');
});

void test('pull request events map to opened/updated/merged/closed, passing the short hash through', () => {
  const cases = [['pullrequest:created', 'opened'], ['pullrequest:updated', 'updated'], ['pullrequest:fulfilled', 'merged'], ['pullrequest:rejected', 'closed']];
  for (const [key, action] of cases) {
    assert.deepEqual(parse(bitbucketRequest(key as string, body(pullRequest()))).event, {
      kind: 'pullRequest', action, number: 12, headSha: 'd3adb33fc0de', headRef: 'feature/pay', baseRef: 'main', fromFork: false, headRepo: 'acme/shop', baseRepo: 'acme/shop',
    });
  }
  const fork = parse(bitbucketRequest('pullrequest:created', body(pullRequest({ forkUuid: '{99999999-2222-3333-4444-555555555555}' })))).event;
  assert.equal(fork.kind === 'pullRequest' && fork.fromFork, true);
  assert.deepEqual(fork.kind === 'pullRequest' && [fork.headRepo, fork.baseRepo], ['eve/shop', 'acme/shop']);
  assert.deepEqual(parse(bitbucketRequest('pullrequest:approved', body(pullRequest()))).event, { kind: 'ignored', reason: 'event "pullrequest:approved" is not handled' });
});

void test('X-Hub-Signature must be sha256 and match; tampering, wrong secret, missing header answer 401', () => {
  const payload = body(pullRequest());
  const req = bitbucketRequest('pullrequest:created', payload);
  assert.throws(() => parse({ ...req, body: Buffer.from(payload.toString().replace('feature/pay', 'feature/pwn')) }), /X-Hub-Signature signature does not match/);
  assert.throws(() => parse(bitbucketRequest('pullrequest:created', payload, 'not it')), HookSignatureError);
  assert.throws(() => parse({ ...req, headers: { ...req.headers, 'x-hub-signature': undefined } }), /missing X-Hub-Signature/);
  const sha1 = `sha1=${'a'.repeat(40)}`;
  assert.throws(() => parse({ ...req, headers: { ...req.headers, 'x-hub-signature': sha1 } }), /not of the form sha256=<hex>/);
  // The header carries a GitHub-style sha256 signature: the same signer works.
  assert.equal(req.headers['x-hub-signature'], signGithub(payload, SECRET));
});

void test('malformed JSON and missing fields with a valid signature answer 400', () => {
  assert.throws(() => parse(bitbucketRequest('repo:push', Buffer.from('not json'))), HookPayloadError);
  assert.throws(() => parse(bitbucketRequest('repo:push', body({ push: {} }))), /"push.changes"/);
  assert.throws(() => parse(bitbucketRequest('repo:push', body(push({ new: { type: 'branch', name: 'x', target: {} }, old: null })))), /"push.changes.0.new.target.hash"/);
  assert.throws(() => parse(bitbucketRequest('pullrequest:created', body({ pullrequest: { id: 3 } }))), /"pullrequest.source.commit.hash"/);
});
