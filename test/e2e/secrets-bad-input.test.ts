// Bad input around secrets: an unknown group or a missing key fails the deploy before any
// instance starts (production keeps its release); invalid names, oversized or empty values and
// missing keys are refused with clear errors; listings never carry values; reads are audited;
// a build that writes a build secret into its workspace fails and leaves no artifact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir, TestRepo, TestServer, type RunJson } from './harness.ts';
import { dataPlaneInstances, envStatus, prodBody } from './fixtures.ts';
import { filesUnder, grantSecrets, leaksIn, needlesOf, randomSecret, scanDir, secretAppJs, setSecret } from './secrets-kit.ts';

function files(version: string, production: string, top = ''): Record<string, string> {
  const spec = `${top}build:
  - run: echo building
services:
  web:
    start: node server.js
    health: /healthz
environments:
  staging:
    secrets: [cfg]
  production:
    bake: 0
${production}
`;
  return { 'sluice.yaml': spec, 'server.js': secretAppJs, VERSION: `${version}\n` };
}

const noStack = (text: string): void => assert.doesNotMatch(text, /^\s+at .+:\d+:\d+\)?$/m, `a message, not a stack trace: ${text}`);

void test('an unknown group or a reference to a missing key fails the deploy before any instance starts; production keeps its release', async (t) => {
  const server = await TestServer.start();
  const repo = new TestRepo(files('v1', '    secrets: [cfg]'));
  t.after(async () => {
    await server.close();
    repo.remove();
  });
  const value = randomSecret();
  await setSecret(server, 'cfg', 'DB_PASSWORD', value);
  // nosuch-group is granted but never created: the deploy, not the grant check, refuses it.
  await grantSecrets(server, 'bad', ['cfg', 'nosuch-group']);
  assert.equal((await server.cli(['project', 'add', 'bad', '--repo', repo.dir])).code, 0);
  assert.equal((await server.waitRun('bad', repo.head(), 90_000)).state, 'succeeded');
  assert.equal(await prodBody(server, 'bad'), 'v1\n');
  const productionIds = async (): Promise<string[]> =>
    (await dataPlaneInstances(server)).filter((i) => i.labels.project === 'bad' && i.labels.environment === 'production').map((i) => `${i.id}@${i.labels.release}`);
  const before = await productionIds();

  const cases: Array<[string, string, RegExp]> = [
    ['an unknown group', '    secrets: [cfg, nosuch-group]', /nosuch-group/],
    ['a missing key', '    secrets: [cfg]\n    env: {"DSN": "postgres://app:${{ secrets.MISSING_KEY }}@db/app"}', /MISSING_KEY/],
  ];
  for (const [i, [what, production, names]] of cases.entries()) {
    const sha = repo.commit(what, files(`v${i + 2}`, production));
    const run = await server.waitRun('bad', sha, 90_000);
    assert.equal(run.state, 'failed', `${what}: ${JSON.stringify(run)}`);
    const stage = run.stages.find((s) => s.name === 'deploy:production');
    assert.equal(stage?.state, 'failed', `${what}: ${JSON.stringify(run.stages)}`);
    assert.match(stage.reason ?? '', names, `${what}: the reason names it`);
    assert.match(run.reason ?? '', names, `${what}: the run's reason names it`);
    assert.equal(run.stages.find((s) => s.name === 'deploy:staging')?.state, 'succeeded', 'staging (which has its groups) deployed');
    // Production: the same release, the same instances (none was started for the new commit).
    const prod = await envStatus(server, 'bad', 'production');
    assert.deepEqual([prod.release?.number, prod.state], [1, 'healthy'], what);
    assert.equal(await prodBody(server, 'bad'), 'v1\n', what);
    assert.deepEqual(await productionIds(), before, `${what}: no production instance started`);
    const logs = await server.cli(['logs', run.id]);
    assert.match(logs.stdout + logs.stderr, names);
    assert.deepEqual(leaksIn(JSON.stringify(run) + logs.stdout + logs.stderr, needlesOf({ value })), []);
  }
  const releases = await server.json<Array<{ number: number; state: string }>>(['releases', 'bad', '--env', 'production']);
  assert.equal(releases.filter((r) => r.state === 'live').length, 1);
  assert.deepEqual(
    releases.find((r) => r.state === 'live')?.number,
    1,
  );
});

