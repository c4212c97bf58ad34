import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HookPayloadError, HookSignatureError, signGitea, signGithub, verifyAndParse } from '../../src/hooks/verify-and-parse.ts';
import type { HookRequest } from '../../src/hooks/verify-and-parse.ts';
import { body, giteaRequest, githubPush, NOW_MS, SECRET, SHA_A, SHA_B } from './hook-fixtures.ts';

function pullRequest(action: string, opts: { merged?: boolean; headRepoId?: number } = {}): unknown {
  return {
    action,
    number: 2,
    pull_request: {
      id: 2,
      number: 2,
      state: action === 'closed' ? 'closed' : 'open',
      merged: opts.merged ?? false,
      base: { label: 'main', ref: 'main', sha: SHA_B, repo_id: 6, repo: { id: 6, full_name: 'Test-CI/shop' } },
      head: { label: 'test-patch-1', ref: 'test-patch-1', sha: SHA_A, repo_id: opts.headRepoId ?? 6, repo: { id: opts.headRepoId ?? 6, full_name: opts.headRepoId ? 'eve/shop' : 'Test-CI/shop' } },
    },
    repository: { id: 6, full_name: 'Test-CI/shop' },
  };
}

const parse = (req: HookRequest) => verifyAndParse('gitea', req, SECRET, NOW_MS);

void test('a signed push parses to branch, after and changed paths', () => {
  const payload = githubPush('refs/heads/main', SHA_A) as Record<string, unknown>;
  delete payload.deleted; // Gitea's push payload has no `deleted` field
  const hook = parse(giteaRequest('push', body(payload)));
  assert.deepEqual(hook, {
    host: 'gitea',
    deliveryId: '6d1c3a2f-7e0b-4f5a-9c8d-1e2f3a4b5c6d',
    event: { kind: 'push', branch: 'main', tag: null, after: SHA_A, deleted: false, changedPaths: ['services/api/new.ts', 'README.md', 'services/web/app.ts', 'old/file.txt'] },
  });
});

void test('pull_request actions map, including Gitea’s "synchronized"', () => {
  const cases: [string, boolean, string][] = [['opened', false, 'opened'], ['synchronized', false, 'updated'], ['reopened', false, 'reopened'], ['closed', false, 'closed'], ['closed', true, 'merged']];
  for (const [action, merged, expected] of cases) {
    assert.deepEqual(parse(giteaRequest('pull_request', body(pullRequest(action, { merged })))).event, {
      kind: 'pullRequest', action: expected, number: 2, headSha: SHA_A, headRef: 'test-patch-1', baseRef: 'main', fromFork: false, headRepo: 'Test-CI/shop', baseRepo: 'Test-CI/shop',
    }, action);
  }
  // GitHub's spelling is not Gitea's: it is ignored rather than guessed.
  assert.equal(parse(giteaRequest('pull_request', body(pullRequest('synchronize')))).event.kind, 'ignored');
  assert.equal(parse(giteaRequest('pull_request', body(pullRequest('label_updated')))).event.kind, 'ignored');
  const fork = parse(giteaRequest('pull_request', body(pullRequest('opened', { headRepoId: 9 })))).event;
  assert.equal(fork.kind === 'pullRequest' && fork.fromFork, true);
  assert.deepEqual(fork.kind === 'pullRequest' && [fork.headRepo, fork.baseRepo], ['eve/shop', 'Test-CI/shop']);
});

void test('Forgejo headers and the X-Hub-Signature-256 alternative are accepted', () => {
  const payload = body(pullRequest('opened'));
  const forgejo: HookRequest = { headers: { 'x-forgejo-event': 'pull_request', 'x-forgejo-delivery': 'fj-1', 'x-forgejo-signature': signGitea(payload, SECRET) }, body: payload };
  const hook = parse(forgejo);
  assert.equal(hook.deliveryId, 'fj-1');
  assert.equal(hook.event.kind, 'pullRequest');
  const hub: HookRequest = { headers: { 'x-gitea-event': 'pull_request', 'x-hub-signature-256': signGithub(payload, SECRET) }, body: payload };
  assert.equal(parse(hub).event.kind, 'pullRequest');
});

void test('tampering, a wrong secret and a missing signature answer 401; unknown events are ignored', () => {
  const payload = body(pullRequest('opened'));
  const req = giteaRequest('pull_request', payload);
  assert.throws(() => parse({ ...req, body: Buffer.from(payload.toString().replace('"number":2', '"number":3')) }), /X-Gitea-Signature signature does not match/);
  assert.throws(() => parse(giteaRequest('pull_request', payload, 'nope')), HookSignatureError);
  assert.throws(() => parse({ ...req, headers: { ...req.headers, 'x-gitea-signature': undefined } }), /missing X-Gitea-Signature/);
  assert.throws(() => parse({ ...req, headers: { ...req.headers, 'x-gitea-signature': 'abc' } }), /does not match/);
  assert.deepEqual(parse(giteaRequest('issues', body({}))).event, { kind: 'ignored', reason: 'event "issues" is not handled' });
});

void test('malformed JSON and missing fields with a valid signature answer 400', () => {
  assert.throws(() => parse(giteaRequest('push', Buffer.from('{"ref":'))), (e: unknown) => e instanceof HookPayloadError && /not valid JSON/.test(e.message));
  assert.throws(() => parse(giteaRequest('pull_request', body({ action: 'opened', pull_request: { number: 0 } }))), /"pull_request.number"/);
});
