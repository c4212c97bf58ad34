// Configuration travels with releases: a release records secret references (group, key,
// version) and plain env; a rollback puts back the configuration of the release it restores;
// changing a secret deploys nothing by itself, `sluice redeploy` takes its new version.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { sleep, TestRepo, TestServer, viaRouter } from './harness.ts';
import { prodBody } from './fixtures.ts';
import { grantSecrets, leaksIn, needlesOf, prodSecretSha, randomSecret, secretAppJs, setSecret, sha256 } from './secrets-kit.ts';

interface Ref {
  group: string;
  key: string;
  version: number;
}
interface Release {
  number: number;
  commit: string;
  artifact: string;
  state: string;
  rolledBackFrom?: number;
  config: { secretRefs: Ref[]; services: Array<{ name: string; env: Record<string, string> }> };
  changes: { added: string[]; removed: string[]; changed: string[]; secrets: Array<{ key: string; group: string; from: number | null; to: number | null }> };
}

function files(plain: string): Record<string, string> {
  const spec = `build:
  - run: echo building
test:
  - name: unit
    run: test -s server.js
services:
  web:
    start: node server.js
    health: /healthz
environments:
  staging:
    secrets: [cfg]
    verify:
      - run: curl -fsS "$SLUICE_URL/healthz"
  production:
    secrets: [cfg]
    env: {"PLAIN": "${plain}"}
    bake: 0
`;
  return { 'sluice.yaml': spec, 'server.js': secretAppJs, VERSION: 'v1\n' };
}

/** A server with cfg/DB_PASSWORD (version 1) and cfg/OTHER set, then the project deployed once. */
async function deployed(t: TestContext, name: string, v1: string): Promise<{ server: TestServer; repo: TestRepo }> {
  const server = await TestServer.start();
  const repo = new TestRepo(files('a'));
  t.after(async () => {
    await server.close();
    repo.remove();
  });
  assert.equal(await setSecret(server, 'cfg', 'DB_PASSWORD', v1), 1);
  assert.equal(await setSecret(server, 'cfg', 'OTHER', randomSecret()), 1);
  await grantSecrets(server, name, ['cfg']);
  const added = await server.cli(['project', 'add', name, '--repo', repo.dir]);
  assert.equal(added.code, 0, added.stderr);
  const run = await server.waitRun(name, repo.head(), 90_000);
  assert.equal(run.state, 'succeeded', JSON.stringify(run));
  return { server, repo };
}

const refsOf = (r: Release): string[] => r.config.secretRefs.map((x) => `${x.group}/${x.key}@${x.version}`).sort();