void test('secret commands refuse bad names, empty or oversized values and missing keys; list never shows values', async (t) => {
  const server = await TestServer.start();
  const dir = tempDir('values');
  t.after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const value = randomSecret();
  await setSecret(server, 'cfg', 'API_TOKEN', value);

  const badKey = await server.cli(['secret', 'set', 'cfg', '1BAD'], { input: 'some value' });
  assert.equal(badKey.code, 1);
  assert.match(badKey.stderr, /"1BAD" is not a valid environment variable name/);
  noStack(badKey.stderr);
  for (const key of ['WITH-DASH', 'A B', 'É']) {
    const r = await server.cli(['secret', 'set', 'cfg', key], { input: 'some value' });
    assert.equal(r.code, 1, key);
    assert.match(r.stderr, /environment variable name/, key);
  }
  const badGroup = await server.cli(['secret', 'set', '-bad', 'KEY'], { input: 'some value' });
  assert.notEqual(badGroup.code, 0);

  const limit = 64 * 1024;
  fs.writeFileSync(path.join(dir, 'at-limit'), 'a'.repeat(limit));
  fs.writeFileSync(path.join(dir, 'over-limit'), 'b'.repeat(limit + 1));
  const atLimit = await server.cli(['secret', 'set', 'cfg', 'BIG', '--from-file', path.join(dir, 'at-limit')]);
  assert.equal(atLimit.code, 0, atLimit.stderr);
  const over = await server.cli(['secret', 'set', 'cfg', 'BIGGER', '--from-file', path.join(dir, 'over-limit')]);
  assert.equal(over.code, 1);
  assert.match(over.stderr, /65537 bytes: the limit is 65536/);
  noStack(over.stderr);
  const empty = await server.cli(['secret', 'set', 'cfg', 'EMPTY'], { input: '' });
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /empty/);

  for (const [group, key] of [
    ['cfg', 'NOPE'],
    ['no-such-group', 'API_TOKEN'],
  ] as const) {
    const r = await server.cli(['secret', 'get', group, key]);
    assert.equal(r.code, 1, `${group}/${key}`);
    assert.match(r.stderr, new RegExp(`${group}/${key}`));
    assert.equal(r.stdout, '');
  }

  const list = await server.cli(['secret', 'list', 'cfg', '--json']);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(
    (JSON.parse(list.stdout) as Array<{ key: string; version: number }>).map((s) => [s.key, s.version]).sort(),
    [
      ['API_TOKEN', 1],
      ['BIG', 1],
    ],
    'the refused keys were not stored',
  );
  const text = await server.cli(['secret', 'list', 'cfg']);
  assert.match(text.stdout, /API_TOKEN/);
  const needles = needlesOf({ value, big: 'a'.repeat(limit) });
  assert.deepEqual(leaksIn(list.stdout + text.stdout + (await server.cli(['secret', 'list'])).stdout, needles), []);

  // unset: gone from the list and from get; unsetting again is an error.
  assert.equal((await server.cli(['secret', 'unset', 'cfg', 'BIG'])).code, 0);
  assert.equal((await server.cli(['secret', 'get', 'cfg', 'BIG'])).code, 1);
  assert.equal((await server.cli(['secret', 'unset', 'cfg', 'BIG'])).code, 1);
  assert.deepEqual(
    (await server.json<Array<{ key: string }>>(['secret', 'list', 'cfg'])).map((s) => s.key),
    ['API_TOKEN'],
  );
});

