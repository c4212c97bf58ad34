import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { SourceError } from '../../src/errors.ts';
import { defaultApiUrl, postCommitStatus } from '../../src/notify/post-commit-status.ts';
import type { CommitStatus, StatusTarget } from '../../src/notify/post-commit-status.ts';
import { startReceiver } from './receiver.ts';
import type { Receiver } from './receiver.ts';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const TOKEN = 'tok_SUPERSECRET_1234';
const status: CommitStatus = { sha: SHA, state: 'success', context: 'sluice/production', description: 'Deployed run #7', targetUrl: 'http://pr-42.shop.localhost/' };

let rx: Receiver;
before(async () => {
  rx = await startReceiver();
});
after(async () => {
  await rx.close();
});
beforeEach(() => {
  rx.received.length = 0;
  rx.script.length = 0;
});

const target = (host: StatusTarget['host'], over: Partial<StatusTarget> = {}): StatusTarget => ({ host, apiUrl: rx.url, repo: 'acme/shop', token: TOKEN, ...over });

async function rejection(promise: Promise<unknown>): Promise<SourceError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SourceError, `expected a SourceError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}

void test('GitHub: POST /repos/OWNER/NAME/statuses/SHA with a bearer token and the API version', async () => {
  await postCommitStatus(target('github'), status);
  assert.equal(rx.received.length, 1);
  const [req] = rx.received;
  assert.equal(req?.method, 'POST');
  assert.equal(req?.path, `/repos/acme/shop/statuses/${SHA}`);
  assert.equal(req?.headers.authorization, `Bearer ${TOKEN}`);
  assert.equal(req?.headers.accept, 'application/vnd.github+json');
  assert.equal(req?.headers['x-github-api-version'], '2022-11-28');
  assert.match(String(req?.headers['content-type']), /application\/json/);
  assert.deepEqual(req?.body, { state: 'success', context: 'sluice/production', description: 'Deployed run #7', target_url: 'http://pr-42.shop.localhost/' });
});

void test('GitHub: every state passes through; no target_url when there is none', async () => {
  for (const state of ['pending', 'success', 'failure', 'error'] as const) {
    await postCommitStatus(target('github'), { sha: SHA, state, context: 'sluice', description: state });
  }
  assert.deepEqual(
    rx.received.map((r) => r.body),
    ['pending', 'success', 'failure', 'error'].map((s) => ({ state: s, context: 'sluice', description: s })),
  );
});

void test('GitLab: /projects/ENCODED_PATH/statuses/SHA, PRIVATE-TOKEN, name and GitLab state names', async () => {
  await postCommitStatus(target('gitlab', { repo: 'group/sub/proj' }), { ...status, state: 'failure' });
  const [req] = rx.received;
  assert.equal(req?.path, `/projects/group%2Fsub%2Fproj/statuses/${SHA}`);
  assert.equal(req?.headers['private-token'], TOKEN);
  assert.equal(req?.headers.authorization, undefined);
  assert.deepEqual(req?.body, { state: 'failed', name: 'sluice/production', description: 'Deployed run #7', target_url: 'http://pr-42.shop.localhost/' });

  const states: string[] = [];
  for (const state of ['pending', 'success', 'error'] as const) {
    await postCommitStatus(target('gitlab', { repo: '1234' }), { ...status, state });
    states.push((rx.received.at(-1)?.body as { state: string }).state);
  }
  assert.deepEqual(states, ['pending', 'success', 'failed']);
  assert.equal(rx.received.at(-1)?.path, `/projects/1234/statuses/${SHA}`);
  // A path the caller already encoded is not encoded twice.
  await postCommitStatus(target('gitlab', { repo: 'group%2Fproj' }), status);
  assert.equal(rx.received.at(-1)?.path, `/projects/group%2Fproj/statuses/${SHA}`);
});

void test('GitLab: "cannot transition" (pending → pending) counts as done; other 400s do not', async () => {
  rx.script.push({ status: 400, body: '{"message":"Cannot transition status via :enqueue from :pending (Reason(s): Status cannot transition via \\"enqueue\\")"}' });
  await postCommitStatus(target('gitlab'), { ...status, state: 'pending' });
  rx.script.push({ status: 400, body: '{"message":"state is missing"}' });
  const error = await rejection(postCommitStatus(target('gitlab'), status));
  assert.equal(error.retryable, false);
  assert.match(error.message, /HTTP 400/);
});

void test('Bitbucket: /repositories/WS/SLUG/commit/SHA/statuses/build, key sanitized, Bitbucket states, url required', async () => {
  await postCommitStatus(target('bitbucket'), { ...status, state: 'pending' });
  const [req] = rx.received;
  assert.equal(req?.path, `/repositories/acme/shop/commit/${SHA}/statuses/build`);
  assert.equal(req?.headers.authorization, `Bearer ${TOKEN}`);
  assert.deepEqual(req?.body, { key: 'sluice-production', state: 'INPROGRESS', name: 'sluice/production', description: 'Deployed run #7', url: 'http://pr-42.shop.localhost/' });

  const states: string[] = [];
  for (const state of ['success', 'failure', 'error'] as const) {
    await postCommitStatus(target('bitbucket'), { sha: SHA, state, context: 'sluice', description: '' });
    states.push((rx.received.at(-1)?.body as { state: string }).state);
  }
  assert.deepEqual(states, ['SUCCESSFUL', 'FAILED', 'STOPPED']);
  // Without a target URL, the commit page stands in (Bitbucket refuses a status without url).
  assert.equal((rx.received.at(-1)?.body as { url: string }).url, `https://bitbucket.org/acme/shop/commits/${SHA}`);
});

