// The permission matrix over the server's real route table: every route is called with no
// token, a malformed header, a wrong token, an expired and a revoked token, a role too weak and
// a token limited to another project or environment. Each refusal is 401/403/404 as DESIGN.md
// "Trust" says, and the state read back afterwards is exactly what it was. Then every route is
// called by a role strong enough, and is let through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { TestRepo, TestServer, authHeaders } from './harness.ts';
import { apiRouteTable } from '../auth/api-route-table.ts';
import type { RouteEntry } from '../../src/api/request-guard.ts';

interface Answer {
  status: number;
  body: { code?: string; message?: string } & Record<string, unknown>;
}

const buildOnly = 'build:\n  - run: "true"\n';

async function call(server: TestServer, method: string, p: string, authorization: string | null, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== null) headers.authorization = authorization;
  const res = await fetch(`${server.url}${p}`, { method, headers, body: method === 'GET' ? undefined : JSON.stringify(body ?? {}) });
  // A stream let through (GET /api/stream) never ends by itself: its status is the answer.
  if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    await res.body?.cancel();
    return { status: res.status, body: {} };
  }
  const text = await res.text();
  let parsed: Answer['body'] = {};
  try {
    parsed = JSON.parse(text) as Answer['body'];
  } catch {
    parsed = { raw: text.slice(0, 200) };
  }
  return { status: res.status, body: parsed };
}

function fill(url: string, values: Record<string, string>): string {
  return url.replace(/:(\w+)/g, (_, k: string) => encodeURIComponent(values[k] ?? `missing-${k}`));
}

