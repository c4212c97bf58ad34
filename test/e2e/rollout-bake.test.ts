// Bake: a version that passes its canary and goes bad only after full promotion is caught by
// the bake window and rolled back automatically to the previous release, as a new release.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envStatus, type ReleaseJson } from './fixtures.ts';
import { assertDecisionShape, bodies, describeLoad, liveV1, loadOnceStarted, rollout, rolloutFiles } from './rollout-kit.ts';

const strategy = 'canary:\n  steps: [{ weight: 50, pause: 2s }]';

void test('a version that starts failing after promotion is rolled back by the bake window', async (t) => {
  const { server, repo, first } = await liveV1(t, 'cbake', { strategy, bake: '20s' });
  // Half of v2's answers are 500s, from 8 s after it started: after its 2 s canary step.
  const sha = repo.commit('v2, goes bad', rolloutFiles('v2', { strategy, bake: '20s', failPercent: 50, failAfterMs: 8000 }));
  const load = await loadOnceStarted(t, server, 'cbake', { concurrency: 4, rps: 100, maxMs: 60_000 });
  const run = await server.waitRun('cbake', sha, 90_000);
  const result = await load.stop();

  assert.equal(run.state, 'failed', JSON.stringify(run));
  assert.match(run.reason ?? '', /bake/, `run reason: ${run.reason}`);
  const r = await rollout(server, 'cbake');
  assert.equal(r.state, 'aborted', JSON.stringify(r));
  assert.match(r.reason ?? '', /bake/);
  const bake = r.decisions.filter((d) => d.step === 'bake');
  for (const d of bake) assertDecisionShape(d);
  assert.ok(bake.some((d) => d.verdict === 'fail'), JSON.stringify(r.decisions));

  const releases = await server.json<ReleaseJson[]>(['releases', 'cbake', '--env', 'production']);
  const [newest, bad] = releases;
  assert.equal(newest?.commit, first.commit, JSON.stringify(releases));
  assert.equal(newest?.state, 'live');
  assert.equal(newest?.rolledBackFrom, bad?.number, JSON.stringify(releases));
  assert.equal(bad?.commit, sha);
  assert.equal(bad?.state, 'failed');
  const prod = await envStatus(server, 'cbake', 'production');
  assert.equal(prod.release?.number, newest?.number);
  assert.equal(prod.state, 'healthy');
  assert.deepEqual(await bodies(server, 'cbake', 20), Array.from({ length: 20 }, () => 'v1'));

  // v2 served fully before it went bad; nothing failed but its own errors.
  assert.ok((result.ok.get('v2') ?? 0) > 0 && (result.ownErrors.get('v2') ?? 0) > 0, describeLoad(result));
  assert.equal(result.failed, 0, describeLoad(result));
});

void test('with no bake written, the default bake of the last environment rolls back a release that crashes 4 s after becoming ready', async (t) => {
  // bake: null writes no bake key: production is the last environment, so it bakes 60 s.
  const { server, repo, first } = await liveV1(t, 'dbake', { strategy: 'rolling', bake: null });
  const sha = repo.commit('v2, crashes after 4 s', rolloutFiles('v2', { strategy: 'rolling', bake: null, crashAfterMs: 4000 }));
  // Without traffic, only the crash can breach: the run ends well before the 60 s bake would.
  const started = Date.now();
  const run = await server.waitRun('dbake', sha, 90_000);
  const tookMs = Date.now() - started;

  assert.equal(run.state, 'failed', JSON.stringify(run));
  assert.match(run.reason ?? '', /bake: instance dbake\.production\.web\.r2\.1 (is (crashed|backoff|failed)|restarted)/, `run reason: ${run.reason}`);
  assert.ok(tookMs < 60_000, `rolled back after ${tookMs} ms, before the bake's end`);
  const r = await rollout(server, 'dbake');
  assert.equal(r.state, 'aborted', JSON.stringify(r));
  const releases = await server.json<ReleaseJson[]>(['releases', 'dbake', '--env', 'production']);
  const [newest, bad] = releases;
  assert.equal(newest?.commit, first.commit, JSON.stringify(releases));
  assert.equal(newest?.state, 'live');
  assert.equal(newest?.rolledBackFrom, bad?.number, JSON.stringify(releases));
  assert.equal(bad?.state, 'failed');
  assert.deepEqual(await bodies(server, 'dbake', 5), Array.from({ length: 5 }, () => 'v1'));
});
