// Gates before production: a failed staging verification stops the run before production is
// touched; `approval: true` makes a run wait for a person (approve, reject, supersede).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { viaRouter, type RunJson } from './harness.ts';
import { appFiles, deployedProject, envStatus, pipeline, prodBody, prodHost, registeredProject, waitRunState, type ReleaseJson } from './fixtures.ts';

const stage = (run: RunJson, name: string): RunJson['stages'][number] => {
  const s = run.stages.find((x) => x.name === name);
  assert.ok(s, `no stage ${name} in ${JSON.stringify(run.stages.map((x) => x.name))}`);
  return s;
};

void test('a commit that fails staging verification never changes production', async (t) => {
  const { server, repo, first } = await deployedProject(t, 'verified', appFiles('v1'));
  assert.equal(await prodBody(server, 'verified'), 'v1');
  const sha = repo.commit('v2 that fails its smoke test', { VERSION: 'v2\n', 'sluice.yaml': pipeline({ verify: 'exit 1' }) });
  const run = await server.waitRun('verified', sha);
  assert.equal(run.state, 'failed', JSON.stringify(run));
  assert.equal(stage(run, 'deploy:staging').state, 'succeeded');
  const verify = stage(run, 'verify:staging');
  assert.equal(verify.state, 'failed');
  assert.equal(verify.steps?.[0]?.exitCode, 1, JSON.stringify(run, null, 1));
  assert.equal(stage(run, 'deploy:production').state, 'skipped');
  const prod = await envStatus(server, 'verified', 'production');
  assert.equal(prod.release?.commit, first.commit);
  assert.equal(prod.release?.number, 1);
  assert.equal(prod.state, 'healthy');
  assert.equal(await prodBody(server, 'verified'), 'v1');
  const releases = await server.json<ReleaseJson[]>(['releases', 'verified', '--env', 'production']);
  assert.deepEqual(
    releases.map((r) => r.commit),
    [first.commit],
    'no production release for the failed commit',
  );
});

void test('approval: true waits for a person; approve deploys, reject cancels, a newer run supersedes a waiting one', async (t) => {
  // The actor is the token's name: the harness acts as the server's first admin token.
  const actor = 'admin';
  const files = (v: string): Record<string, string> => appFiles(v, { approval: true });
  const { server, repo } = await registeredProject(t, 'gated', files('v1'));
  const waitState = (sha: string, state: string): Promise<RunJson> => waitRunState(server, 'gated', sha, state);

  const run1 = await waitState(repo.head(), 'waiting');
  assert.equal(stage(run1, 'deploy:staging').state, 'succeeded');
  assert.equal(stage(run1, 'approval:production').state, 'waiting');
  assert.equal(stage(run1, 'deploy:production').state, 'pending');
  const prod0 = await envStatus(server, 'gated', 'production').catch(() => null);
  assert.ok(prod0 === null || prod0.release === null, `production got a release before approval: ${JSON.stringify(prod0)}`);
  assert.notEqual((await viaRouter(server.routerPort, prodHost('gated'))).status, 200);
  assert.deepEqual(await viaRouter(server.routerPort, 'staging.gated.localhost'), { status: 200, body: 'v1' });

  const approved = await server.cli(['approve', run1.id]);
  assert.equal(approved.code, 0, approved.stderr);
  const done1 = await server.waitRun('gated', run1.commit);
  assert.equal(done1.state, 'succeeded', JSON.stringify(done1));
  assert.equal((done1 as RunJson & { approvedBy?: string }).approvedBy, actor);
  assert.ok((done1 as RunJson & { approvedAt?: string }).approvedAt);
  assert.equal(await prodBody(server, 'gated'), 'v1');

  // Reject: the run ends cancelled with the reason; production keeps v1.
  const sha2 = repo.commit('v2', files('v2'));
  const run2 = await waitState(sha2, 'waiting');
  const rejected = await server.cli(['reject', run2.id, '--reason', 'not on a friday']);
  assert.equal(rejected.code, 0, rejected.stderr);
  const done2 = await server.json<RunJson>(['run', run2.id]);
  assert.equal(done2.state, 'cancelled');
  assert.match(done2.reason ?? '', /rejected/);
  assert.match(done2.reason ?? '', /not on a friday/);
  assert.equal(stage(done2, 'deploy:production').state, 'skipped');
  assert.equal(await prodBody(server, 'gated'), 'v1');
  const again = await server.cli(['approve', run2.id]);
  assert.equal(again.code, 1, 'a rejected run cannot be approved');

  // A newer run reaching the gate supersedes the one waiting there.
  const sha3 = repo.commit('v3', files('v3'));
  const run3 = await waitState(sha3, 'waiting');
  const sha4 = repo.commit('v4', files('v4'));
  const run4 = await waitState(sha4, 'waiting');
  const done3 = await server.json<RunJson>(['run', run3.id]);
  assert.equal(done3.state, 'superseded', JSON.stringify(done3));
  assert.match(done3.reason ?? '', new RegExp(`#${run4.number}`));
  assert.equal(await prodBody(server, 'gated'), 'v1', 'nothing reached production while waiting');
  assert.equal((await server.cli(['approve', run3.id])).code, 1, 'a superseded run cannot be approved');
  assert.equal((await server.cli(['approve', run4.id])).code, 0);
  const done4 = await server.waitRun('gated', sha4);
  assert.equal(done4.state, 'succeeded', JSON.stringify(done4));
  assert.equal(await prodBody(server, 'gated'), 'v4');
  const releases = await server.json<ReleaseJson[]>(['releases', 'gated', '--env', 'production']);
  assert.deepEqual(releases.map((r) => r.commit), [sha4, run1.commit]);
});