void test('every route refuses bad credentials, weak roles and foreign scopes without a change, and lets strong enough roles through', async (t) => {
  const server = await TestServer.start(['--auth-failures', '1000000']);
  const main = new TestRepo({ 'sluice.yaml': buildOnly });
  const other = new TestRepo({ 'sluice.yaml': buildOnly });
  t.after(async () => {
    await server.close();
    main.remove();
    other.remove();
  });
  const admin = authHeaders(server.url).authorization!;
  assert.match(admin, /^Bearer sluice_[0-9a-f]{64}$/);
  for (const [name, repo] of [['main', main], ['other', other]] as const) {
    const added = await server.cli(['project', 'add', name, '--repo', repo.dir]);
    assert.equal(added.code, 0, added.stderr);
  }
  assert.equal((await server.cli(['secret', 'set', 'g', 'K'], { input: 'value-of-k' })).code, 0);
  const run = await server.waitRun('main', main.head());
  assert.equal(run.state, 'succeeded');

  const token = async (name: string, role: string, extra: string[] = []): Promise<string> => {
    const created = await server.json<{ token: string }>(['token', 'create', name, '--role', role, ...extra]);
    return `Bearer ${created.token}`;
  };
  const viewer = await token('viewer-1', 'viewer');
  const deployer = await token('deployer-1', 'deployer');
  const admin2 = await token('admin-2', 'admin');
  const otherOnly = await token('other-only', 'admin', ['--project', 'other']);
  const stagingOnly = await token('staging-only', 'admin', ['--env', 'staging']);
  const expiring = await token('expiring', 'admin', ['--expires', '1s']);
  const revoked = await token('revoked', 'admin');
  assert.equal((await server.cli(['token', 'revoke', 'revoked'])).code, 0);
  await server.waitFor('the 1 s token to expire', async () => (await call(server, 'GET', '/api/whoami', expiring)).status === 401, 10_000);

  const routes = (await apiRouteTable()).filter((r) => r.method !== 'HEAD');
  const guarded = routes.filter((r): r is RouteEntry & { permission: { role: 'viewer' | 'deployer' | 'admin'; global?: boolean; oneEnvironment?: boolean } } => 'role' in r.permission);
  const real = { name: 'main', env: 'production', id: run.id, group: 'g', key: 'K', token: 'deployer-1', host: 'github', project: 'main' };

  const snapshot = async (): Promise<string> => {
    const parts: unknown[] = [];
    for (const p of ['/api/projects', '/api/projects/main', '/api/projects/other', '/api/tokens', '/api/secrets', '/api/secrets/g', '/api/secrets/g/K', '/api/projects/main/status', '/api/projects/other/runs']) {
      const a = await call(server, 'GET', p, admin);
      assert.equal(a.status, 200, `${p}: ${JSON.stringify(a.body)}`);
      parts.push(a.body);
    }
    const runs = await call(server, 'GET', '/api/projects/main/runs', admin);
    parts.push((runs.body as unknown as Array<{ id: string; state: string }>).map((r) => [r.id, r.state]));
    return JSON.stringify(parts);
  };
  const before = await snapshot();

  const bad: Array<[string, string | null]> = [
    ['no token', null],
    ['an empty header', ''],
    ['not Bearer', 'Basic YWRtaW46YWRtaW4='],
    ['Bearer without a token', 'Bearer '],
    ['a token of the wrong length', 'Bearer sluice_0123'],
    ['a token of another prefix', `Bearer ghp_${'a'.repeat(64)}`],
    ['a wrong token', `Bearer sluice_${'0'.repeat(64)}`],
    ['an expired token', expiring],
    ['a revoked token', revoked],
  ];
  let refusals = 0;
  for (const r of guarded) {
    const url = fill(r.url, real);
    const what = `${r.method} ${r.url}`;
    for (const [label, auth] of bad) {
      const a = await call(server, r.method, url, auth);
      assert.equal(a.status, 401, `${what} with ${label}: ${JSON.stringify(a.body)}`);
      assert.equal(a.body.code, 'unauthenticated');
      refusals++;
    }
    for (const [label, auth, role] of [['viewer', viewer, 'viewer'], ['deployer', deployer, 'deployer']] as const) {
      if (['viewer', 'deployer', 'admin'].indexOf(role) >= ['viewer', 'deployer', 'admin'].indexOf(r.permission.role)) continue;
      const a = await call(server, r.method, url, auth);
      assert.equal(a.status, 403, `${what} as ${label}: ${JSON.stringify(a.body)}`);
      assert.match(a.body.message ?? '', new RegExp(`needs the ${r.permission.role} role`), what);
      refusals++;
    }
    // Limited tokens: routes about no project need an unlimited token; another project's or environment's things are not there.
    // (A call that should be let through is not made here: it would change things.)
    const expectScoped = async (auth: string, label: string, status: number | null): Promise<void> => {
      if (status === null) return;
      const a = await call(server, r.method, url, auth);
      assert.equal(a.status, status, `${what} as ${label}: ${JSON.stringify(a.body)}`);
      refusals++;
    };
    const mutation = r.method !== 'GET';
    await expectScoped(otherOnly, 'a token limited to project other', r.permission.global ? 403 : r.url.startsWith('/api/projects/:name') || r.url.startsWith('/api/runs/:id') ? 404 : null);
    // Limited to staging: changes to production are hidden; changes that concern every environment are refused.
    await expectScoped(stagingOnly, 'a token limited to staging', r.permission.global ? 403 : r.url.includes(':env') ? 404 : mutation && !r.permission.oneEnvironment ? 403 : null);
  }
  assert.equal(await snapshot(), before, `${refusals} refused calls changed nothing`);
  t.diagnostic(`${guarded.length} guarded routes, ${refusals} refused calls`);

  // Limited tokens see nothing else, not even names in lists.
  const listed = await call(server, 'GET', '/api/projects', otherOnly);
  assert.deepEqual((listed.body as unknown as Array<{ name: string }>).map((p) => p.name), ['other']);
  assert.equal((await call(server, 'GET', `/api/runs/${run.id}`, otherOnly)).status, 404);

  // Strong enough: let through (whatever the handler then says about the target).
  const ghost = { name: 'ghost', env: 'production', id: randomUUID(), group: 'ghost', key: 'GHOST', token: 'ghost', host: 'github', project: 'ghost' };
  const tokenOf = { viewer, deployer, admin: admin2 };
  for (const r of guarded) {
    if (r.url === '/api/dataplane/shutdown') continue; // last
    const url = fill(r.url, r.method === 'GET' ? real : ghost);
    for (const role of ['viewer', 'deployer', 'admin'] as const) {
      if (['viewer', 'deployer', 'admin'].indexOf(role) < ['viewer', 'deployer', 'admin'].indexOf(r.permission.role)) continue;
      const a = await call(server, r.method, url, tokenOf[role]);
      assert.ok(![401, 403, 429].includes(a.status), `${r.method} ${url} as ${role}: ${a.status} ${JSON.stringify(a.body)}`);
      assert.ok(a.status < 500, `${r.method} ${url} as ${role}: ${a.status} ${JSON.stringify(a.body)}`);
    }
  }
  const shutdown = await call(server, 'POST', '/api/dataplane/shutdown', admin2);
  assert.equal(shutdown.status, 200, JSON.stringify(shutdown.body));
});
