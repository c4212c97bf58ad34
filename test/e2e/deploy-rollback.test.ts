// Rollback: an earlier release is put back in one step, without rebuilding, as a new release
// that records what it rolled back from; refusals are clear and change nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appFiles, dataPlaneInstances, deployedProject, envStatus, prodBody, type ReleaseJson } from './fixtures.ts';

void test('rollback puts the previous release back as a new release; --to picks one; bad targets are refused', async (t) => {
  const { server, repo, first } = await deployedProject(t, 'undo', appFiles('v1'));
  const releases = (): Promise<ReleaseJson[]> => server.json<ReleaseJson[]>(['releases', 'undo', '--env', 'production']);

  // One release only: nothing to roll back to.
  const nothing = await server.cli(['rollback', 'undo', '--env', 'production']);
  assert.equal(nothing.code, 1, nothing.stdout);
  assert.match(nothing.stderr, /release/i);
  assert.doesNotMatch(nothing.stderr, /\n\s+at /, 'a message, not a stack trace');
  assert.equal((await releases()).length, 1);

  const sha2 = repo.commit('v2', { VERSION: 'v2\n' });
  assert.equal((await server.waitRun('undo', sha2)).state, 'succeeded');
  assert.equal(await prodBody(server, 'undo'), 'v2');
  // v3 starts in staging but exits at once in production: release 3 never goes live there.
  const sha3 = repo.commit('v3', appFiles('v3', { start: 'test -z "$BROKEN" && exec node server.js', productionEnv: { BROKEN: '1' } }));
  const run3 = await server.waitRun('undo', sha3);
  assert.equal(run3.state, 'failed', JSON.stringify(run3));
  assert.equal(run3.stages.find((s) => s.name === 'deploy:production')?.state, 'failed');
  assert.equal(await prodBody(server, 'undo'), 'v2');
  const before = await releases();
  assert.deepEqual(
    before.map((r) => [r.number, r.state]),
    [
      [3, 'failed'],
      [2, 'live'],
      [1, 'previous'],
    ],
  );
  const [r3, r2, r1] = before as [ReleaseJson, ReleaseJson, ReleaseJson];
  const leftovers = (await dataPlaneInstances(server)).filter((i) => i.labels.project === 'undo' && i.labels.environment === 'production' && i.labels.release === '3' && i.state !== 'stopped');
  assert.deepEqual(leftovers, [], 'no instance of the failed release is left');
  assert.equal(r1.commit, first.commit);

  const neverLive = await server.cli(['rollback', 'undo', '--env', 'production', '--to', '3']);
  assert.equal(neverLive.code, 1);
  assert.match(neverLive.stderr, /never went live/);
  const missing = await server.cli(['rollback', 'undo', '--env', 'production', '--to', '99']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /99/);
  assert.equal((await releases()).length, 3, 'a refused rollback creates no release');
  assert.equal(await prodBody(server, 'undo'), 'v2');

  // Default: the live release before the current one (release 3 failed, so release 1).
  const back = await server.cli(['rollback', 'undo', '--env', 'production', '--json']);
  assert.equal(back.code, 0, back.stderr);
  assert.equal(await prodBody(server, 'undo'), 'v1');
  const after = await releases();
  const r4 = after[0]!;
  assert.equal(r4.number, 4);
  assert.equal(r4.state, 'live');
  assert.equal(r4.rolledBackFrom, r2.number);
  assert.equal(r4.commit, r1.commit);
  assert.equal(r4.artifact, r1.artifact, 'the same artifact: no rebuild');
  assert.deepEqual(
    after.slice(1).map((r) => [r.number, r.state]),
    [
      [3, 'failed'],
      [2, 'previous'],
      [1, 'previous'],
    ],
    'history is kept, not rewritten',
  );
  assert.equal(r3.state, 'failed');
  const prod = await envStatus(server, 'undo', 'production');
  assert.deepEqual([prod.state, prod.release?.number, prod.release?.commit], ['healthy', 4, first.commit]);

  // --to: release 2 again, recorded as rolled back from 4.
  const to2 = await server.cli(['rollback', 'undo', '--env', 'production', '--to', '2', '--json']);
  assert.equal(to2.code, 0, to2.stderr);
  const r5 = JSON.parse(to2.stdout) as ReleaseJson;
  assert.deepEqual([r5.number, r5.rolledBackFrom, r5.commit, r5.artifact], [5, 4, r2.commit, r2.artifact]);
  assert.equal(await prodBody(server, 'undo'), 'v2');
  const runs = await server.json<Array<{ commit: string }>>(['runs', 'undo']);
  assert.equal(runs.length, 3, 'a rollback is not a run');
});
