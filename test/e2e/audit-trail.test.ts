// The audit trail end to end: `sluice audit --json` shows the calls that changed something,
// secret reads and refused calls, with actor, role, action, target, outcome and source;
// `--project` and `--since` filter; `--verify` finds an entry edited, removed or reordered
// directly in the SQLite file (exit status 1, naming the entry), and passes again once undone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { authHeaders, TestRepo, TestServer } from './harness.ts';
import { setSecret } from './secrets-kit.ts';
import type { AuditRecord } from '../../src/store/records.ts';

type Entry = AuditRecord;

interface Verification {
  ok: boolean;
  entries: number;
  firstBreak: { id: number; problem: string; message: string } | null;
}

const spec = `build:
  - run: echo built
`;

void test('sluice audit --json: mutations, secret reads and refused calls, one entry each; --project and --since filter', async (t) => {
  const server = await TestServer.start();
  const repo = new TestRepo({ 'sluice.yaml': spec });
  t.after(async () => {
    await server.close();
    repo.remove();
  });
  await setSecret(server, 'cfg', 'API_TOKEN', 'value-1');
  assert.equal((await server.cli(['secret', 'get', 'cfg', 'API_TOKEN'])).code, 0);
  const bad = await server.cli(['secret', 'set', 'cfg', '1BAD'], { input: 'x' });
  assert.equal(bad.code, 1);
  assert.equal((await server.cli(['project', 'add', 'web', '--repo', repo.dir])).code, 0);
  assert.equal((await server.cli(['secret', 'grant', 'cfg', '--project', 'web'])).code, 0);
  // A webhook with a wrong signature: refused (401), an authentication failure.
  const hook = await fetch(`${server.url}/hooks/github/web`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}`, ...authHeaders(server.url) },
    body: '{}',
  });
  assert.equal(hook.status, 401);
  // Reads other than secret values are not recorded.
  assert.equal((await server.cli(['secret', 'list', '--json'])).code, 0);
  assert.equal((await server.cli(['project', 'list', '--json'])).code, 0);

  const all = await server.json<Entry[]>(['audit']);
  const summary = all.map((e) => [e.action, e.target, e.outcome, e.status]);
  assert.deepEqual(summary, [
    ['webhook.receive', 'web (github)', 'denied', 401],
    ['secret.grant', 'cfg to web', 'ok', 201],
    ['project.add', 'web', 'ok', 201],
    ['secret.set', 'cfg/1BAD', 'failed', 400],
    ['secret.read', 'cfg/API_TOKEN@1', 'ok', 200],
    ['secret.set', 'cfg/API_TOKEN@1', 'ok', 200],
  ]);
  for (const e of all) {
    // No token (until authentication is switched on) is 'anonymous'; the harness's admin token names the admin.
    assert.ok(e.actor === 'anonymous' ? e.role === null : e.role === 'admin', JSON.stringify(e));
    assert.match(e.source ?? '', /^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
    assert.ok(Date.parse(e.at) > Date.now() - 600_000);
    assert.match(e.hash, /^[0-9a-f]{64}$/);
  }
  assert.deepEqual(all.map((e) => e.id), [6, 5, 4, 3, 2, 1]);
  for (let i = 0; i < all.length - 1; i++) assert.equal(all[i]!.prevHash, all[i + 1]!.hash);

  const web = await server.json<Entry[]>(['audit', '--project', 'web']);
  assert.deepEqual(web.map((e) => e.action), ['webhook.receive', 'secret.grant', 'project.add']);
  assert.deepEqual(await server.json<Entry[]>(['audit', '--since', '10m', '--limit', '2']), all.slice(0, 2));
  // A --since in the future of every entry: none. A bad duration: a clear error, exit 1.
  const none = await server.cli(['audit', '--since', '0s', '--json']);
  assert.equal(none.code, 0, none.stderr);
  assert.ok((JSON.parse(none.stdout) as Entry[]).length <= 1);
  const badSince = await server.cli(['audit', '--since', 'yesterday']);
  assert.equal(badSince.code, 1);
  assert.match(badSince.stderr, /invalid duration "yesterday"/);
  const text = await server.cli(['audit']);
  assert.match(text.stdout, /secret\.read\s+cfg\/API_TOKEN@1\s+ok \(200\)/);

  const v = await server.json<Verification>(['audit', '--verify']);
  assert.deepEqual([v.ok, v.entries, v.firstBreak], [true, 6, null]);
});

void test('sluice audit --verify names the entry edited, removed or reordered in the SQLite file, and passes again once undone', async (t) => {
  const server = await TestServer.start();
  t.after(() => server.close());
  for (let i = 1; i <= 6; i++) await setSecret(server, 'cfg', `K${i}`, `value-${i}`);
  const ok = await server.cli(['audit', '--verify']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /audit trail intact: 6 entries/);

  const db = new Sqlite(path.join(server.dataDir, 'sluice.db'));
  t.after(() => db.close());
  db.pragma('busy_timeout = 10000');
  type Row = Record<string, unknown> & { id: number };
  const row = (id: number): Row => db.prepare('select * from audit where id = ?').get(id) as Row;
  const put = (r: Row): void => {
    const cols = Object.keys(r);
    db.prepare(`insert into audit (${cols.map((c) => `"${c}"`).join(', ')}) values (${cols.map((c) => `@${c}`).join(', ')})`).run(r);
  };
  const verifyFails = async (id: number, problem: string): Promise<void> => {
    const r = await server.cli(['audit', '--verify', '--json']);
    assert.equal(r.code, 1, `verify must fail: ${r.stdout}${r.stderr}`);
    const v = JSON.parse(r.stdout) as Verification;
    assert.deepEqual([v.ok, v.firstBreak?.id, v.firstBreak?.problem], [false, id, problem], r.stdout);
    const human = await server.cli(['audit', '--verify']);
    assert.equal(human.code, 1);
    assert.match(human.stderr, new RegExp(`first bad entry: ${id}, ${problem}`));
  };
  const verifyPasses = async (): Promise<void> => {
    const r = await server.cli(['audit', '--verify']);
    assert.equal(r.code, 0, r.stderr);
  };

  // Edited: one field of entry 3.
  const three = row(3);
  db.prepare("update audit set actor = 'someone-else' where id = 3").run();
  await verifyFails(3, 'edited');
  db.prepare('update audit set actor = ? where id = 3').run(three.actor);
  await verifyPasses();

  // Removed: entry 4.
  const four = row(4);
  db.prepare('delete from audit where id = 4').run();
  await verifyFails(4, 'removed');
  put(four);
  await verifyPasses();

  // Reordered: entries 2 and 5 swap places (their ids).
  db.transaction(() => {
    db.prepare('update audit set id = -2 where id = 2').run();
    db.prepare('update audit set id = 2 where id = 5').run();
    db.prepare('update audit set id = 5 where id = -2').run();
  })();
  await verifyFails(2, 'reordered');
  db.transaction(() => {
    db.prepare('update audit set id = -5 where id = 5').run();
    db.prepare('update audit set id = 5 where id = 2').run();
    db.prepare('update audit set id = 2 where id = -5').run();
  })();
  await verifyPasses();

  // Removed at the end: the chain head still names entry 7 (the audit read above is no entry; a secret set is).
  await setSecret(server, 'cfg', 'K7', 'value-7');
  const seven = row(7);
  db.prepare('delete from audit where id = 7').run();
  await verifyFails(7, 'removed');
  put(seven);
  await verifyPasses();
});
