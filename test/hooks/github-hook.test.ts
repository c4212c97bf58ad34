import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HookPayloadError, HookSignatureError, signGithub, verifyAndParse } from '../../src/hooks/verify-and-parse.ts';
import { body, githubPullRequest, githubPush, githubRequest, NOW_MS, SECRET, SHA_A } from './hook-fixtures.ts';

void test('a signed push parses to branch, after and the union of changed paths', () => {
  const hook = verifyAndParse('github', githubRequest('push', body(githubPush('refs/heads/feature/x', SHA_A))), SECRET, NOW_MS);
  assert.deepEqual(hook, {
    host: 'github',
    deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    event: {
      kind: 'push',
      branch: 'feature/x',
      tag: null,
      after: SHA_A,
      deleted: false,
      changedPaths: ['services/api/new.ts', 'README.md', 'services/web/app.ts', 'old/file.txt'],
    },
  });
});

void test('a tag push and a branch deletion', () => {
  const tag = verifyAndParse('github', githubRequest('push', body(githubPush('refs/tags/v1.2.0', SHA_A))), SECRET, NOW_MS).event;
  assert.deepEqual(tag, { kind: 'push', branch: null, tag: 'v1.2.0', after: SHA_A, deleted: false, changedPaths: tag.kind === 'push' ? tag.changedPaths : [] });
  const zero = '0'.repeat(40);
  const deletion = verifyAndParse('github', githubRequest('push', body({ ...(githubPush('refs/heads/old', zero) as object), commits: [] })), SECRET, NOW_MS).event;
  assert.deepEqual(deletion, { kind: 'push', branch: 'old', tag: null, after: zero, deleted: true, changedPaths: [] });
});

void test('a push to a ref that is neither branch nor tag is ignored', () => {
  const event = verifyAndParse('github', githubRequest('push', body(githubPush('refs/notes/commits', SHA_A))), SECRET, NOW_MS).event;
  assert.equal(event.kind, 'ignored');
});

void test('pull_request actions map to opened/updated/reopened/closed/merged', () => {
  const cases: [string, boolean, string][] = [
    ['opened', false, 'opened'],
    ['synchronize', false, 'updated'],
    ['reopened', false, 'reopened'],
    ['closed', false, 'closed'],
    ['closed', true, 'merged'],
  ];
  for (const [action, merged, expected] of cases) {
    const event = verifyAndParse('github', githubRequest('pull_request', body(githubPullRequest(action, { merged }))), SECRET, NOW_MS).event;
    assert.deepEqual(event, { kind: 'pullRequest', action: expected, number: 42, headSha: SHA_A, headRef: 'feature/login', baseRef: 'main', fromFork: false, headRepo: 'acme/shop', baseRepo: 'acme/shop' }, action);
  }
});

void test('other pull_request actions, ping and unknown events are ignored with a reason', () => {
  const labeled = verifyAndParse('github', githubRequest('pull_request', body(githubPullRequest('labeled'))), SECRET, NOW_MS).event;
  assert.deepEqual(labeled, { kind: 'ignored', reason: 'pull_request action "labeled" is not handled' });
  const ping = verifyAndParse('github', githubRequest('ping', body({ zen: 'Design for failure.', hook_id: 1 })), SECRET, NOW_MS).event;
  assert.equal(ping.kind, 'ignored');
  const issues = verifyAndParse('github', githubRequest('issues', body({ action: 'opened' })), SECRET, NOW_MS).event;
  assert.deepEqual(issues, { kind: 'ignored', reason: 'event "issues" is not handled' });
});

void test('a pull request from a fork (or a deleted fork) says so', () => {
  const fork = verifyAndParse('github', githubRequest('pull_request', body(githubPullRequest('opened', { forkRepo: 'mallory/shop' }))), SECRET, NOW_MS).event;
  assert.equal(fork.kind === 'pullRequest' && fork.fromFork, true);
  assert.deepEqual(fork.kind === 'pullRequest' && [fork.headRepo, fork.baseRepo], ['mallory/shop', 'acme/shop']);
  const gone = verifyAndParse('github', githubRequest('pull_request', body(githubPullRequest('closed', { forkRepo: null }))), SECRET, NOW_MS).event;
  assert.equal(gone.kind === 'pullRequest' && gone.fromFork, true);
  assert.equal(gone.kind === 'pullRequest' && gone.headRepo, null);
});

