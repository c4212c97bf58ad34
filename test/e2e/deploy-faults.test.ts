// Bad services: a start command that exits at once and a service that never answers its
// health path. The run fails with the reason, the rollout stops, the old release keeps
// serving, and no instance of the bad release is left running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alive, viaRouter, type RunJson, type TestServer } from './harness.ts';
import { appFiles, dataPlaneInstances, deployedProject, envStatus, prodBody, type ReleaseJson } from './fixtures.ts';

async function assertOldReleaseServes(server: TestServer, project: string, failedSha: string, goodSha: string): Promise<void> {
  for (const env of ['staging', 'production']) {
    const s = await envStatus(server, project, env);
    assert.equal(s.release?.commit, goodSha, `${env}: ${JSON.stringify(s)}`);
    assert.equal(s.state, 'healthy', `${env}: ${JSON.stringify(s)}`);
    assert.deepEqual(await viaRouter(server.routerPort, `${env}.${project}.localhost`), { status: 200, body: 'v1' }, env);
  }
  assert.equal(await prodBody(server, project), 'v1');
  const staging = await server.json<ReleaseJson[]>(['releases', project, '--env', 'staging']);
  const bad = staging.find((r) => r.commit === failedSha);
  assert.equal(bad?.state, 'failed', JSON.stringify(staging));
  const prodReleases = await server.json<ReleaseJson[]>(['releases', project, '--env', 'production']);
  assert.ok(!prodReleases.some((r) => r.commit === failedSha), 'production never got the bad release');
  // Nothing of the bad release runs: not listed by the data plane, no process alive.
  const leftovers = (await dataPlaneInstances(server)).filter((i) => i.labels.project === project && i.labels.release === String(bad.number));
  assert.deepEqual(
    leftovers.filter((i) => i.state !== 'stopped' || (i.pid !== null && alive(i.pid))),
    [],
    'instances of the failed release are still running',
  );
}

function failedDeploy(run: RunJson): RunJson['stages'][number] {
  assert.equal(run.state, 'failed', JSON.stringify(run));
  const stage = run.stages.find((s) => s.name === 'deploy:staging');
  assert.equal(stage?.state, 'failed', JSON.stringify(run.stages));
  assert.equal(run.stages.find((s) => s.name === 'deploy:production')?.state, 'skipped');
  return stage;
}

void test('a start command that exits at once fails the run with its exit code; the old release keeps serving', async (t) => {
  const { server, repo, first } = await deployedProject(t, 'quitter', appFiles('v1'));
  const sha = repo.commit('exits at once', appFiles('v2', { start: 'node -e "process.exit(3)"' }));
  const run = await server.waitRun('quitter', sha, 120_000);
  const stage = failedDeploy(run);
  assert.match(run.reason ?? '', /code 3/, `run reason: ${run.reason}`);
  assert.match(stage.reason ?? '', /code 3/);
  await assertOldReleaseServes(server, 'quitter', sha, first.commit);
});

void test('a service that never passes its health check fails the run naming the check; the old release keeps serving', async (t) => {
  const { server, repo, first } = await deployedProject(t, 'sickly', appFiles('v1'));
  const sha = repo.commit('never healthy', { ...appFiles('v2', { health: '{path: /healthz, deadline: 3s}' }), UNHEALTHY: 'yes\n' });
  const run = await server.waitRun('sickly', sha, 120_000);
  failedDeploy(run);
  assert.match(run.reason ?? '', /health check \/healthz/, `run reason: ${run.reason}`);
  await assertOldReleaseServes(server, 'sickly', sha, first.commit);
});