void test('secret get is audited (who, what, which version; never the value); history lists versions, get --at-version reads an older one', async (t) => {
  const server = await TestServer.start();
  t.after(() => server.close());
  const value = randomSecret();
  await setSecret(server, 'cfg', 'API_TOKEN', value);
  await setSecret(server, 'cfg', 'API_TOKEN', randomSecret());
  const got = await server.cli(['secret', 'get', 'cfg', 'API_TOKEN']);
  assert.equal(got.code, 0, got.stderr);
  const rows = (await server.json<Array<{ actor: string; action: string; target: string; at: string; outcome: string }>>(['audit'])).reverse();
  const gets = rows.filter((r) => r.action === 'secret.read');
  assert.equal(gets.length, 1, JSON.stringify(rows));
  assert.equal(gets[0]!.target, 'cfg/API_TOKEN@2');
  assert.equal(gets[0]!.outcome, 'ok');
  // The token's name once the server has one (authentication on); without a token, 'anonymous'.
  if (server.token() === undefined) assert.equal(gets[0]!.actor, 'anonymous');
  else assert.notEqual(gets[0]!.actor, 'anonymous');
  assert.ok(!Number.isNaN(Date.parse(gets[0]!.at)));
  assert.deepEqual(
    rows.filter((r) => r.action === 'secret.set').map((r) => r.target),
    ['cfg/API_TOKEN@1', 'cfg/API_TOKEN@2'],
  );
  assert.deepEqual(leaksIn(JSON.stringify(rows), needlesOf({ value })), []);

  // The key's history (never a value), and the first value again, audited as @1.
  const history = await server.cli(['secret', 'history', 'cfg', 'API_TOKEN', '--json']);
  assert.equal(history.code, 0, history.stderr);
  assert.deepEqual((JSON.parse(history.stdout) as Array<{ version: number; state: string }>).map((v) => [v.version, v.state]), [
    [2, 'set'],
    [1, 'set'],
  ]);
  const table = await server.cli(['secret', 'history', 'cfg', 'API_TOKEN']);
  assert.match(table.stdout, /^VERSION\s+STATE\s+BY\s+AT\n2\s+set\s/);
  assert.deepEqual(leaksIn(history.stdout + table.stdout, needlesOf({ value })), []);
  const first = await server.cli(['secret', 'get', 'cfg', 'API_TOKEN', '--at-version', '1']);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, `${value}\n`);
  const reads = (await server.json<Array<{ action: string; target: string }>>(['audit'])).filter((r) => r.action === 'secret.read');
  assert.deepEqual(reads.map((r) => r.target).sort(), ['cfg/API_TOKEN@1', 'cfg/API_TOKEN@2']);
  const unknown = await server.cli(['secret', 'history', 'cfg', 'NOPE']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /secret "cfg\/NOPE" not found: group cfg has no key NOPE/);
  noStack(unknown.stderr);
  const noVersion = await server.cli(['secret', 'get', 'cfg', 'API_TOKEN', '--at-version', '7']);
  assert.equal(noVersion.code, 1);
  assert.match(noVersion.stderr, /cfg\/API_TOKEN@7" not found: see `sluice secret history cfg API_TOKEN`/);
  assert.equal(noVersion.stdout, '');
});

/** A server with build secret TOKEN (group build) and a repository whose build gets it. */
async function buildSecretServer(t: { after(fn: () => Promise<void>): void }): Promise<{ server: TestServer; repo: TestRepo; token: string }> {
  const server = await TestServer.start();
  const repo = new TestRepo(files('v1', '    secrets: [cfg]', 'buildSecrets: [build]\n'));
  t.after(async () => {
    await server.close();
    repo.remove();
  });
  const token = randomSecret();
  await setSecret(server, 'build', 'TOKEN', token);
  await setSecret(server, 'cfg', 'DB_PASSWORD', randomSecret());
  return { server, repo, token };
}

