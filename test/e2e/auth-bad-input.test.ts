// Bad input at the trust boundary (issue 10, section 5) and the request guard: each gets a clear
// 4xx, the server keeps answering, and nothing changes. Raw sockets where fetch would refuse to
// send the bytes (non-UTF-8 headers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { TestRepo, TestServer, authHeaders } from './harness.ts';

/** One raw HTTP/1.1 request; the status code and body of the answer. */
function raw(port: number, head: Buffer, body: Buffer = Buffer.alloc(0)): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(20_000, () => socket.destroy(new Error('no answer within 20 s')));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text });
    });
    socket.end(Buffer.concat([head, body]));
  });
}

function request(lines: Array<string | Buffer>, body = ''): Buffer {
  const parts: Buffer[] = [];
  for (const l of lines) parts.push(typeof l === 'string' ? Buffer.from(l, 'latin1') : l, Buffer.from('\r\n'));
  parts.push(Buffer.from(`Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`), Buffer.from(body));
  return Buffer.concat(parts);
}

const buildOnly = 'build:\n  - run: "true"\n';

void test('malformed credentials, non-UTF-8 bytes, huge headers and foreign hosts get clear refusals and change nothing', async (t) => {
  const server = await TestServer.start(['--auth-failures', '1000000']);
  const repo = new TestRepo({ 'sluice.yaml': buildOnly });
  t.after(async () => {
    await server.close();
    repo.remove();
  });
  assert.equal((await server.cli(['project', 'add', 'app', '--repo', repo.dir])).code, 0);
  const admin = authHeaders(server.url).authorization!;
  const state = async (): Promise<string> => {
    const parts = [];
    for (const p of ['/api/projects', '/api/projects/app', '/api/tokens', '/api/secrets']) parts.push(await (await fetch(`${server.url}${p}`, { headers: { authorization: admin } })).text());
    return parts.join('\n');
  };
  const before = await state();
  const get = (authorization: string | null, extra: Record<string, string> = {}): Promise<Response> =>
    fetch(`${server.url}/api/projects`, { headers: { ...(authorization === null ? {} : { authorization }), ...extra } });

  const cases: Array<[string, string, RegExp]> = [
    ['empty', '', /Bearer TOKEN/],
    ['not Bearer', 'Token abc', /Bearer TOKEN/],
    ['Basic', 'Basic YWRtaW46cGFzcw==', /Bearer TOKEN/],
    ['two tokens', `${admin} ${admin.slice(7)}`, /Bearer TOKEN/],
    ['too short', 'Bearer sluice_abc', /expected sluice_ and 64 hex digits/],
    ['too long', `${admin}0`, /expected sluice_ and 64 hex digits/],
    ['wrong prefix', `Bearer github_${admin.slice(14)}`, /expected sluice_/],
    ['upper-case hex', `Bearer sluice_${admin.slice(14).toUpperCase()}`, /expected sluice_/],
    ['8 KB', `Bearer sluice_${'a'.repeat(8000)}`, /expected sluice_/],
  ];
  for (const [what, header, message] of cases) {
    const res = await get(header);
    const body = (await res.json()) as { code: string; message: string };
    assert.equal(res.status, 401, `${what}: ${JSON.stringify(body)}`);
    assert.equal(body.code, 'unauthenticated', what);
    assert.match(body.message, message, what);
  }

  // Non-UTF-8 bytes in the Authorization header (latin-1 on the wire), and in a JSON body.
  const port = Number(new URL(server.url).port);
  const bytesHeader = await raw(port, request(['GET /api/projects HTTP/1.1', `Host: 127.0.0.1:${port}`, Buffer.concat([Buffer.from('Authorization: Bearer sluice_'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('a'.repeat(60))])]));
  assert.equal(bytesHeader.status, 401, bytesHeader.text.slice(0, 300));
  const badBody = Buffer.concat([Buffer.from('{"value":"'), Buffer.from([0xff, 0xfe, 0x80]), Buffer.from('"}')]);
  const bytesBody = await raw(
    port,
    Buffer.concat([Buffer.from(`PUT /api/secrets/g/K HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: ${admin}\r\nContent-Type: application/json\r\nContent-Length: ${badBody.length}\r\nConnection: close\r\n\r\n`), badBody]),
  );
  assert.equal(bytesBody.status, 400, bytesBody.text.slice(0, 300));
  assert.match(bytesBody.text, /not valid UTF-8/);
  const bytesPath = await raw(port, request([Buffer.concat([Buffer.from('GET /api/projects/'), Buffer.from([0xff, 0xc0]), Buffer.from(' HTTP/1.1')]), `Host: 127.0.0.1:${port}`, `Authorization: ${admin}`]));
  assert.ok([400, 404].includes(bytesPath.status), `a non-UTF-8 path: ${bytesPath.text.slice(0, 300)}`);

  // A 16 KB header value: a token of the wrong length (401), any other header named (400).
  const huge = await raw(port, request(['GET /api/projects HTTP/1.1', `Host: 127.0.0.1:${port}`, `Authorization: Bearer sluice_${'b'.repeat(16 * 1024)}`]));
  assert.equal(huge.status, 401, huge.text.slice(0, 300));
  const hugeOther = await raw(port, request(['GET /api/projects HTTP/1.1', `Host: 127.0.0.1:${port}`, `Authorization: ${admin}`, `X-Filler: ${'c'.repeat(16 * 1024)}`]));
  assert.equal(hugeOther.status, 400, hugeOther.text.slice(0, 300));
  assert.match(hugeOther.text, /header \\"X-Filler\\" is 16384 bytes long/);
  const hugeMutation = await raw(port, request(['DELETE /api/tokens/nobody HTTP/1.1', `Host: 127.0.0.1:${port}`, `Authorization: ${admin}`, 'Content-Type: application/json', `X-Filler: ${'c'.repeat(16 * 1024)}`]));
  assert.equal(hugeMutation.status, 400, hugeMutation.text.slice(0, 300));
  // Beyond the server's whole-header limit the HTTP layer answers 431 before any route runs.
  const overLimit = await raw(port, request(['GET /api/projects HTTP/1.1', `Host: 127.0.0.1:${port}`, `Authorization: ${admin}`, ...Array.from({ length: 10 }, (_, i) => `X-Filler-${i}: ${'c'.repeat(8 * 1024)}`)]));
  assert.equal(overLimit.status, 431, overLimit.text.slice(0, 300));

  // DNS rebinding: a name that resolves to 127.0.0.1 but is not served gets nothing, token or not.
  for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1.evil.example:${port}`, '']) {
    const res = await raw(port, request(['GET /api/projects HTTP/1.1', `Host: ${host}`, `Authorization: ${admin}`]));
    assert.equal(res.status, 400, `Host ${host}: ${res.text.slice(0, 300)}`);
    assert.match(res.text, /does not answer for Host/);
  }
  const viaLocalhost = await raw(port, request(['GET /api/projects HTTP/1.1', `Host: localhost:${port}`, `Authorization: ${admin}`]));
  assert.equal(viaLocalhost.status, 200);

  // Another origin is refused whatever it carries; a mutation needs a JSON content type.
  const cross = await fetch(`${server.url}/api/projects/app/trigger`, { method: 'POST', headers: { authorization: admin, origin: 'http://evil.example', 'content-type': 'application/json' }, body: '{}' });
  assert.equal(cross.status, 403);
  assert.match(((await cross.json()) as { message: string }).message, /origin/);
  const sameOrigin = await fetch(`${server.url}/api/projects`, { headers: { authorization: admin, origin: server.url } });
  assert.equal(sameOrigin.status, 200);
  for (const type of [null, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
    const res = await fetch(`${server.url}/api/dataplane/shutdown`, { method: 'POST', headers: { authorization: admin, ...(type ? { 'content-type': type } : {}) }, body: type ? 'a=b' : undefined });
    assert.equal(res.status, 400, `content type ${type}`);
    assert.match(((await res.json()) as { message: string }).message, /Content-Type: application\/json/);
  }

  assert.equal(await state(), before, 'nothing changed');

  // A token limited to a project that is gone (projects cannot be removed through Sluice yet: the row is deleted directly).
  assert.equal((await server.cli(['project', 'add', 'gone', '--repo', repo.dir])).code, 0);
  const scoped = await server.json<{ token: string }>(['token', 'create', 'gone-only', '--role', 'viewer', '--project', 'gone']);
  assert.equal((await get(`Bearer ${scoped.token}`)).status, 200);
  const db = new Sqlite(path.join(server.dataDir, 'sluice.db'));
  try {
    db.pragma('foreign_keys = OFF'); // its runs stay behind, as a removal through Sluice would decide for itself
    db.prepare('DELETE FROM projects WHERE name = ?').run('gone');
  } finally {
    db.close();
  }
  const stale = await get(`Bearer ${scoped.token}`);
  assert.equal(stale.status, 401);
  assert.match(((await stale.json()) as { message: string }).message, /limited to projects that no longer exist \(gone\)/);
  // A token cannot be limited to a project that does not exist.
  const ghost = await server.cli(['token', 'create', 'ghost-only', '--role', 'viewer', '--project', 'ghost']);
  assert.notEqual(ghost.code, 0);
  assert.match(ghost.stderr, /no project named "ghost"/);

  assert.equal((await fetch(`${server.url}/healthz`)).status, 200, 'still answering');
});

void test('failed authentications are limited per address (429, Retry-After, logged); a valid token is never slowed', async (t) => {
  const server = await TestServer.start(['--auth-failures', '3']);
  t.after(() => server.close());
  const admin = authHeaders(server.url).authorization!;
  const wrong = `Bearer sluice_${'0'.repeat(64)}`;
  for (let i = 0; i < 3; i++) assert.equal((await fetch(`${server.url}/api/projects`, { headers: { authorization: wrong } })).status, 401);
  const limited = await fetch(`${server.url}/api/projects`, { headers: { authorization: wrong } });
  assert.equal(limited.status, 429);
  const retryAfter = Number(limited.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  assert.equal(((await limited.json()) as { code: string }).code, 'rate_limited');
  assert.equal((await fetch(`${server.url}/api/projects`)).status, 429, 'no token at all counts as a failure too');
  for (let i = 0; i < 20; i++) assert.equal((await fetch(`${server.url}/api/projects`, { headers: { authorization: admin } })).status, 200, 'the valid token goes through');
  assert.equal((await fetch(`${server.url}/healthz`)).status, 200, 'public routes are not limited');
  await server.waitFor('the failures in the log', async () => server.log.includes('authentication failed from 127.0.0.1') && server.log.includes('too many failures from 127.0.0.1'), 10_000);
});
