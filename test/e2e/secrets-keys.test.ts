// The master key: rotation keeps every secret readable and the app serving, survives restarts of
// the server and of the data plane, and leaves the old key nowhere; a wrong, malformed, exposed
// or missing key stops the start with an error that names the problem, and changes nothing.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { alive, runCli, sleep, TestRepo, TestServer, viaRouter } from './harness.ts';
import { prodHost } from './fixtures.ts';
import { grantSecrets, inBatches, prodSecretSha, randomSecret, scanDir, secretAppJs, serverExpectingExit, setSecret, sha256 } from './secrets-kit.ts';

const spec = `build:
  - run: echo building
services:
  web:
    start: node server.js
    health: /healthz
environments:
  production:
    secrets: [cfg]
    bake: 0
`;

interface Planted {
  server: TestServer;
  values: Record<string, string>;
}

/** A server (env added to its environment), secrets in two groups, and a project deployed with cfg. */
async function planted(t: TestContext, name: string, env: Record<string, string> = {}): Promise<Planted> {
  const server = await TestServer.start([], env);
  const repo = new TestRepo({ 'sluice.yaml': spec, 'server.js': secretAppJs, VERSION: 'v1\n' });
  t.after(async () => {
    await server.close();
    repo.remove();
  });
  const values: Record<string, string> = { 'cfg/DB_PASSWORD': randomSecret() };
  for (let i = 0; i < 5; i++) values[`other/K${i}`] = randomSecret();
  await inBatches(Object.keys(values), 6, (gk) => setSecret(server, gk.split('/')[0]!, gk.split('/')[1]!, values[gk]!));
  await grantSecrets(server, name, ['cfg']);
  const added = await server.cli(['project', 'add', name, '--repo', repo.dir]);
  assert.equal(added.code, 0, added.stderr);
  const run = await server.waitRun(name, repo.head(), 90_000);
  assert.equal(run.state, 'succeeded', JSON.stringify(run));
  assert.equal(await prodSecretSha(server, name), sha256(values['cfg/DB_PASSWORD']!));
  return { server, values };
}

async function assertReadable(server: TestServer, values: Record<string, string>): Promise<void> {
  for (const [gk, v] of Object.entries(values)) {
    const r = await server.cli(['secret', 'get', ...gk.split('/')]);
    assert.equal(r.code, 0, `secret get ${gk}: ${r.stderr}`);
    assert.equal(r.stdout, `${v}\n`, gk);
  }
}

/** Stops the data plane (and its instances) and the server, keeping the data directory. */
async function stopAll(server: TestServer): Promise<void> {
  const dp = server.dataPlanePid();
  await runCli(['down', '--data', server.dataDir], { timeoutMs: 30_000 });
  for (let i = 0; dp && alive(dp) && i < 150; i++) await sleep(100);
  if (dp) assert.equal(alive(dp), false, 'the data plane stopped');
  await server.stopGracefully();
}

const modeOf = (file: string): number => fs.statSync(file).mode & 0o777;