void test('Bitbucket: user:app-password tokens use Basic; long contexts give a ≤40-char unique key', async () => {
  await postCommitStatus(target('bitbucket', { token: 'ada:app-pass-XYZ' }), status);
  assert.equal(rx.received[0]?.headers.authorization, `Basic ${Buffer.from('ada:app-pass-XYZ').toString('base64')}`);

  const long = 'sluice/preview/pr-1234/with/a/very/long/context/name';
  await postCommitStatus(target('bitbucket'), { ...status, context: long });
  await postCommitStatus(target('bitbucket'), { ...status, context: `${long}-2` });
  const keys = rx.received.slice(1).map((r) => (r.body as { key: string }).key);
  for (const key of keys) {
    assert.ok(key.length <= 40, key);
    assert.match(key, /^[A-Za-z0-9._-]+$/);
  }
  assert.notEqual(keys[0], keys[1]);
});

void test('Gitea/Forgejo: /repos/OWNER/NAME/statuses/SHA with "token" auth', async () => {
  await postCommitStatus(target('gitea'), { ...status, state: 'error' });
  const [req] = rx.received;
  assert.equal(req?.path, `/repos/acme/shop/statuses/${SHA}`);
  assert.equal(req?.headers.authorization, `token ${TOKEN}`);
  assert.deepEqual(req?.body, { state: 'error', context: 'sluice/production', description: 'Deployed run #7', target_url: 'http://pr-42.shop.localhost/' });
});

void test('a self-hosted API URL with a path prefix (and a trailing slash) keeps the prefix', async () => {
  await postCommitStatus(target('gitlab', { apiUrl: `${rx.url}/gitlab/api/v4/`, repo: 'team/app' }), status);
  await postCommitStatus(target('gitea', { apiUrl: `${rx.url}/git/api/v1` }), status);
  await postCommitStatus(target('github', { apiUrl: `${rx.url}/api/v3` }), status);
  assert.deepEqual(
    rx.received.map((r) => r.path),
    [`/gitlab/api/v4/projects/team%2Fapp/statuses/${SHA}`, `/git/api/v1/repos/acme/shop/statuses/${SHA}`, `/api/v3/repos/acme/shop/statuses/${SHA}`],
  );
});

void test('descriptions are collapsed and truncated to 140 characters without splitting an emoji', async () => {
  const description = `${'é'.repeat(138)}🚀🚀🚀 tail`;
  await postCommitStatus(target('github'), { ...status, description: `  line one\n\n  ${description}` });
  const sent = (rx.received[0]?.body as { description: string }).description;
  assert.equal(Array.from(sent).length, 140);
  assert.ok(sent.startsWith('line one é'));
  assert.ok(sent.endsWith('…'));
  assert.ok(!sent.includes('\uFFFD'));
  await postCommitStatus(target('github'), { ...status, description: 'short' });
  assert.equal((rx.received[1]?.body as { description: string }).description, 'short');
});

