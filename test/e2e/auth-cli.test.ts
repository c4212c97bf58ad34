// Tokens, login, webhook-secret visibility and gate approvers through the real CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runCli, tempDir, TestRepo, TestServer, type RunJson } from './harness.ts';
import { appFiles, registeredProject, waitRunState } from './fixtures.ts';
import { signGithub } from '../../src/hooks/verify-and-parse.ts';

interface ProjectJson {
  webhooks: { secret?: string; secretSet: boolean };
}

void test('tokens: created once with a sluice_ value, listed without values, revoked at once; login stores a 0600 file per server', async (t) => {
  const server = await TestServer.start();
  const repo = new TestRepo({ 'sluice.yaml': 'build:\n  - run: "true"\n' });
  const config = tempDir('config');
  const savedXdg = process.env.XDG_CONFIG_HOME;
  process.env.XDG_CONFIG_HOME = config; // runCli's children inherit it
  t.after(async () => {
    if (savedXdg === undefined) delete process.env.XDG_CONFIG_HOME;
    else process.env.XDG_CONFIG_HOME = savedXdg;
    await server.close();
    repo.remove();
    fs.rmSync(config, { recursive: true, force: true });
  });
  assert.equal(fs.statSync(path.join(server.dataDir, 'admin.token')).mode & 0o777, 0o600);
  assert.match(server.log, /admin token written to .*admin\.token/);
  assert.equal((await server.cli(['project', 'add', 'app', '--repo', repo.dir])).code, 0);

  const created = await server.json<Record<string, unknown>>(['token', 'create', 'ci', '--role', 'deployer', '--project', 'app', '--expires', '90d']);
  assert.deepEqual(Object.keys(created).slice(0, 4), ['name', 'role', 'token', 'expiresAt']);
  assert.equal(created.name, 'ci');
  assert.equal(created.role, 'deployer');
  assert.match(String(created.token), /^sluice_[0-9a-f]{64}$/);
  const days = (Date.parse(String(created.expiresAt)) - Date.now()) / 86_400_000;
  assert.ok(days > 89 && days <= 90, `expires in 90 days: ${days}`);
  const value = String(created.token);
  const listed = await server.cli(['token', 'list', '--json']);
  assert.equal(listed.code, 0);
  assert.ok(!listed.stdout.includes(value) && !listed.stdout.includes(value.slice(7, 40)), 'the list never shows a value');
  assert.deepEqual((JSON.parse(listed.stdout) as Array<{ name: string }>).map((x) => x.name), ['admin', 'ci']);
  assert.ok(!fs.readFileSync(path.join(server.dataDir, 'sluice.db')).includes(Buffer.from(value)), 'the store holds no value');
  assert.notEqual((await server.cli(['token', 'create', 'ci', '--role', 'viewer'])).code, 0, 'a name is taken once');
  const weak = await server.cli(['token', 'create', 'x', '--role', 'admin'], { token: value });
  assert.notEqual(weak.code, 0);
  assert.match(weak.stderr, /needs the admin role/);

  // login: a wrong token stores nothing; the right one is stored 0600 and used without SLUICE_TOKEN.
  const bad = await runCli(['login', '--server', server.url], { token: null, input: `sluice_${'0'.repeat(64)}\n` });
  assert.notEqual(bad.code, 0);
  assert.ok(!fs.existsSync(path.join(config, 'sluice', 'servers')) || fs.readdirSync(path.join(config, 'sluice', 'servers')).length === 0);
  const login = await runCli(['login', '--server', server.url], { token: null, input: `${value}\n` });
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stdout, /as ci \(deployer\)/);
  const files = fs.readdirSync(path.join(config, 'sluice', 'servers'));
  assert.equal(files.length, 1);
  assert.equal(fs.statSync(path.join(config, 'sluice', 'servers', files[0]!)).mode & 0o777, 0o600);
  const asStored = await runCli(['project', 'list', '--json', '--server', server.url], { token: null });
  assert.equal(asStored.code, 0, asStored.stderr);
  const noLogin = await runCli(['project', 'list', '--server', 'http://localhost:1'], { token: null });
  assert.notEqual(noLogin.code, 0, 'another server has no stored token (and is not there)');

  // logout forgets the stored token (it stays valid on the server), and says so when there was none.
  const logout = await runCli(['logout', '--server', server.url], { token: null });
  assert.equal(logout.code, 0, logout.stderr);
  assert.match(logout.stdout, /signed out of/);
  assert.deepEqual(fs.readdirSync(path.join(config, 'sluice', 'servers')), []);
  const afterLogout = await runCli(['project', 'list', '--server', server.url], { token: null });
  assert.notEqual(afterLogout.code, 0, 'no token is sent after logout');
  assert.match((await runCli(['logout', '--server', server.url], { token: null })).stdout, /no token was stored/);
  assert.equal((await runCli(['project', 'list', '--server', server.url], { token: value })).code, 0, 'the token itself still works');
  assert.equal((await runCli(['login', '--server', server.url], { token: null, input: `${value}\n` })).code, 0);

  assert.equal((await server.cli(['token', 'revoke', 'ci'])).code, 0);
  const revoked = await runCli(['project', 'list', '--server', server.url], { token: null });
  assert.notEqual(revoked.code, 0);
  assert.match(revoked.stderr, /token ci was revoked/);
  assert.match((await server.cli(['token', 'list'])).stdout, /ci\s+deployer\s+app\s+\*\s+\S+\s+revoked/);
});

