// `sluice backup` takes a consistent copy while runs write to the store; `sluice restore` puts it
// into a new data directory, and a server started there has the runs, releases and secrets.
// Restore refuses anything that is not a Sluice store, a newer schema, a directory that holds a
// store (without --force), a store a process has open, and a directory whose data plane runs.
import { signingSecretAad } from '../../src/notifications/project-notifications.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { openPostgresStore, pgDumpCommand } from '../../src/store/postgres/open-postgres-store.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { ConflictError } from '../../src/errors.ts';
import { certificateId, type CertificateRecord } from '../../src/certificates/certificate-record.ts';
import { acmeAccountKeyAad, certificateKeyAad } from '../../src/certificates/certificate-store.ts';
import { Keyring, loadMasterKey } from '../../src/secrets/keyring.ts';
import { runCli, tempDir, terminal, TestServer, viaRouter, type RunJson } from './harness.ts';
import { appFiles, deployedProject, prodHost, type ReleaseJson } from './fixtures.ts';
import { StepSignals } from './step-signals.ts';
import { pushBusyboxBase, registryMissing, startRegistry } from '../image/registry-kit.ts';

const secretValue = 'backed-up value 7f3a';

void test('a backup taken while runs write restores into a new directory where a server serves it all', async (t) => {
  // A custom domain: its claim is durable state the backup carries.
  // And the access log: its lines, like every log line, are in the backup (logs.db, a part of the file).
  // And feature flags: the environment's definitions, its overrides and their history.
  const flagFile = 'flags:\n  checkout: { state: ENABLED, variants: { on: true, off: false }, defaultVariant: off }\n';
  // And the releases' OCI image (0021), when a registry can run here.
  const noRegistry = registryMissing();
  if (noRegistry) console.log(`# the image part is skipped: ${noRegistry}`);
  const reg = noRegistry ? null : await startRegistry();
  if (reg) {
    t.after(() => reg.stop());
    pushBusyboxBase(reg, 'base/busybox:1', { index: true });
  }
  const imageYaml = reg ? `image:\n  base: ${reg.host}/base/busybox:1\n` : '';
  const withDomain = (files: Record<string, string>): Record<string, string> => ({ ...files, 'sluice.yaml': `${files['sluice.yaml']}    domains: [shop.example.com]\n    accessLog: all\nflags: flags.yaml\n${imageYaml}`, 'flags.yaml': flagFile });
  const { server, repo } = await deployedProject(t, 'shop', withDomain(appFiles('v1')), { args: reg ? ['--registry', reg.url] : [] });
  const set = await server.cli(['secret', 'set', 'app', 'TOKEN'], { input: secretValue });
  assert.equal(set.code, 0, set.stderr);
  const flagSet = await server.cli(['flag', 'set', 'shop', 'checkout', '--env', 'production', '--percent', '30']);
  assert.equal(flagSet.code, 0, flagSet.stderr);
  // And a flag rollout in progress (held at its first step by a long pause).
  const rollout = await server.cli(['flag', 'rollout', 'shop', 'checkout', '--env', 'production', '--variant', 'on', '--steps', '30,100', '--pause', '1h']);
  assert.equal(rollout.code, 0, rollout.stderr);
  await server.waitFor('the flag rollout at its first step', async () => (await server.json<{ weights: { canary: number } }>(['flag', 'rollout', 'shop', 'checkout', '--env', 'production'])).weights.canary === 30);
  const work = tempDir('backup');
  t.after(() => fs.rmSync(work, { recursive: true, force: true }));

  // Runs in flight: a new commit whose build writes log lines until the gate opens (after the
  // backup; asked over loopback HTTP: steps are sandboxed), and manual triggers on top of it.
  const signals = await StepSignals.start(t);
  const v2 = repo.commit('v2', withDomain(appFiles('v2', { build: `until curl -fs -o /dev/null ${signals.url}/gate/backed-up; do echo tick; sleep 0.05; done` })));
  assert.equal((await server.cli(['trigger', 'shop'])).code, 0);
  await server.waitFor('a run of v2 running', async () => (await server.json<RunJson[]>(['runs', 'shop'])).some((r) => r.commit === v2 && r.state === 'running'));
  const endedBefore = (await server.json<RunJson[]>(['runs', 'shop'])).filter((r) => terminal.has(r.state));
  const releasesBefore = await server.json<ReleaseJson[]>(['releases', 'shop', '--env', 'production']);
  // Certificates and the ACME account are in the store, their keys sealed like secrets.
  const certKeyPem = '-----BEGIN PRIVATE KEY-----\ncertificate key 91c2\n-----END PRIVATE KEY-----\n';
  const certId = certificateId(['shop.example.com']);
  const live = openSqliteStore(path.join(server.dataDir, 'sluice.db'));
  const liveKeys = new Keyring(loadMasterKey({ envValue: undefined, keyFile: path.join(server.dataDir, 'master.key') }).key, live);
  await liveKeys.init();
  const cert: CertificateRecord = {
    id: certId, domains: ['shop.example.com'], source: 'acme', state: 'valid', certificatePem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    sealedKey: liveKeys.encrypt(certKeyPem, certificateKeyAad(certId)), notAfter: '2027-03-01T00:00:00.000Z', issuer: 'Pebble Intermediate CA',
    lastError: null, failures: 0, nextAttemptAt: '2027-01-01T00:00:00.000Z', orderUrl: null, updatedAt: new Date().toISOString(),
  };
  await live.putCertificate(cert);
  const directoryUrl = 'https://ca.test/dir';
  await live.putAcmeAccount({ directoryUrl, accountUrl: 'https://ca.test/acct/7', sealedKey: liveKeys.encrypt('account key 55e1', acmeAccountKeyAad(directoryUrl)), email: 'ops@example.com', createdAt: new Date().toISOString() });
  // The notification outbox and the project's sealed signing secret (made by `project add`).
  const signingSealed = await live.getNotificationSecret('shop');
  assert.ok(signingSealed, 'project add made a signing secret');
  const signingSecret = liveKeys.decrypt(signingSealed, signingSecretAad('shop'));
  const outboxRow = { id: 'd-1', eventId: 'evt-1', eventSeq: 1, project: 'shop', kind: 'run.failed' as const, target: 't', url: 'https://hooks.example.com/x', targetHost: 'hooks.example.com', format: 'webhook' as const, nextAttemptAt: '2027-01-01T00:00:00.000Z', createdAt: '2026-12-01T00:00:00.000Z' };
  await live.addDeliveries([outboxRow]);
  await live.close();
  // Sent just before the backup: its access line may still be in the data plane's spool, which the
  // backup stores first.
  const visit = await viaRouter(server.routerPort, prodHost('shop'), '/backup-marker-5c1e');
  assert.equal(visit.status, 200, visit.body);
  // A dashboard session (migration 0020_sessions): the store keeps its hash, so it survives the restore.
  const signIn = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: fs.readFileSync(path.join(server.dataDir, 'admin.token'), 'utf8').trim() }) });
  assert.equal(signIn.status, 201, await signIn.clone().text());
  const sessionCookie = signIn.headers.getSetCookie().find((c) => c.startsWith('sluice_session='))!.split(';')[0]!;
  const file = path.join(work, 'shop.db');
  const backup = await server.cli(['backup', file]);
  // Still running (its build waits for the gate): the backup was taken while it wrote.
  assert.ok((await server.json<RunJson[]>(['runs', 'shop'])).some((r) => r.commit === v2 && r.state === 'running'), 'a run was writing during the backup');
  signals.openGate('backed-up');
  assert.equal(backup.code, 0, backup.stderr);
  assert.match(backup.stdout, /backup written to .*shop\.db \(\d+ bytes, 1 projects, \d+ runs, log store \d+ bytes, /);
  assert.match(backup.stderr, new RegExp(`master key is NOT in the backup; it lives in ${path.join(server.dataDir, 'master.key')}`));
  assert.deepEqual(fs.readdirSync(work).sort(), ['shop.db'], 'no partial file left beside the backup');
  assert.deepEqual(
    fs.readdirSync(server.dataDir).filter((f) => f.startsWith('.backup-')),
    [],
    'the server removed its temporary copy',
  );

  // Restore refuses the directory of a live data plane.
  const busy = await runCli(['restore', file, '--data', server.dataDir]);
  assert.equal(busy.code, 1);
  assert.match(busy.stderr, /a data plane \(pid \d+\) is running on/);

  // The original server ends (a restore is for another machine, or after the first is gone).
  const masterKey = fs.readFileSync(path.join(server.dataDir, 'master.key'));
  // The backup holds the token hashes, so the old tokens keep working: the operator brings theirs.
  const adminToken = fs.readFileSync(path.join(server.dataDir, 'admin.token'));
  await server.close();
  // Not under `work`: after-hooks run in the order they were added, and `work` is removed before
  // the restored server is closed; its data directory must still be there for `sluice down`.
  const restoredParent = tempDir('restored');
  const restoredDir = path.join(restoredParent, 'data');
  const restored = await runCli(['restore', file, '--data', restoredDir]);
  assert.equal(restored.code, 0, restored.stderr);
  assert.match(restored.stdout, /restored 1 projects and \d+ runs into .*sluice\.db and the log store into .*logs\.db/);
  assert.deepEqual(fs.readdirSync(restoredDir).sort(), ['logs.db', 'sluice.db'], 'the store and the log store, nothing else');
  assert.match(restored.stderr, /copy the master key of the server that made the backup to .*master\.key \(chmod 600\)/);
  fs.writeFileSync(path.join(restoredDir, 'master.key'), masterKey, { mode: 0o600 });
  fs.writeFileSync(path.join(restoredDir, 'admin.token'), adminToken, { mode: 0o600 });
  // Checked in the restored file before a server opens it (its certificate manager drops what no domain claims).
  const restoredStore = openSqliteStore(path.join(restoredDir, 'sluice.db'));
  const restoredKeys = new Keyring(loadMasterKey({ envValue: undefined, keyFile: path.join(restoredDir, 'master.key') }).key, restoredStore);
  await restoredKeys.init();
  assert.deepEqual(await restoredStore.getCertificate(certId), cert);
  assert.equal(restoredKeys.decrypt(cert.sealedKey ?? '', certificateKeyAad(certId)), certKeyPem);
  const account = await restoredStore.getAcmeAccount(directoryUrl);
  assert.equal(account?.accountUrl, 'https://ca.test/acct/7');
  assert.equal(restoredKeys.decrypt(account.sealedKey, acmeAccountKeyAad(directoryUrl)), 'account key 55e1');
  assert.equal(restoredKeys.decrypt((await restoredStore.getNotificationSecret('shop')) ?? '', signingSecretAad('shop')), signingSecret);
  assert.deepEqual((await restoredStore.listDeliveries('shop', 10)).map((d) => [d.id, d.eventId, d.state]), [[outboxRow.id, outboxRow.eventId, 'pending']]);
  // The alert evaluation lease of the server that made the backup: the restored server takes it over (its holder's pid is gone).
  const backedUpHolder = (await restoredStore.getLease('alerts'))?.owner ?? 'none';
  assert.match(backedUpHolder, /^[^:]+:\d+:[0-9a-f]+$/);
  await restoredStore.close();

  const again = await TestServer.startAt(restoredDir);
  t.after(() => again.close());
  const who = await fetch(`${again.url}/api/whoami`, { headers: { cookie: sessionCookie } });
  assert.equal(who.status, 200, 'the dashboard session is in the backup');
  assert.equal(((await who.json()) as { name: string }).name, 'admin');
  t.after(() => fs.rmSync(restoredParent, { recursive: true, force: true }));
  const leaseOf = async (): Promise<string | undefined> => {
    const store = openSqliteStore(path.join(restoredDir, 'sluice.db'));
    try {
      return (await store.getLease('alerts'))?.owner;
    } finally {
      await store.close();
    }
  };
  await again.waitFor('the restored server to evaluate alerts', async () => ((await leaseOf()) ?? backedUpHolder) !== backedUpHolder || undefined, 30_000);
  const runs = await again.json<RunJson[]>(['runs', 'shop']);
  for (const r of endedBefore) {
    const now = runs.find((x) => x.id === r.id);
    assert.ok(now, `run #${r.number} is in the restored store`);
    assert.equal(now.state, r.state);
    assert.equal(now.commit, r.commit);
  }
  const releases = await again.json<ReleaseJson[]>(['releases', 'shop', '--env', 'production']);
  for (const r of releasesBefore) assert.ok(releases.some((x) => x.number === r.number && x.commit === r.commit && x.artifact === r.artifact && x.image === r.image), `release ${r.number} restored`);
  if (reg) assert.match(releasesBefore[0]?.image ?? '', /\/shop:r\d+@sha256:[a-f0-9]{64}$/, 'the backed-up release has its image');
  const claims = await again.json<Array<{ domain: string; environment: string }>>(['domains', 'shop']);
  assert.deepEqual(claims.map((c) => [c.domain, c.environment]), [['shop.example.com', 'production']], 'the domain claims are in the backup');
  const flag = await again.json<{ version: number; override: unknown }>(['flag', 'get', 'shop', 'checkout', '--env', 'production']);
  assert.deepEqual([flag.version, flag.override], [3, { state: 'ENABLED', defaultVariant: 'off', targeting: { fractional: [['on', 30], ['off', 70]] } }], 'the flag state is in the backup');
  const flagHistory = await again.json<Array<{ version: number; actor: string }>>(['flag', 'history', 'shop', 'checkout', '--env', 'production']);
  assert.deepEqual(flagHistory.map((c) => `${c.version} ${c.actor}`), ['3 admin', '2 admin', '1 release 1'], 'and its history');
  const restoredRollout = await again.json<{ state: string; step: number; variant: string; weights: { canary: number } }>(['flag', 'rollout', 'shop', 'checkout', '--env', 'production']);
  assert.deepEqual([restoredRollout.state, restoredRollout.step, restoredRollout.variant, restoredRollout.weights.canary], ['progressing', 0, 'on', 30], 'the flag rollout is in the backup and goes on');
  const got = await again.cli(['secret', 'get', 'app', 'TOKEN']);
  assert.equal(got.code, 0, got.stderr);
  assert.equal(got.stdout, `${secretValue}\n`);
  const firstRun = endedBefore.find((r) => r.number === 1);
  assert.ok(firstRun, 'run #1 ended before the backup');
  const logs = await again.cli(['logs', firstRun.id]);
  assert.equal(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, /building v1/);
  // Searched lines of the environment survive the round trip: the instance's output and the access line.
  const env = ['logs', 'shop', '--env', 'production'];
  const visited = await again.jsonLines<{ line: string; stream: string; source: string }>([...env, '--grep', 'backup-marker-5c1e']);
  assert.deepEqual(visited.map((l) => [l.source, l.stream]), [['router', 'access']], JSON.stringify(visited));
  assert.match(visited[0]!.line, /"GET \/backup-marker-5c1e HTTP\/1\.1" 200 /);
  const output = await again.jsonLines<{ line: string; source: string }>([...env, '--grep', 'listening on']);
  assert.ok(output.some((l) => l.source === 'instance'), JSON.stringify(output));
  // The run caught mid-flight is in the copy too (the new server recovers it as after any
  // crash: test/e2e/pipeline-recovery.test.ts).
  assert.ok(runs.some((r) => r.commit === v2), 'the run in flight is in the backup');
});

