// The 50-secret test: 50 random secrets across groups, printed by a build and by instances in
// every spelling a leak takes (plain, base64, URL-encoded, inside URLs, split across two writes,
// JSON). None may be found in a stored log line, an API answer, a release, an artifact, or the
// bytes of any file under the data directory or the server's TMPDIR; the redacted lines are
// still there with `***`, and the app really got its values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { authHeaders, tempDir, TestRepo, TestServer, type CliResult } from './harness.ts';
import { dataPlaneInstances } from './fixtures.ts';
import { grantSecrets, inBatches, leaksIn, needlesOf, prodSecretSha, randomSecret, scanDir, secretAppJs, setSecret, sha256 } from './secrets-kit.ts';

interface LogJson {
  stream: string;
  line: string;
}

const pad = (n: number): string => String(n).padStart(2, '0');
const buildKeys = Array.from({ length: 20 }, (_, i) => `B${pad(i + 1)}`);
const envKeys = [...Array.from({ length: 29 }, (_, i) => `E${pad(i + 1)}`), 'DB_PASSWORD'];
/** Which group each key goes to. */
const groupOf = (key: string): string => {
  if (key.startsWith('B')) return Number(key.slice(1)) <= 10 ? 'build-a' : 'build-b';
  if (key === 'DB_PASSWORD') return 'prod';
  return Number(key.slice(1)) <= 15 ? 'shared' : 'prod';
};

// Every spelling of each variable named in $keys, printed by bash and node (one line each).
const printForms = (keys: string[], withFiles: boolean): string => `set -eu
keys="${keys.join(' ')}"
for k in $keys; do
  v="\${!k}"
  echo "plain $k=$v"
  printf '%s' "$v" | base64
  echo "b64 $k $(printf '%s' "$v" | base64)"
  echo "clone https://user:$v@example.test/x.git"
  echo "token https://$v@example.test/y"
  printf %s "split $k \${v:0:5}"; printf '%s\\n' "\${v:5}"
  ${withFiles ? `echo "file $k $(cat "$SLUICE_SECRETS_DIR/$k")"` : ':'}
done
node -e 'for (const k of process.argv.slice(1)) console.log("url " + k + " " + encodeURIComponent(process.env[k]))' $keys
node -e 'for (const k of process.argv.slice(1)) console.log("json " + JSON.stringify({ [k]: process.env[k] }))' $keys
`;

const spec = `buildSecrets: [build-a, build-b]
build:
  - run: bash build.sh
test:
  - name: unit
    run: test -s server.js
services:
  web:
    start: bash start.sh
    health: /healthz
    env: {"REF_SECRET": "\${{ secrets.E07 }}", "PLAIN": "visible"}
environments:
  staging:
    secrets: [shared, prod]
    verify:
      - run: curl -fsS "$SLUICE_URL/healthz"
  production:
    secrets: [shared, prod]
    bake: 0
`;