void test('the webhook secret: shown to admins (add, show, rotate), to others only as set; rotation refuses the old signature', async (t) => {
  const server = await TestServer.start();
  const repo = new TestRepo({ 'sluice.yaml': 'build:\n  - run: "true"\n' });
  t.after(async () => {
    await server.close();
    repo.remove();
  });
  const added = await server.json<ProjectJson>(['project', 'add', 'app', '--repo', repo.dir]);
  const old = added.webhooks.secret!;
  assert.match(old, /^whsec_/);
  const viewer = (await server.json<{ token: string }>(['token', 'create', 'v', '--role', 'viewer'])).token;
  const deployer = (await server.json<{ token: string }>(['token', 'create', 'd', '--role', 'deployer'])).token;
  for (const token of [viewer, deployer]) {
    const shown = await runCli(['project', 'show', 'app', '--json'], { server: server.url, token });
    assert.equal(shown.code, 0, shown.stderr);
    assert.ok(!shown.stdout.includes(old));
    assert.equal((JSON.parse(shown.stdout) as ProjectJson).webhooks.secretSet, true);
    const list = await runCli(['project', 'list', '--json'], { server: server.url, token });
    assert.ok(!list.stdout.includes(old));
  }
  assert.ok(!(await server.cli(['project', 'list', '--json'])).stdout.includes(old), 'lists never show it');
  assert.equal((await server.json<ProjectJson>(['project', 'show', 'app'])).webhooks.secret, old);
  const refused = await runCli(['project', 'rotate-webhook-secret', 'app'], { server: server.url, token: deployer });
  assert.match(refused.stderr, /needs the admin role/);
  const rotated = await server.json<ProjectJson>(['project', 'rotate-webhook-secret', 'app']);
  assert.match(rotated.webhooks.secret!, /^whsec_/);
  assert.notEqual(rotated.webhooks.secret, old);
  const body = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: repo.head(), commits: [] }));
  const deliver = (secret: string, id: string): Promise<Response> =>
    fetch(`${server.url}/hooks/github/app`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': id, 'x-hub-signature-256': signGithub(body, secret) }, body });
  assert.equal((await deliver(old, 'd-old')).status, 401, 'the old secret no longer signs');
  assert.ok([200, 202].includes((await deliver(rotated.webhooks.secret!, 'd-new')).status), 'the new one does, without a token');
});

void test("approvers: only the listed tokens and roles approve a gate, and allowSelf: false bars the run's triggerer", async (t) => {
  const files = appFiles('v1', { approval: true });
  files['sluice.yaml'] = files['sluice.yaml']!.replace('    approval: true', '    approval: true\n    approvers: {allow: [releaser, admin], allowSelf: false}');
  const { server, repo } = await registeredProject(t, 'gated', files);
  const releaser = (await server.json<{ token: string }>(['token', 'create', 'releaser', '--role', 'deployer'])).token;
  const other = (await server.json<{ token: string }>(['token', 'create', 'other-deployer', '--role', 'deployer'])).token;
  const run1 = await waitRunState(server, 'gated', repo.head(), 'waiting', 120_000);
  const byOther = await server.cli(['approve', run1.id], { token: other });
  assert.notEqual(byOther.code, 0);
  assert.match(byOther.stderr, /only releaser, admin may approve the deploy to production/);
  const rejectByOther = await server.cli(['reject', run1.id], { token: other });
  assert.match(rejectByOther.stderr, /only releaser, admin may reject/);

  // A run the releaser triggers: the releaser may not approve it, an admin may.
  const triggered = await server.cli(['trigger', 'gated', '--json'], { token: releaser });
  assert.equal(triggered.code, 0, triggered.stderr);
  const run2 = JSON.parse(triggered.stdout) as RunJson & { triggeredBy?: string };
  assert.equal(run2.triggeredBy, 'releaser');
  await server.waitFor('run 2 at the gate', async () => (await server.json<RunJson>(['run', run2.id])).state === 'waiting', 120_000);
  const self = await server.cli(['approve', run2.id], { token: releaser });
  assert.notEqual(self.code, 0);
  assert.match(self.stderr, /releaser triggered run #2: it cannot approve it/);
  assert.equal((await server.json<RunJson>(['run', run2.id])).state, 'waiting', 'refusals changed nothing');
  const byAdmin = await server.cli(['approve', run2.id]);
  assert.equal(byAdmin.code, 0, byAdmin.stderr);
  const done = await server.waitFor('run 2 to end', async () => {
    const r = await server.json<RunJson & { approvedBy?: string }>(['run', run2.id]);
    return r.state === 'succeeded' || r.state === 'failed' ? r : null;
  }, 120_000);
  assert.equal(done.state, 'succeeded');
  assert.equal(done.approvedBy, 'admin');
});

void test('approvers: an empty list and an unknown key are spec errors', async () => {
  const dir = tempDir('approvers');
  try {
    for (const [yaml, message] of [
      ['approvers: []', /empty approvers list/],
      ['approvers: {allow: [a], allowself: false}', /allowself/],
      ['approvers: [Not_A_Name]', /not a valid token or role name/],
    ] as const) {
      const file = path.join(dir, 'sluice.yaml');
      fs.writeFileSync(file, appFiles('v1', { approval: true })['sluice.yaml']!.replace('    approval: true', `    approval: true\n    ${yaml}`));
      const r = await runCli(['validate', file]);
      assert.notEqual(r.code, 0, yaml);
      assert.match(r.stdout + r.stderr, message, yaml);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