void test('a rollback restores the configuration of the release it puts back: secret versions and plain env', async (t) => {
  const v1 = randomSecret();
  const v2 = randomSecret();
  const { server, repo } = await deployed(t, 'conf', v1);
  const releases = async (): Promise<Release[]> => server.json<Release[]>(['releases', 'conf', '--env', 'production']);

  assert.equal(await prodSecretSha(server, 'conf'), sha256(v1));
  assert.equal(await prodBody(server, 'conf', '/plain'), 'a\n');
  const [r1] = await releases();
  assert.deepEqual(refsOf(r1!), ['cfg/DB_PASSWORD@1', 'cfg/OTHER@1']);

  // New secret version and new plain value, with a new commit: release 2 runs with both.
  assert.equal(await setSecret(server, 'cfg', 'DB_PASSWORD', v2), 2);
  const sha2 = repo.commit('plain b', files('b'));
  assert.equal((await server.waitRun('conf', sha2, 90_000)).state, 'succeeded');
  assert.equal(await prodSecretSha(server, 'conf'), sha256(v2));
  assert.equal(await prodBody(server, 'conf', '/plain'), 'b\n');
  const [r2] = await releases();
  assert.equal(r2!.number, 2);
  assert.deepEqual(refsOf(r2!), ['cfg/DB_PASSWORD@2', 'cfg/OTHER@1']);
  assert.deepEqual(r2!.changes.secrets, [{ key: 'DB_PASSWORD', group: 'cfg', from: 1, to: 2 }]);
  assert.deepEqual(r2!.changes.changed, ['web.PLAIN']);
  assert.deepEqual([r2!.changes.added, r2!.changes.removed], [[], []]);

  const back = await server.cli(['rollback', 'conf', '--env', 'production', '--json']);
  assert.equal(back.code, 0, back.stderr);
  const after = await releases();
  const r3 = after[0]!;
  assert.deepEqual([r3.number, r3.rolledBackFrom, r3.commit, r3.artifact, r3.state], [3, 2, r1!.commit, r1!.artifact, 'live']);
  assert.deepEqual(refsOf(r3), refsOf(r1!), 'release 3 holds the secret references of release 1');
  assert.equal(r3.config.services[0]!.env.PLAIN, 'a');
  assert.deepEqual(r3.changes.secrets, [{ key: 'DB_PASSWORD', group: 'cfg', from: 2, to: 1 }]);
  assert.deepEqual(r3.changes.changed, ['web.PLAIN']);
  assert.equal(await prodSecretSha(server, 'conf'), sha256(v1), 'the app gets the old secret value');
  assert.equal(await prodBody(server, 'conf', '/plain'), 'a\n', 'and the old plain value');

  // The secret itself is unchanged by the rollback; no answer carries a value.
  const list = await server.cli(['secret', 'list', 'cfg', '--json']);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(
    (JSON.parse(list.stdout) as Array<{ key: string; version: number }>).map((s) => [s.key, s.version]),
    [
      ['DB_PASSWORD', 2],
      ['OTHER', 1],
    ],
  );
  const text = (await server.cli(['releases', 'conf', '--env', 'production', '--json'])).stdout;
  assert.deepEqual(leaksIn(text + back.stdout + list.stdout, needlesOf({ v1, v2 })), []);
});

void test('changing a secret does not redeploy; `sluice redeploy` makes a release with its new version (only in that environment)', async (t) => {
  const v1 = randomSecret();
  const v2 = randomSecret();
  const { server } = await deployed(t, 'redo', v1);
  const releases = async (env: string): Promise<Release[]> => server.json<Release[]>(['releases', 'redo', '--env', env]);
  const stagingSha = async (): Promise<string> => (await viaRouter(server.routerPort, 'staging.redo.localhost', '/secret-sha')).body.trim();
  const [r1] = await releases('production');
  assert.equal(await stagingSha(), sha256(v1));

  assert.equal(await setSecret(server, 'cfg', 'DB_PASSWORD', v2), 2);
  await sleep(5000); // several poll intervals (1 s): nothing may happen on its own
  assert.deepEqual(
    (await releases('production')).map((r) => r.number),
    [1],
  );
  assert.equal((await releases('staging')).length, 1);
  assert.equal((await server.json<unknown[]>(['runs', 'redo'])).length, 1, 'no new run');
  assert.equal(await prodSecretSha(server, 'redo'), sha256(v1), 'production still runs with version 1');

  const redo = await server.cli(['redeploy', 'redo', '--env', 'production', '--json']);
  assert.equal(redo.code, 0, redo.stderr);
  const r2 = JSON.parse(redo.stdout) as Release;
  assert.equal(r2.number, 2);
  assert.deepEqual(refsOf(r2), ['cfg/DB_PASSWORD@2', 'cfg/OTHER@1']);
  assert.deepEqual([r2.commit, r2.artifact], [r1!.commit, r1!.artifact], 'same code, no rebuild');
  assert.equal(await prodSecretSha(server, 'redo'), sha256(v2));
  const [listed] = await releases('production');
  assert.deepEqual([listed!.number, listed!.state], [2, 'live']);
  assert.deepEqual(listed!.changes.secrets, [{ key: 'DB_PASSWORD', group: 'cfg', from: 1, to: 2 }]);
  assert.deepEqual(listed!.changes.changed, []);
  // Staging was not asked: still its one release, with the old value.
  assert.equal((await releases('staging')).length, 1);
  assert.equal(await stagingSha(), sha256(v1));
  assert.deepEqual(leaksIn(redo.stdout + redo.stderr, needlesOf({ v1, v2 })), []);
});
