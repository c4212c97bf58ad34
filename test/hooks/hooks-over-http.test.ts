// The verifier fed from a real node:http request: lowercased headers and the raw body bytes as
// received, which is how the API layer will call it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { HookError, isGitHost, signGithub, signStandardWebhook, verifyAndParse } from '../../src/hooks/verify-and-parse.ts';
import { SECRET, SHA_A } from './hook-fixtures.ts';

let server: Server;
let base = '';

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const host = (req.url ?? '').split('/')[2] ?? '';
      if (!isGitHost(host)) return void res.writeHead(404).end();
      try {
        const hook = verifyAndParse(host, { headers: req.headers, body: Buffer.concat(chunks) }, SECRET, Date.now());
        res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify(hook));
      } catch (error) {
        const status = error instanceof HookError ? (error.kind === 'signature' ? 401 : 400) : 500;
        res.writeHead(status, { 'content-type': 'text/plain' }).end(error instanceof Error ? error.message : 'error');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
});

void test('a GitHub push over HTTP, with non-ASCII paths and pretty-printed JSON, verifies over the raw bytes', async () => {
  const raw = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: SHA_A, commits: [{ added: ['docs/ünïcødé.md'], modified: [], removed: [] }] }, null, 2));
  const res = await fetch(`${base}/hooks/github/shop`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-GitHub-Delivery': 'd-1', 'X-Hub-Signature-256': signGithub(raw, SECRET) },
    body: raw,
  });
  assert.equal(res.status, 202);
  assert.deepEqual(await res.json(), {
    host: 'github',
    deliveryId: 'd-1',
    event: { kind: 'push', branch: 'main', tag: null, after: SHA_A, deleted: false, changedPaths: ['docs/ünïcødé.md'] },
  });
});

void test('a re-serialized body (same JSON, other bytes) is refused with 401', async () => {
  const raw = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: SHA_A }));
  const res = await fetch(`${base}/hooks/github/shop`, {
    method: 'POST',
    headers: { 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': signGithub(raw, SECRET) },
    body: JSON.stringify(JSON.parse(raw.toString()), null, 1),
  });
  assert.equal(res.status, 401);
  assert.match(await res.text(), /signature does not match/);
});

void test('a GitLab Standard Webhooks delivery over HTTP; malformed JSON answers 400', async () => {
  const send = async (raw: Buffer) => {
    const ts = Math.floor(Date.now() / 1000);
    return fetch(`${base}/hooks/gitlab/shop`, {
      method: 'POST',
      headers: { 'X-Gitlab-Event': 'Push Hook', 'Idempotency-Key': 'k-1', 'webhook-id': 'msg_1', 'webhook-timestamp': String(ts), 'webhook-signature': signStandardWebhook('msg_1', ts, raw, SECRET) },
      body: raw,
    });
  };
  const ok = await send(Buffer.from(JSON.stringify({ ref: 'refs/tags/v1', after: SHA_A, commits: [] })));
  assert.equal(ok.status, 202);
  assert.equal(((await ok.json()) as { event: { tag: string } }).event.tag, 'v1');
  const bad = await send(Buffer.from('{"ref": "refs/tags/v1",'));
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /not valid JSON/);
});