void test('rotate-key: a new key file (0600), every secret readable, the app serving throughout, restarts of server and data plane work, the old key is gone', async (t) => {
  const { server, values } = await planted(t, 'rot');
  const keyFile = path.join(server.dataDir, 'master.key');
  const oldKey = fs.readFileSync(keyFile);
  assert.equal(modeOf(keyFile), 0o600);

  // Requests keep being answered, with the right value, while the key rotates.
  let stop = false;
  let answered = 0;
  const failures: string[] = [];
  const want = `${sha256(values['cfg/DB_PASSWORD']!)}\n`;
  const probe = (async () => {
    while (!stop) {
      const r = await viaRouter(server.routerPort, prodHost('rot'), '/secret-sha').catch((e: unknown) => ({ status: 0, body: String(e) }));
      if (r.status !== 200 || r.body !== want) failures.push(`${r.status} ${r.body}`);
      answered += 1;
      await sleep(20);
    }
  })();
  const rotated = await server.cli(['secret', 'rotate-key', '--json']);
  await sleep(300);
  stop = true;
  await probe;
  assert.equal(rotated.code, 0, rotated.stderr);
  assert.ok(answered > 0);
  assert.deepEqual(failures, [], 'the app kept serving during the rotation');

  const newKey = fs.readFileSync(keyFile);
  assert.notDeepEqual(newKey, oldKey, 'the key file holds a new key');
  assert.equal(modeOf(keyFile), 0o600);
  assert.equal(fs.existsSync(`${keyFile}.next`), false);
  const out = JSON.parse(rotated.stdout) as { fingerprint: string; keyFile: string };
  assert.equal(out.keyFile, keyFile);
  assert.doesNotMatch(rotated.stdout, new RegExp(newKey.toString().trim().replace(/[+/=]/g, '.')), 'the key itself is not printed');
  await assertReadable(server, values);

  // A value set after the rotation, then a restart of the server alone.
  values['cfg/DB_PASSWORD'] = randomSecret();
  await setSecret(server, 'cfg', 'DB_PASSWORD', values['cfg/DB_PASSWORD']);
  await server.stopGracefully();
  await server.launch();
  await assertReadable(server, values);
  const redo = await server.cli(['redeploy', 'rot', '--env', 'production']);
  assert.equal(redo.code, 0, redo.stderr);
  assert.equal(await prodSecretSha(server, 'rot'), sha256(values['cfg/DB_PASSWORD']));

  // Everything stopped and started again: the data plane reopens its sealed state with the new key.
  await stopAll(server);
  await server.launch();
  await assertReadable(server, values);
  assert.equal(await servedSha(server, 'rot'), sha256(values['cfg/DB_PASSWORD']));

  // The old key, in any spelling, is in no file of the data directory.
  const old = Buffer.from(oldKey.toString().trim(), 'base64');
  assert.equal(old.length, 32);
  const scan = scanDir(server.dataDir, [
    { label: 'old key (base64)', bytes: Buffer.from(old.toString('base64')) },
    { label: 'old key (hex)', bytes: Buffer.from(old.toString('hex')) },
    { label: 'old key (raw)', bytes: old },
  ]);
  assert.deepEqual(scan.leaks, []);
});

/** Waits for production to answer /secret-sha (instances may be restarting) and returns it. */
async function servedSha(server: TestServer, project: string): Promise<string> {
  return server.waitFor(
    `${project} production serving`,
    async () => {
      const r = await viaRouter(server.routerPort, prodHost(project), '/secret-sha').catch(() => null);
      return r?.status === 200 ? r.body.trim() : undefined;
    },
    30_000,
  );
}

void test('SLUICE_MASTER_KEY rotated by restart (old key in SLUICE_PREVIOUS_MASTER_KEY), with the data plane kept or restarted: secrets readable, instances keep their secrets', async (t) => {
  const k1 = randomBytes(32).toString('hex');
  const k2 = randomBytes(32).toString('base64');
  const k3 = randomBytes(32).toString('base64url').replace(/=+$/, '');
  // The harness keeps this object as the server's extra environment: changing it changes the next launch.
  const env: Record<string, string> = { SLUICE_MASTER_KEY: k1 };
  const { server, values } = await planted(t, 'envrot', env);
  const want = sha256(values['cfg/DB_PASSWORD']!);
  assert.equal(fs.existsSync(path.join(server.dataDir, 'master.key')), false, 'no key file when the key comes from the environment');
  const refused = await server.cli(['secret', 'rotate-key']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /SLUICE_PREVIOUS_MASTER_KEY/);

  // k1 → k2 restarting the server only: the data plane (started under k1) keeps serving.
  await server.stopGracefully();
  Object.assign(env, { SLUICE_MASTER_KEY: k2, SLUICE_PREVIOUS_MASTER_KEY: k1 });
  await server.launch();
  await assertReadable(server, values);
  assert.equal(await servedSha(server, 'envrot'), want);
  // Then everything restarted with k2 alone: the data plane must reopen the state it sealed.
  await stopAll(server);
  delete env.SLUICE_PREVIOUS_MASTER_KEY;
  await server.launch();
  await assertReadable(server, values);
  assert.equal(await servedSha(server, 'envrot'), want);

  // k2 → k3 with everything restarted at once (a fresh data plane finds state sealed under k2).
  await stopAll(server);
  Object.assign(env, { SLUICE_MASTER_KEY: k3, SLUICE_PREVIOUS_MASTER_KEY: k2 });
  await server.launch();
  await assertReadable(server, values);
  assert.equal(await servedSha(server, 'envrot'), want);
  await stopAll(server);
  delete env.SLUICE_PREVIOUS_MASTER_KEY;
  await server.launch();
  await assertReadable(server, values);
  assert.equal(await servedSha(server, 'envrot'), want);

  // An old key alone no longer opens anything.
  await server.stopGracefully();
  const stale = await serverExpectingExit(server.dataDir, { SLUICE_MASTER_KEY: k2, SLUICE_PREVIOUS_MASTER_KEY: undefined });
  assert.equal(stale.code, 1, stale.output);
  assert.match(stale.output, /master key does not open/i);
  await server.launch(); // close() ends the data plane and this server
});