void test('50 random secrets printed in every form by builds and instances are found nowhere, redacted lines remain, the app gets the values', async (t) => {
  const serverTmp = tempDir('server-tmp');
  const server = await TestServer.start([], { TMPDIR: serverTmp });
  const repo = new TestRepo({
    'sluice.yaml': spec,
    'server.js': secretAppJs,
    VERSION: 'v1\n',
    PRINT_ENV: 'leak-check\n',
    'build.sh': `${printForms(buildKeys, true)}mkdir -p out && echo built > out/ok.txt\n`,
    'start.sh': `${printForms([...envKeys, 'REF_SECRET'], false)}exec node server.js\n`,
  });
  t.after(async () => {
    await server.close();
    repo.remove();
    fs.rmSync(serverTmp, { recursive: true, force: true });
  });

  const secrets: Record<string, string> = {};
  // A few values without special characters too: the plain spelling is then the URL-encoded one.
  for (const [i, key] of [...buildKeys, ...envKeys].entries()) secrets[key] = randomSecret(i % 7 !== 3);
  assert.equal(Object.keys(secrets).length, 50);
  assert.equal(new Set(Object.values(secrets)).size, 50);
  await inBatches(Object.keys(secrets), 25, (key) => setSecret(server, groupOf(key), key, secrets[key]!));
  const needles = needlesOf(secrets);

  await grantSecrets(server, 'vault', ['build-a', 'build-b', 'shared', 'prod']);
  const added = await server.cli(['project', 'add', 'vault', '--repo', repo.dir]);
  assert.equal(added.code, 0, added.stderr);
  const run = await server.waitRun('vault', repo.head(), 120_000);
  assert.equal(run.state, 'succeeded', JSON.stringify(run));

  // The app really got its values: DB_PASSWORD through the router, every variable in its process.
  assert.equal(await prodSecretSha(server, 'vault'), sha256(secrets.DB_PASSWORD!));
  const prod = (await dataPlaneInstances(server)).find((i) => i.labels.project === 'vault' && i.labels.environment === 'production' && i.state === 'ready');
  assert.ok(prod?.pid, 'a running production instance');
  const environ = new Map(
    fs
      .readFileSync(`/proc/${prod.pid}/environ`, 'utf8')
      .split('\0')
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const),
  );
  for (const key of envKeys) assert.equal(environ.get(key), secrets[key], `instance variable ${key}`);
  assert.equal(environ.get('REF_SECRET'), secrets.E07, '${{ secrets.E07 }} resolved');
  assert.equal(environ.get('PLAIN'), 'visible');
  for (const key of buildKeys) assert.equal(environ.has(key), false, `build secret ${key} is not given to instances`);

  // Every API answer we can fetch, through the CLI (text and JSON) and plain HTTP.
  const answers: Array<[string, string]> = [];
  const cli = async (args: string[]): Promise<CliResult> => {
    const r = await server.cli(args);
    assert.equal(r.code, 0, `sluice ${args.join(' ')}: ${r.stderr}`);
    answers.push([`sluice ${args.join(' ')}`, r.stdout + r.stderr]);
    return r;
  };
  const runLogs = (await cli(['logs', run.id, '--json'])).stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as LogJson);
  await cli(['logs', run.id]);
  const instanceLogs = await server.waitFor(
    'the production instance output with every variable',
    async () => {
      const r = await server.cli(['logs', 'vault', '--env', 'production', '--json']);
      const lines = r.stdout.split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as LogJson).line);
      return envKeys.every((k) => lines.includes(`${k}=***`)) && lines.some((l) => l.startsWith('json {"DB_PASSWORD"')) ? lines : undefined;
    },
    30_000,
  );
  await cli(['logs', 'vault', '--env', 'production', '--json']);
  await cli(['logs', 'vault', '--env', 'staging', '--json']);
  // The CLI's text and JSON for a few commands, the HTTP API for everything else (same answers, less process start-up).
  for (const args of [
    ['status', 'vault'],
    ['releases', 'vault', '--env', 'production'],
    ['secret', 'list', 'prod'],
    ['run', run.id],
  ]) {
    await cli(args);
    await cli([...args, '--json']);
  }
  await cli(['secret', 'list']);
  const api = [
    '/api/projects',
    '/api/projects/vault',
    '/api/projects/vault/status',
    '/api/projects/vault/runs',
    `/api/runs/${run.id}`,
    `/api/runs/${run.id}/logs`,
    '/api/projects/vault/previews',
    '/api/secrets',
    ...['build-a', 'build-b', 'shared', 'prod'].map((g) => `/api/secrets/${g}`),
    ...['staging', 'production'].flatMap((e) => ['releases', 'rollout', 'logs'].map((what) => `/api/projects/vault/environments/${e}/${what}`)),
  ];
  for (const p of api) {
    const res = await fetch(`${server.url}${p}`, { headers: authHeaders(server.url) });
    assert.equal(res.status, 200, p);
    answers.push([`GET ${p}`, await res.text()]);
  }
  for (const [what, text] of answers) assert.deepEqual(leaksIn(text, needles), [], `${what} shows a secret`);
  assert.deepEqual(leaksIn(server.log, needles), [], 'the server output shows a secret');
  // The one way out, for an admin: and the scan does see a value where there is one.
  const got = await server.cli(['secret', 'get', 'prod', 'DB_PASSWORD']);
  assert.equal(got.stdout, `${secrets.DB_PASSWORD}\n`);
  assert.ok(leaksIn(got.stdout, needles).includes('DB_PASSWORD (form 0)'));

  // The redacted lines are still stored, with *** where the values were.
  const lines = runLogs.map((l) => l.line);
  for (const key of buildKeys) {
    assert.ok(lines.includes(`plain ${key}=***`), `plain ${key} redacted: ${lines.filter((l) => l.includes(key)).join(' | ')}`);
    assert.ok(lines.includes(`split ${key} ***`), `split ${key} redacted`);
    assert.ok(lines.includes(`b64 ${key} ***`), `b64 ${key} redacted`);
    assert.ok(lines.includes(`file ${key} ***`), `file ${key} redacted`);
    assert.ok(lines.includes(`url ${key} ***`), `url ${key} redacted`);
    assert.ok(lines.includes(`json {"${key}":"***"}`), `json ${key} redacted`);
  }
  // (A value with '/', '?' or a quote ends the URL pattern early; then only the value is masked.)
  assert.ok(lines.includes('clone https://***:***@example.test/x.git'), 'credentials in a URL');
  assert.ok(lines.includes('token https://***@example.test/y'), 'a token in a URL');
  assert.equal(lines.filter((l) => /^clone https:\/\/(\*\*\*|user):\*\*\*@example\.test\/x\.git$/.test(l)).length, buildKeys.length, 'every clone URL masked');
  for (const key of [...envKeys, 'REF_SECRET']) {
    assert.ok(instanceLogs.includes(`${key}=***`), `instance ${key}=*** (${instanceLogs.filter((l) => l.includes(key)).join(' | ')})`);
    assert.ok(instanceLogs.includes(`split ${key} ***`), `instance split ${key}`);
    assert.ok(instanceLogs.includes(`url ${key} ***`), `instance url ${key}`);
  }
  assert.ok(instanceLogs.includes('PLAIN=visible'), 'plain configuration is not masked');

  // Releases hold references only.
  const releases = JSON.parse((await cli(['releases', 'vault', '--env', 'production', '--json'])).stdout) as Array<{ config: { secretRefs: Array<{ group: string; key: string; version: number }> } }>;
  assert.deepEqual(
    releases[0]!.config.secretRefs.map((r) => `${r.group}/${r.key}@${r.version}`).sort(),
    envKeys.map((k) => `${groupOf(k)}/${k}@1`).sort(),
  );

  // The bytes of every file: artifacts (also unpacked), the database, logs, state, workspaces, TMPDIR.
  const artifacts = scanDir(path.join(server.dataDir, 'artifacts'), needles);
  assert.ok(artifacts.files >= 1, 'an artifact was stored');
  assert.deepEqual(artifacts.leaks, [], 'an artifact holds a secret');
  const data = scanDir(server.dataDir, needles);
  assert.ok(data.files >= 5, `the data directory holds files (${data.files})`);
  assert.ok(fs.existsSync(path.join(server.dataDir, 'sluice.db')));
  assert.deepEqual(data.leaks, [], 'a file under the data directory holds a secret');
  assert.deepEqual(scanDir(serverTmp, needles).leaks, [], "a file under the server's TMPDIR holds a secret");
  assert.deepEqual(scanDir(repo.dir, needles).leaks, [], 'the repository holds no secret (the check itself is sound)');
});
