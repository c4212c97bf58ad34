// Rolling updates under load (not one failed request) and two runs racing for the same
// environments (the newer commit wins; the older never overwrites it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appFiles, deployedProject, envStatus, prodBody, prodHost, startLoad, versionGates, waitRunState, type ReleaseJson } from './fixtures.ts';

void test('a rolling update under steady load fails no request and changes the answer', async (t) => {
  const { server, repo } = await deployedProject(t, 'steady', appFiles('v1', { instances: 2 }));
  const load = startLoad(server.routerPort, prodHost('steady'), { concurrency: 4, rps: 100, max: 3000, maxMs: 60_000 });
  let stopped = false;
  t.after(async () => {
    if (!stopped) await load.stop();
  });
  await server.waitFor('some requests before the commit', async () => load.sent() >= 50);
  const sha = repo.commit('v2', appFiles('v2', { instances: 2 }));
  const run = await server.waitRun('steady', sha);
  assert.equal(run.state, 'succeeded', JSON.stringify(run));
  const sentAtLive = load.sent();
  await server.waitFor('some requests after the rollout', async () => load.sent() >= sentAtLive + 50);
  stopped = true;
  const result = await load.stop();
  assert.equal(result.failed, 0, `${result.failed} of ${result.sent} failed: ${result.failures.join(' | ')}`);
  assert.ok((result.bodies.get('v1') ?? 0) > 0, 'v1 answered before the rollout');
  assert.ok((result.bodies.get('v2') ?? 0) > 0, `v2 answered after the rollout (${JSON.stringify([...result.bodies])}, ${result.sent} sent)`);
  assert.deepEqual([...result.bodies.keys()].sort(), ['v1', 'v2']);
  assert.equal(await prodBody(server, 'steady'), 'v2');
});

void test('two runs racing: the newer commit deploys, the older one is superseded at the deploy gate', async (t) => {
  // A's build waits at its gate until B has deployed: A is certain to reach the deploy gate last.
  const gates = await versionGates(t, ['v1', 'vB']);
  const opts = { build: gates.step };
  const { server, repo } = await deployedProject(t, 'race', appFiles('v1', opts), { args: ['--max-runs', '2'] });
  const shaA = repo.commit('A, held at its build', appFiles('vA', opts));
  const runA = await waitRunState(server, 'race', shaA, 'running', 30_000);
  const shaB = repo.commit('B, free', appFiles('vB', opts));
  const doneB = await server.waitRun('race', shaB, 120_000);
  assert.equal(doneB.state, 'succeeded', JSON.stringify(doneB));
  assert.ok(doneB.number > runA.number);
  assert.equal((await server.json<{ state: string }>(['run', runA.id])).state, 'running', 'A still held at its build');
  gates.open('vA');
  const doneA = await server.waitRun('race', shaA, 120_000);
  assert.equal(doneA.state, 'superseded', JSON.stringify(doneA));
  assert.match(doneA.reason ?? '', /newer run/, doneA.reason);
  assert.match(doneA.reason ?? '', new RegExp(`#${doneB.number}`));
  const gate = doneA.stages.find((s) => s.state === 'superseded');
  assert.match(gate?.name ?? '', /^deploy:/, JSON.stringify(doneA.stages));
  assert.equal(doneA.stages.find((s) => s.name === 'build')?.state, 'succeeded', 'A built alongside B');
  assert.equal(await prodBody(server, 'race'), 'vB');
  const prod = await envStatus(server, 'race', 'production');
  assert.equal(prod.release?.commit, shaB);
  for (const env of ['staging', 'production']) {
    const releases = await server.json<ReleaseJson[]>(['releases', 'race', '--env', env]);
    assert.ok(!releases.some((r) => r.commit === shaA), `${env} never got a release of the older commit`);
  }
});
