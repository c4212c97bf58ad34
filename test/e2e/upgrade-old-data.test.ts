// Upgrades: a data directory written by an older Sluice (test/fixtures/data-229d3af, made by
// scripts/make-data-fixture.ts on that commit) opens with this code. Migrations run forward at
// start; runs, releases and secrets are intact. A store from a newer Sluice is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { migrationProvider } from '../../src/store/sql/migrations.ts';
import { ErrorCode, SluiceError } from '../../src/errors.ts';
import { openSecrets } from '../../src/server/open-secrets.ts';
import { parseReleaseConfig } from '../../src/engine/deploy/release-config.ts';
import { root, tempDir, TestServer, type RunJson } from './harness.ts';
import type { ReleaseJson } from './fixtures.ts';
import type { ReleaseJson as ApiReleaseJson } from '../../src/api/schemas/deploy-schemas.ts';

const fixture = path.join(root, 'test', 'fixtures', 'data-229d3af');

interface Expected {
  project: string;
  runs: Array<{ id: string; number: number; commit: string; state: string }>;
  releases: Record<string, ReleaseJson[]>;
  secrets: Record<string, Record<string, string>>;
}

const expected = JSON.parse(fs.readFileSync(path.join(fixture, 'expected.json'), 'utf8')) as Expected;

/** A fresh copy of the fixture (git does not keep the key file's mode: 0600 again). */
function copyFixture(): string {
  const dir = tempDir('old-data');
  for (const f of ['sluice.db', 'master.key']) fs.copyFileSync(path.join(fixture, f), path.join(dir, f));
  fs.chmodSync(path.join(dir, 'master.key'), 0o600);
  return dir;
}

function appliedMigrations(file: string): string[] {
  const db = new Sqlite(file, { readonly: true });
  try {
    return (db.prepare('select name from kysely_migration order by name').all() as Array<{ name: string }>).map((r) => r.name);
  } finally {
    db.close();
  }
}

void test('the store of 229d3af migrates forward to every migration of this version', async (t) => {
  const dir = copyFixture();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'sluice.db');
  const before = appliedMigrations(file);
  const known = Object.keys(await migrationProvider({ serialType: 'integer', advisoryLocks: false }).getMigrations()).sort();
  assert.deepEqual(before, known.slice(0, before.length), 'the fixture applied a prefix of the migrations');
  const store = openSqliteStore(file);
  await store.migrate();
  await store.close();
  assert.deepEqual(appliedMigrations(file), known);
});

void test('the upgrade grants the project the groups its releases use, and their references still resolve; old audit entries are chained', async (t) => {
  const dir = copyFixture();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const store = openSqliteStore(path.join(dir, 'sluice.db'));
  t.after(() => store.close());
  await store.migrate();
  assert.deepEqual(
    (await store.listSecretGrants()).map((g) => [g.group, g.project, g.createdBy]),
    Object.keys(expected.secrets).map((group) => [group, expected.project, 'upgrade']),
  );
  const quiet = { info: () => {}, warn: () => {}, error: () => {} };
  const { secrets } = await openSecrets(store, dir, undefined, undefined, quiet);
  for (const env of Object.keys(expected.releases)) {
    const live = (await store.getEnvironment(expected.project, env))?.currentRelease;
    assert.ok(live, `${env} has a live release`);
    const config = parseReleaseConfig((await store.getRelease(expected.project, env, live))!.configJson);
    await secrets.assertGranted(expected.project, config.secretGroups ?? []);
    const values = await secrets.resolve(config.secretRefs ?? []);
    const want = Object.fromEntries(Object.values(expected.secrets).flatMap((kv) => Object.entries(kv)));
    assert.deepEqual(values, want, `the secrets of ${env}'s release`);
  }
  const chain = await store.auditChain(0, 100);
  assert.deepEqual(chain.map((e) => [e.id, e.action, e.outcome]), [
    [1, 'secret.set', 'ok'],
    [2, 'secret.set', 'ok'],
  ]);
  assert.deepEqual(await store.auditHead(), { lastId: 2, lastHash: chain[1]!.hash });
});

void test('a store written by a newer Sluice is refused with the reason, and left as it was', async (t) => {
  const dir = copyFixture();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'sluice.db');
  const store = openSqliteStore(file);
  await store.migrate();
  await store.close();
  const db = new Sqlite(file);
  db.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run('9999_from_the_future', new Date().toISOString());
  db.close();
  const newer = openSqliteStore(file);
  t.after(() => newer.close());
  await assert.rejects(newer.migrate(), (e: unknown) => {
    assert.ok(e instanceof SluiceError);
    assert.equal(e.code, ErrorCode.conflict);
    assert.match(e.message, /written by a newer Sluice.*9999_from_the_future/);
    return true;
  });
  assert.ok(appliedMigrations(file).includes('9999_from_the_future'));
});

void test('a server opens the data directory of 229d3af and serves its runs, releases and secrets', async (t) => {
  const server = await TestServer.startAt(copyFixture());
  t.after(() => server.close());
  const runs = await server.json<RunJson[]>(['runs', expected.project]);
  assert.deepEqual(
    runs.map((r) => ({ id: r.id, number: r.number, commit: r.commit, state: r.state })),
    expected.runs,
  );
  const oneRun = await server.json<RunJson>(['run', expected.runs[0]!.id]);
  assert.ok(oneRun.stages.length > 0 && oneRun.stages.every((s) => s.state === 'succeeded'), JSON.stringify(oneRun.stages));
  const logs = await server.cli(['logs', expected.runs[0]!.id]);
  assert.equal(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, /building v2/);
  for (const [env, releases] of Object.entries(expected.releases)) {
    const now = await server.json<ApiReleaseJson[]>(['releases', expected.project, '--env', env]);
    // Views newer than the fixture add the commit range, derived from the stored releases (newest
    // first: each one's range starts at the release before it); the rest is as that code showed it.
    now.forEach((r, i) => assert.deepEqual(r.changes?.commits, { from: now[i + 1]?.commit ?? null, to: r.commit }, `the commit range of release ${r.number} of ${env}`));
    const asBefore = now.map((r) => (r.changes ? { ...r, changes: Object.fromEntries(Object.entries(r.changes).filter(([k]) => k !== 'commits')) } : r));
    assert.deepEqual(asBefore, releases, `releases of ${env}`);
  }
  for (const [group, values] of Object.entries(expected.secrets)) {
    for (const [key, value] of Object.entries(values)) {
      const got = await server.cli(['secret', 'get', group, key]);
      assert.equal(got.code, 0, got.stderr);
      assert.equal(got.stdout, `${value}\n`);
    }
  }
  const groups = await server.json<Array<{ group: string; grantedTo: string[] }>>(['secret', 'list']);
  assert.deepEqual(groups, Object.keys(expected.secrets).map((group) => ({ group, grantedTo: [expected.project] })));
  const verified = await server.json<{ ok: boolean; entries: number }>(['audit', '--verify']);
  assert.equal(verified.ok, true);
  assert.ok(verified.entries >= 2 + Object.values(expected.secrets).flatMap(Object.keys).length, 'the old entries and one per secret read');
});