void test('a build that writes a build secret into its workspace fails at build, naming the secret and the file; no artifact, no release', async (t) => {
  const { server, repo, token } = await buildSecretServer(t);
  const leaky = files('v1', '    secrets: [cfg]', 'buildSecrets: [build]\n');
  leaky['sluice.yaml'] = leaky['sluice.yaml']!.replace('  - run: echo building', '  - run: mkdir -p conf && echo "$TOKEN" > conf/leaked.txt && echo wrote it');
  const sha = repo.commit('leak the token', leaky);
  await grantSecrets(server, 'leaky', ['build', 'cfg']);
  assert.equal((await server.cli(['project', 'add', 'leaky', '--repo', repo.dir])).code, 0);
  const run = await server.waitRun('leaky', sha, 90_000);
  assert.equal(run.state, 'failed', JSON.stringify(run));
  const build = run.stages.find((s) => s.name === 'build');
  assert.equal(build?.state, 'failed');
  assert.match(build.reason ?? '', /secret TOKEN/);
  assert.match(build.reason ?? '', /conf\/leaked\.txt/);
  assert.equal(run.stages.filter((s) => s.name.startsWith('deploy:')).every((s) => s.state !== 'succeeded' && s.state !== 'running'), true);
  const full = await server.json<RunJson & { artifact: string | null }>(['run', run.id]);
  assert.equal(full.artifact, null, 'no artifact recorded');
  const artifacts = path.join(server.dataDir, 'artifacts');
  assert.deepEqual(
    fs.existsSync(artifacts) ? filesUnder(artifacts).filter((f) => f.endsWith('.tar.gz')) : [],
    [],
    'no artifact stored',
  );
  const status = await server.json<{ environments: Array<{ release: unknown }> }>(['status', 'leaky']);
  assert.ok(status.environments.every((e) => e.release === null), 'no release anywhere');
  const logs = await server.cli(['logs', run.id]);
  assert.match(logs.stdout, /wrote it/);
  // The workspace that held the leaked file does not outlive the run with the value in it.
  const needles = needlesOf({ token });
  assert.deepEqual(leaksIn(JSON.stringify(full) + logs.stdout + logs.stderr, needles), []);
  assert.deepEqual(scanDir(server.dataDir, needles).leaks, [], 'the leaked file is not kept in the data directory');
});

void test('a build that writes a build secret base64-encoded (at any offset), hex-encoded or URL-encoded fails at build, naming the encoding', async (t) => {
  const { server, repo } = await buildSecretServer(t);
  await grantSecrets(server, 'encoded', ['build', 'cfg']);
  assert.equal((await server.cli(['project', 'add', 'encoded', '--repo', repo.dir, '--branch', 'main'])).code, 0);
  assert.equal((await server.waitRun('encoded', repo.head(), 90_000)).state, 'succeeded', 'a build that leaves nothing passes');
  const writes: Array<[string, string, string]> = [
    // Inside a longer base64 blob, the value at offsets 0, 1 and 2 modulo 3 (each alignment encodes differently).
    ['base64 at offset 5', `printf 'AUTH=%s\\n' "$TOKEN" | base64 -w0 > conf/env.b64`, 'base64'],
    ['base64 at offset 6', `printf 'TOKEN=%s' "$TOKEN" | base64 -w0 > conf/env.b64`, 'base64'],
    ['base64 at offset 7', `printf 'SECRET=%s' "$TOKEN" | base64 -w0 | tr '+/' '-_' > conf/env.b64`, 'base64'],
    ['hex', `printf '%s' "$TOKEN" | od -An -tx1 | tr -d ' \\n' > conf/env.hex`, 'hex'],
    ['URL-encoded', `node -e 'console.log("https://x.test/?t=" + encodeURIComponent(process.env.TOKEN))' > conf/env.url`, 'URL-encoded'],
  ];
  for (const [what, command, encoding] of writes) {
    const leaky = files('v1', '    secrets: [cfg]', 'buildSecrets: [build]\n');
    leaky['sluice.yaml'] = leaky['sluice.yaml']!.replace('  - run: echo building', `  - run: mkdir -p conf && ${command}`);
    const sha = repo.commit(`leak the token as ${what}`, leaky);
    const run = await server.waitRun('encoded', sha, 90_000);
    assert.equal(run.state, 'failed', `${what}: ${JSON.stringify(run)}`);
    const build = run.stages.find((s) => s.name === 'build');
    assert.equal(build?.state, 'failed', what);
    assert.match(build.reason ?? '', new RegExp(`secret TOKEN \\(${encoding}\\) in conf/env\\.`), what);
  }
});