void test('a tampered body, a wrong secret and a missing or malformed header answer 401 with the reason', () => {
  const payload = body(githubPush('refs/heads/main', SHA_A));
  const req = githubRequest('push', payload);
  const tampered = { ...req, body: Buffer.from(payload.toString().replace('refs/heads/main', 'refs/heads/prod')) };
  assert.throws(() => verifyAndParse('github', tampered, SECRET, NOW_MS), (e: unknown) => e instanceof HookSignatureError && /X-Hub-Signature-256 signature does not match/.test(e.message));
  assert.throws(() => verifyAndParse('github', githubRequest('push', payload, 'wrong secret'), SECRET, NOW_MS), HookSignatureError);
  const missing = { ...req, headers: { ...req.headers, 'x-hub-signature-256': undefined } };
  assert.throws(() => verifyAndParse('github', missing, SECRET, NOW_MS), (e: unknown) => e instanceof HookSignatureError && /missing X-Hub-Signature-256/.test(e.message));
  const sha1 = { ...req, headers: { ...req.headers, 'x-hub-signature-256': 'sha1=0123' } };
  assert.throws(() => verifyAndParse('github', sha1, SECRET, NOW_MS), /not of the form sha256=<hex>/);
});

void test('an unknown event is still refused when unsigned: nothing is parsed before the signature', () => {
  const req = githubRequest('issues', body({}), 'wrong');
  assert.throws(() => verifyAndParse('github', req, SECRET, NOW_MS), HookSignatureError);
});

void test('malformed JSON or missing fields with a valid signature answer 400', () => {
  const broken = Buffer.from('{"ref": "refs/heads/main", "after": ');
  assert.throws(() => verifyAndParse('github', githubRequest('push', broken), SECRET, NOW_MS), (e: unknown) => e instanceof HookPayloadError && e.kind === 'payload' && /not valid JSON/.test(e.message));
  assert.throws(() => verifyAndParse('github', githubRequest('push', Buffer.from('[1,2]')), SECRET, NOW_MS), /not a JSON object/);
  assert.throws(() => verifyAndParse('github', githubRequest('push', body({ ref: 'refs/heads/main' })), SECRET, NOW_MS), /missing string field "after"/);
  assert.throws(() => verifyAndParse('github', githubRequest('push', body({ ref: 'refs/heads/main', after: 'HEAD' })), SECRET, NOW_MS), /"after" is not a commit id/);
  const noHead = githubPullRequest('opened') as { pull_request: Record<string, unknown> };
  delete noHead.pull_request.head;
  assert.throws(() => verifyAndParse('github', githubRequest('pull_request', body(noHead)), SECRET, NOW_MS), /"pull_request.head.sha"/);
  const noEvent = githubRequest('push', body(githubPush('refs/heads/main', SHA_A)), SECRET, { 'x-github-event': '' });
  assert.throws(() => verifyAndParse('github', noEvent, SECRET, NOW_MS), (e: unknown) => e instanceof HookPayloadError && /missing X-GitHub-Event/.test(e.message));
});

void test('a form-encoded delivery (content type application/x-www-form-urlencoded) is read from its payload field', () => {
  const raw = Buffer.from(new URLSearchParams({ payload: JSON.stringify(githubPush('refs/heads/main', SHA_A)) }).toString());
  const req = githubRequest('push', raw, SECRET, { 'content-type': 'application/x-www-form-urlencoded', 'x-hub-signature-256': signGithub(raw, SECRET) });
  const event = verifyAndParse('github', req, SECRET, NOW_MS).event;
  assert.equal(event.kind === 'push' && event.branch, 'main');
});
