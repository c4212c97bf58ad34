// Steps that wait for a person (`pause: {}`): the rollout and the environment show `paused`,
// `sluice promote` takes the next step, `--full` finishes, `sluice abort` during a pause puts
// all traffic back on the stable release, and a promote during or after an abort is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envStatus } from './fixtures.ts';
import { bodies, liveV1, rollout, rolloutFiles, waitRollout } from './rollout-kit.ts';

const strategy = 'canary:\n  steps: [{ weight: 10, pause: {} }, { weight: 40, pause: {} }, { weight: 70, pause: {} }]';

void test('pause: {} waits for a person; promote takes one step, promote --full finishes', async (t) => {
  const { server, repo } = await liveV1(t, 'cman', { strategy });
  const sha = repo.commit('v2', rolloutFiles('v2', { strategy }));
  let r = await waitRollout(server, 'cman', 'paused at step 1', (x) => x.strategy === 'canary' && x.state === 'paused', 60_000);
  assert.equal(r.step, 0);
  assert.equal(r.weights.canary, 10);
  assert.equal((await envStatus(server, 'cman', 'production')).state, 'paused');
  // It stays there on its own.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  r = await rollout(server, 'cman');
  assert.equal(r.state, 'paused');
  assert.equal(r.step, 0);

  const p1 = await server.cli(['promote', 'cman', '--env', 'production']);
  assert.equal(p1.code, 0, p1.stderr);
  r = await waitRollout(server, 'cman', 'paused at step 2', (x) => x.step === 1 && x.state === 'paused', 30_000);
  assert.deepEqual(r.weights, { canary: 40, baseline: 40, stable: 20 });
  assert.equal((await envStatus(server, 'cman', 'production')).state, 'paused');

  const full = await server.cli(['promote', 'cman', '--env', 'production', '--full']);
  assert.equal(full.code, 0, full.stderr);
  const run = await server.waitRun('cman', sha, 60_000);
  assert.equal(run.state, 'succeeded', JSON.stringify(run));
  r = await rollout(server, 'cman');
  assert.equal(r.state, 'promoted');
  assert.equal(r.step, 1, 'step 3 was skipped by --full');
  assert.equal(r.weights.canary, 100);
  const prod = await envStatus(server, 'cman', 'production');
  assert.equal(prod.state, 'healthy');
  assert.equal(prod.release?.commit, sha);
  assert.deepEqual(await bodies(server, 'cman', 20), Array.from({ length: 20 }, () => 'v2'));

  // Nothing left to steer: a promote or abort of a finished rollout is refused.
  const again = await server.cli(['promote', 'cman', '--env', 'production']);
  assert.equal(again.code, 1, again.stdout);
  assert.match(again.stderr, /promoted/);
  const late = await server.cli(['abort', 'cman', '--env', 'production']);
  assert.equal(late.code, 1, late.stdout);
  assert.match(late.stderr, /promoted/);
});

void test('abort during a pause puts all traffic on the stable release; a promote during or after it is refused', async (t) => {
  const { server, repo, first } = await liveV1(t, 'cabort', { strategy });
  const sha = repo.commit('v2', rolloutFiles('v2', { strategy }));
  await waitRollout(server, 'cabort', 'paused at step 1', (x) => x.strategy === 'canary' && x.state === 'paused', 60_000);
  assert.deepEqual((await bodies(server, 'cabort', 5, 'canary')).sort(), Array.from({ length: 5 }, () => 'v2'));

  const ab = await server.cli(['abort', 'cabort', '--env', 'production']);
  assert.equal(ab.code, 0, ab.stderr);
  // Right behind the abort: refused whether the abort is still under way or done.
  const during = await server.cli(['promote', 'cabort', '--env', 'production']);
  assert.equal(during.code, 1, during.stdout);
  assert.match(during.stderr, /abort/i, during.stderr);

  const r = await waitRollout(server, 'cabort', 'aborted', (x) => x.state === 'aborted', 30_000);
  assert.deepEqual(r.weights, { stable: 100, canary: 0, baseline: 0 });
  assert.match(r.reason ?? '', /abort/);
  const run = await server.waitRun('cabort', sha, 60_000);
  assert.equal(run.state, 'failed');
  assert.match(run.reason ?? '', /abort/);
  // All traffic on v1, even when asking for the canary by header.
  assert.deepEqual(await bodies(server, 'cabort', 20), Array.from({ length: 20 }, () => 'v1'));
  assert.deepEqual(await bodies(server, 'cabort', 5, 'canary'), Array.from({ length: 5 }, () => 'v1'));
  const prod = await envStatus(server, 'cabort', 'production');
  assert.equal(prod.release?.commit, first.commit);
  assert.equal(prod.state, 'healthy');

  const after = await server.cli(['promote', 'cabort', '--env', 'production', '--full']);
  assert.equal(after.code, 1, after.stdout);
  assert.match(after.stderr, /abort/i, after.stderr);
});