void test('restore refuses what is not a Sluice store, a newer schema, and an existing store without --force', async (t) => {
  const work = tempDir('restore');
  t.after(() => fs.rmSync(work, { recursive: true, force: true }));
  const refuse = async (args: string[], pattern: RegExp): Promise<void> => {
    const r = await runCli(['restore', ...args]);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}`);
    assert.match(r.stderr, pattern);
  };
  const target = path.join(work, 'data');
  await refuse([path.join(work, 'missing.db'), '--data', target], /cannot read .*missing\.db/);
  fs.writeFileSync(path.join(work, 'text.db'), 'hello, not a database\n');
  await refuse([path.join(work, 'text.db'), '--data', target], /is not a Sluice store: it is not an SQLite database/);
  const other = new Sqlite(path.join(work, 'other.db'));
  other.exec('create table notes (x)');
  other.close();
  await refuse([path.join(work, 'other.db'), '--data', target], /is not a Sluice store: it has no table kysely_migration, projects, runs, releases/);
  assert.ok(!fs.existsSync(path.join(target, 'sluice.db')), 'nothing restored by a refusal');

  const good = path.join(work, 'good.db');
  const store = openSqliteStore(good);
  await store.migrate();
  await store.close();
  const first = await runCli(['restore', good, '--data', target]);
  assert.equal(first.code, 0, first.stderr);
  await refuse([good, '--data', target], /already holds a store .*add --force to replace it/);

  // A process (standing in for a server) holds the store open: even --force refuses.
  const holder = new Sqlite(path.join(target, 'sluice.db'));
  holder.pragma('journal_mode = WAL');
  holder.prepare('select count(*) from runs').get();
  await refuse([good, '--data', target, '--force'], /is in use by a running Sluice server: stop it first/);
  holder.close();
  const forced = await runCli(['restore', good, '--data', target, '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.deepEqual(
    fs.readdirSync(target).filter((f) => f.startsWith('sluice.db')),
    ['sluice.db'],
    'no stale WAL beside the restored store',
  );

  const newer = path.join(work, 'newer.db');
  fs.copyFileSync(good, newer);
  const db = new Sqlite(newer);
  db.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run('9999_from_the_future', new Date().toISOString());
  db.close();
  await refuse([newer, '--data', path.join(work, 'fresh')], /written by a newer Sluice \(migration 9999_from_the_future\)/);
});

void test('a PostgreSQL store refuses a backup with the exact pg_dump command, without the password', async () => {
  const store = openPostgresStore({ connectionString: 'postgres://sluice:s3cret@db.example:5432/sluice', schema: 'ops' });
  try {
    await assert.rejects(store.backup('/tmp/x.db', "/backups/it's.dump"), (e: unknown) => {
      assert.ok(e instanceof ConflictError);
      assert.match(e.message, /the store is PostgreSQL: back it up with pg_dump/);
      assert.ok(e.message.endsWith(`pg_dump --format=custom --file='/backups/it'\\''s.dump' --schema=ops 'postgres://sluice@db.example:5432/sluice'`), e.message);
      assert.doesNotMatch(e.message, /s3cret/);
      return true;
    });
  } finally {
    await store.close();
  }
  assert.equal(pgDumpCommand('host=db password=hunter2 dbname=sluice', undefined, 'f'), "pg_dump --format=custom --file='f' 'host=db  dbname=sluice'");
});
