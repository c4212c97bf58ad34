// Blue/green: green is verified through its preview URL (and the `x-sluice-release: next`
// header on the main host) while users still get blue; the switch under load fails no
// request; a failing verify tears green down; a rollback right after the switch brings blue back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alive, viaRouter } from './harness.ts';
import { dataPlaneInstances, envStatus, versionGates, waitRunState, type ReleaseJson } from './fixtures.ts';
import { answer, bodies, describeLoad, host, liveV1, previewHost, rollout, loadOnceStarted, rolloutFiles, startLoad } from './rollout-kit.ts';

/** Verify checks the URL answers this version, then waits (at most 120 s) until the test opens the gate of the version (`versionGates`: steps are sandboxed). */
function gatedVerify(gate: string): string[] {
  return ['curl -fsS "$SLUICE_URL/" | grep -x "$(cat VERSION)"', gate];
}

void test('blue/green: green verified through its preview before the switch; the switch and a rollback under load fail nothing', async (t) => {
  const gates = await versionGates(t, ['v1']);
  const o = { strategy: 'blueGreen: {}', verify: gatedVerify(gates.step) };
  const { server, repo, first } = await liveV1(t, 'bg', o);
  const bluePid = (await viaRouter(server.routerPort, host('bg'), '/pid')).body;

  const sha = repo.commit('v2', rolloutFiles('v2', o));
  const waiting = await server.waitFor(
    'verify:production running against green',
    async () => {
      const runs = await server.json<Array<{ id: string; commit: string }>>(['runs', 'bg']);
      const id = runs.find((x) => x.commit === sha)?.id;
      if (!id) return undefined;
      const run = await server.json<{ stages: Array<{ name: string; state: string }> }>(['run', id]);
      return run.stages.find((s) => s.name === 'verify:production')?.state === 'running' ? run : undefined;
    },
    60_000,
  );
  assert.equal(waiting.stages.find((s) => s.name === 'switch:production')?.state, 'pending', JSON.stringify(waiting.stages));
  // Before the switch: users get blue, the preview and the header reach green.
  assert.deepEqual(await bodies(server, 'bg', 20), Array.from({ length: 20 }, () => 'v1'));
  assert.deepEqual(await bodies(server, 'bg', 5, 'next'), Array.from({ length: 5 }, () => 'v2'));
  assert.deepEqual(await answer(server, previewHost('bg')), { status: 200, body: 'v2' });
  const r = await rollout(server, 'bg');
  assert.equal(r.strategy, 'blueGreen');
  assert.equal(r.phase, 'ready');
  assert.equal(r.weights.stable, 100);
  assert.equal((await envStatus(server, 'bg', 'production')).release?.commit, first.commit);
  const logs = await server.cli(['logs', (await server.json<Array<{ id: string; commit: string }>>(['runs', 'bg'])).find((x) => x.commit === sha)!.id]);
  assert.match(logs.stdout, /verifying production at http:\/\/next\.production\.bg\.localhost/, 'verify runs against the preview URL');

  // Load across the switch, and another across the rollback: each bounded, each started just before.
  const load = startLoad(t, server.routerPort, host('bg'), { concurrency: 4, rps: 150, maxMs: 60_000 });
  await server.waitFor('requests before the switch', async () => load.sent() >= 50);
  gates.open('v2');
  const run = await server.waitRun('bg', sha, 60_000);
  assert.equal(run.state, 'succeeded', JSON.stringify(run));
  assert.deepEqual(
    run.stages.map((s) => [s.name, s.state]).slice(-3),
    [
      ['deploy:production', 'succeeded'],
      ['verify:production', 'succeeded'],
      ['switch:production', 'succeeded'],
    ],
  );
  const switchedAt = load.sent();
  await server.waitFor('requests after the switch', async () => load.sent() >= switchedAt + 100);
  const result = await load.stop();
  assert.equal(result.failed, 0, describeLoad(result));
  assert.deepEqual([...result.ok.keys()].sort(), ['v1', 'v2'], describeLoad(result));
  assert.deepEqual(await bodies(server, 'bg', 20), Array.from({ length: 20 }, () => 'v2'));
  assert.equal((await rollout(server, 'bg')).weights.canary, 100);

  // Rollback right after the switch, still under load: v1 again, as a new release.
  const load2 = startLoad(t, server.routerPort, host('bg'), { concurrency: 4, rps: 150, maxMs: 60_000 });
  await server.waitFor('requests before the rollback', async () => load2.sent() >= 50);
  const rb = await server.cli(['rollback', 'bg', '--env', 'production']);
  assert.equal(rb.code, 0, rb.stderr);
  const rolledAt = load2.sent();
  await server.waitFor('requests after the rollback', async () => load2.sent() >= rolledAt + 100);
  const result2 = await load2.stop();
  assert.equal(result2.failed, 0, describeLoad(result2));
  assert.deepEqual([...result2.ok.keys()].sort(), ['v1', 'v2'], describeLoad(result2));
  assert.deepEqual(await bodies(server, 'bg', 20), Array.from({ length: 20 }, () => 'v1'));
  const releases = await server.json<ReleaseJson[]>(['releases', 'bg', '--env', 'production']);
  assert.equal(releases[0]?.commit, first.commit, JSON.stringify(releases));
  assert.equal(releases[0]?.state, 'live');
  assert.equal(releases[0]?.rolledBackFrom, releases[1]?.number, JSON.stringify(releases));
  assert.equal(releases[1]?.commit, sha);
  // Issue 4 §2: blue stays warm for scaleDownDelay, so a rollback inside it is a switch back,
  // not a restart. Deployer.rollback still starts new instances: kept as a known gap.
  const pidAfter = (await viaRouter(server.routerPort, host('bg'), '/pid')).body;
  await t.test('the rollback switches back to the warm blue instance', () => {
    assert.equal(pidAfter, bluePid);
  });
});