void test('a wrong, malformed, exposed or missing master key stops the start with a clear error and changes nothing', async (t) => {
  const server = await TestServer.start();
  t.after(() => server.close());
  const values: Record<string, string> = { 'cfg/DB_PASSWORD': randomSecret(), 'cfg/API_TOKEN': randomSecret() };
  for (const [gk, v] of Object.entries(values)) await setSecret(server, gk.split('/')[0]!, gk.split('/')[1]!, v);
  await server.stopGracefully();
  const keyFile = path.join(server.dataDir, 'master.key');
  const key = fs.readFileSync(keyFile);
  const noStack = (output: string): void => assert.doesNotMatch(output, /^\s+at .+\(.*:\d+:\d+\)$/m, `a message, not a stack trace: ${output}`);

  const wrong = await serverExpectingExit(server.dataDir, { SLUICE_MASTER_KEY: '0'.repeat(64), SLUICE_PREVIOUS_MASTER_KEY: undefined });
  assert.equal(wrong.code, 1, wrong.output);
  assert.match(wrong.output, /master key does not open/i);
  noStack(wrong.output);

  const malformed = await serverExpectingExit(server.dataDir, { SLUICE_MASTER_KEY: 'not-a-key', SLUICE_PREVIOUS_MASTER_KEY: undefined });
  assert.equal(malformed.code, 1, malformed.output);
  assert.match(malformed.output, /SLUICE_MASTER_KEY is not a 32-byte key/);
  noStack(malformed.output);

  fs.chmodSync(keyFile, 0o644);
  const exposed = await serverExpectingExit(server.dataDir, { SLUICE_MASTER_KEY: undefined, SLUICE_PREVIOUS_MASTER_KEY: undefined });
  fs.chmodSync(keyFile, 0o600);
  assert.equal(exposed.code, 1, exposed.output);
  assert.match(exposed.output, /chmod 600/);
  noStack(exposed.output);

  // The key file lost (not backed up): an error, and no new key file is made up in its place.
  fs.renameSync(keyFile, `${keyFile}.away`);
  const missing = await serverExpectingExit(server.dataDir, { SLUICE_MASTER_KEY: undefined, SLUICE_PREVIOUS_MASTER_KEY: undefined });
  const madeUp = fs.existsSync(keyFile);
  fs.rmSync(keyFile, { force: true });
  fs.renameSync(`${keyFile}.away`, keyFile);
  assert.equal(missing.code, 1, missing.output);
  assert.match(missing.output, /master key/i);
  noStack(missing.output);
  assert.equal(madeUp, false, `a new key file was created for a data directory whose secrets it cannot open: ${missing.output}`);

  // Nothing changed: the same key file opens every secret.
  assert.deepEqual(fs.readFileSync(keyFile), key);
  await server.launch();
  await assertReadable(server, values);
});