void test('a 4xx answer is a non-retryable SourceError naming host and status, never the token', async () => {
  rx.script.push({ status: 401, body: JSON.stringify({ message: `Bad credentials for ${TOKEN}` }) });
  const error = await rejection(postCommitStatus(target('github'), status));
  assert.equal(error.code, 'source_error');
  assert.equal(error.retryable, false);
  assert.match(error.message, /github/);
  assert.match(error.message, /HTTP 401/);
  assert.match(error.message, /Bad credentials/);
  assert.ok(!error.message.includes(TOKEN));
  assert.ok(!JSON.stringify(error.details).includes(TOKEN));
  assert.equal(error.details.status, 401);

  rx.script.push({ status: 422, body: '{"message":"Validation Failed"}' });
  const error422 = await rejection(postCommitStatus(target('gitea'), status));
  assert.match(error422.message, /gitea.*HTTP 422.*Validation Failed/);
  assert.equal(error422.retryable, false);

  // A Basic token is redacted in every form the host might echo.
  const basic = 'ada:app-pass-XYZ';
  rx.script.push({ status: 403, body: `got ${Buffer.from(basic).toString('base64')} / app-pass-XYZ` });
  const error403 = await rejection(postCommitStatus(target('bitbucket', { token: basic }), status));
  assert.ok(!error403.message.includes('app-pass-XYZ'));
  assert.ok(!error403.message.includes(Buffer.from(basic).toString('base64')));
});

void test('5xx, 429 and rate-limited 403 are retryable; Retry-After is passed on', async () => {
  rx.script.push({ status: 502, body: '<html>Bad Gateway</html>' });
  const e502 = await rejection(postCommitStatus(target('github'), status));
  assert.equal(e502.retryable, true);
  assert.match(e502.message, /HTTP 502/);
  rx.script.push({ status: 429, headers: { 'retry-after': '3' } });
  const e429 = await rejection(postCommitStatus(target('bitbucket'), status));
  assert.equal(e429.retryable, true);
  assert.equal(e429.details.retryAfterMs, 3000);
  rx.script.push({ status: 403, headers: { 'x-ratelimit-remaining': '0' }, body: '{"message":"API rate limit exceeded"}' });
  assert.equal((await rejection(postCommitStatus(target('github'), status))).retryable, true);
});

void test('a redirect is refused (it could carry the token elsewhere)', async () => {
  rx.script.push({ status: 301, headers: { location: 'http://127.0.0.1:1/elsewhere' } });
  const error = await rejection(postCommitStatus(target('gitlab'), status));
  assert.equal(error.retryable, false);
  assert.match(error.message, /HTTP 301.*redirects to http:\/\/127\.0\.0\.1:1\/elsewhere/);
  assert.equal(rx.received.length, 1);
});

void test('network failures and timeouts are retryable', async () => {
  const port = await freePort();
  const refused = await rejection(postCommitStatus(target('github', { apiUrl: `http://127.0.0.1:${port}` }), status, { timeoutMs: 5000 }));
  assert.equal(refused.retryable, true);
  assert.match(refused.message, /github commit status/);

  rx.script.push({ status: 0, hang: true });
  const slow = await rejection(postCommitStatus(target('gitea'), status, { timeoutMs: 200 }));
  assert.equal(slow.retryable, true);
  assert.match(slow.message, /no answer within 200 ms/);
});

void test('bad targets are refused before any request', async () => {
  for (const bad of [target('github', { repo: 'just-a-name' }), target('bitbucket', { repo: 'a/b/c' }), target('gitea', { apiUrl: 'not a url' }), target('github', { apiUrl: 'ftp://x/' }), target('gitlab', { repo: '' })]) {
    const error = await rejection(postCommitStatus(bad, status));
    assert.equal(error.retryable, false);
    assert.ok(!error.message.includes(TOKEN));
  }
  const badSha = await rejection(postCommitStatus(target('github'), { ...status, sha: 'main; rm -rf' }));
  assert.match(badSha.message, /not a commit id/);
  assert.equal(rx.received.length, 0);
});

void test('a fetch implementation can be injected', async () => {
  const calls: string[] = [];
  const fetchImpl: typeof fetch = async (input) => {
    calls.push(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    return new Response('{}', { status: 201 });
  };
  await postCommitStatus(target('github', { apiUrl: 'https://api.github.com' }), status, { fetchImpl });
  assert.deepEqual(calls, [`https://api.github.com/repos/acme/shop/statuses/${SHA}`]);
});

void test('default API URLs', () => {
  assert.equal(defaultApiUrl('github'), 'https://api.github.com');
  assert.equal(defaultApiUrl('gitlab'), 'https://gitlab.com/api/v4');
  assert.equal(defaultApiUrl('bitbucket'), 'https://api.bitbucket.org/2.0');
  assert.equal(defaultApiUrl('gitea'), 'https://gitea.com/api/v1');
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