void test('blue/green: a failing verify tears green down; production stays on v1 and the run fails', async (t) => {
  const o = { strategy: 'blueGreen: {}', verify: ['curl -fsS "$SLUICE_URL/"'] };
  const { server, repo, first } = await liveV1(t, 'bgbad', o);
  // v2 answers 500 on every request: its verify fails.
  const sha = repo.commit('v2, broken', rolloutFiles('v2', { ...o, failPercent: 100 }));
  await waitRunState(server, 'bgbad', sha, 'running', 60_000);
  const load = await loadOnceStarted(t, server, 'bgbad', { concurrency: 2, rps: 60, maxMs: 60_000 });
  const run = await server.waitRun('bgbad', sha, 90_000);
  const result = await load.stop();
  assert.equal(run.state, 'failed', JSON.stringify(run));
  const stages = Object.fromEntries(run.stages.map((s) => [s.name, s.state]));
  assert.equal(stages['deploy:production'], 'succeeded', JSON.stringify(run.stages));
  assert.equal(stages['verify:production'], 'failed', JSON.stringify(run.stages));
  assert.notEqual(stages['switch:production'], 'succeeded', JSON.stringify(run.stages));

  const r = await rollout(server, 'bgbad');
  assert.equal(r.state, 'aborted', JSON.stringify(r));
  assert.equal(result.failed, 0, describeLoad(result));
  assert.equal(result.ownErrors.get('v2') ?? 0, 0, `users never reached green: ${describeLoad(result)}`);
  assert.deepEqual(await bodies(server, 'bgbad', 20), Array.from({ length: 20 }, () => 'v1'));
  assert.deepEqual(await bodies(server, 'bgbad', 5, 'next'), Array.from({ length: 5 }, () => 'v1'), 'the header no longer reaches green');
  assert.notEqual((await answer(server, previewHost('bgbad'))).status, 200, 'the preview host is gone');
  const prod = await envStatus(server, 'bgbad', 'production');
  assert.equal(prod.release?.commit, first.commit);
  const green = (await dataPlaneInstances(server)).filter((i) => i.labels.project === 'bgbad' && i.labels.release === String(r.release) && i.pid !== null && alive(i.pid));
  assert.deepEqual(green, [], 'green was torn down');
  const releases = await server.json<ReleaseJson[]>(['releases', 'bgbad', '--env', 'production']);
  assert.equal(releases.find((x) => x.number === r.release)?.state, 'failed');
});
