// What a running canary looks like: the weights shown and applied (canary, a baseline of the
// stable release with the same share, the rest stable), header routing to either release on
// purpose, and analysis with no traffic at all, which is `inconclusive` and never a pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alive } from './harness.ts';
import { dataPlaneInstances, envStatus } from './fixtures.ts';
import { assertDecisionShape, bodies, describeLoad, host, liveV1, rolloutFiles, startLoad, waitRollout } from './rollout-kit.ts';

void test('during a canary step of weight 20: weights 60/20/20, header routing, and a baseline of v1 running', async (t) => {
  const strategy = 'canary:\n  steps: [{ weight: 20, pause: 5m }, { weight: 60, pause: 5m }]';
  const { server, repo, first } = await liveV1(t, 'cwts', { strategy });
  const sha = repo.commit('v2', rolloutFiles('v2', { strategy }));
  const r = await waitRollout(server, 'cwts', 'the canary at step 1', (x) => x.strategy === 'canary' && x.phase === 'step' && x.step === 0, 60_000);
  assert.equal(r.state, 'progressing');
  assert.deepEqual(r.weights, { stable: 60, baseline: 20, canary: 20 });
  assert.equal(r.stable, 1);
  assert.equal((await envStatus(server, 'cwts', 'production')).state, 'progressing');

  assert.deepEqual(await bodies(server, 'cwts', 10, 'canary'), Array.from({ length: 10 }, () => 'v2'));
  assert.deepEqual(await bodies(server, 'cwts', 10, 'next'), Array.from({ length: 10 }, () => 'v2'));
  assert.deepEqual(await bodies(server, 'cwts', 10, 'stable'), Array.from({ length: 10 }, () => 'v1'));

  const mine = (await dataPlaneInstances(server)).filter((i) => i.labels.project === 'cwts' && i.state === 'ready');
  const baseline = mine.filter((i) => i.labels.role === 'baseline');
  assert.equal(baseline.length, 1, JSON.stringify(mine));
  assert.equal(baseline[0]!.labels.release, String(r.stable), 'the baseline runs the stable release');
  assert.ok(baseline[0]!.pid !== null && alive(baseline[0]!.pid));
  assert.ok(mine.some((i) => i.labels.release === String(r.release) && i.labels.role !== 'baseline'), 'a canary instance runs');
  assert.ok(mine.some((i) => i.labels.release === String(r.stable) && i.labels.role !== 'baseline'), 'the stable instance still runs');

  // Unpinned traffic splits roughly 80/20 between v1 (stable + baseline) and v2.
  const load = startLoad(t, server.routerPort, host('cwts'), { concurrency: 4, rps: 200, max: 600, maxMs: 20_000 });
  await server.waitFor('600 requests', async () => load.sent() >= 600, 30_000);
  const result = await load.stop();
  assert.equal(result.failed, 0, describeLoad(result));
  const v2 = (result.ok.get('v2') ?? 0) / result.sent;
  assert.ok(v2 > 0.08 && v2 < 0.35, `v2 got ${(100 * v2).toFixed(1)}% of the unpinned traffic: ${describeLoad(result)}`);

  // Ending the test: an abort puts everything back on v1.
  assert.equal((await server.cli(['abort', 'cwts', '--env', 'production'])).code, 0);
  const run = await server.waitRun('cwts', sha, 60_000);
  assert.equal(run.state, 'failed');
  assert.equal((await envStatus(server, 'cwts', 'production')).release?.commit, first.commit);
});

void test('analysis with no traffic at all is inconclusive and holds the step beyond its pause', async (t) => {
  const strategy = ['canary:', '  steps: [{ weight: 20, pause: 2s }, { weight: 50, pause: 2s }]', '  analysis: { maxErrorRate: 5%, minSamples: 30, interval: 1s }'].join('\n');
  const { server, repo, first } = await liveV1(t, 'cidle', { strategy });
  const sha = repo.commit('v2', rolloutFiles('v2', { strategy }));
  const entered = await waitRollout(server, 'cidle', 'the canary at step 1', (x) => x.strategy === 'canary' && x.phase === 'step', 60_000);
  assert.equal(entered.step, 0);
  // Four looks (1 s apart, so past the 2 s pause) with no request at all; counted, not timed.
  const r = await waitRollout(server, 'cidle', 'four looks at step 1', (x) => x.decisions.length >= 4 || x.step !== 0 || x.phase !== 'step', 60_000);
  assert.equal(r.step, 0, `still at step 1: ${JSON.stringify(r)}`);
  assert.equal(r.phase, 'step');
  assert.ok(['progressing', 'paused'].includes(r.state), r.state);
  assert.deepEqual(r.weights, { stable: 60, baseline: 20, canary: 20 });
  assert.ok(r.decisions.length >= 3, `a decision at every look: ${JSON.stringify(r.decisions)}`);
  for (const d of r.decisions) {
    assertDecisionShape(d);
    assert.equal(d.verdict, 'inconclusive', JSON.stringify(d));
    assert.equal(d.samples.canary, 0);
  }
  const runs = await server.json<Array<{ commit: string; state: string }>>(['runs', 'cidle']);
  assert.equal(runs.find((x) => x.commit === sha)?.state, 'running', 'the run waits, it does not pass');
  assert.equal((await envStatus(server, 'cidle', 'production')).release?.commit, first.commit, 'v1 is still the live release');

  assert.equal((await server.cli(['abort', 'cidle', '--env', 'production'])).code, 0);
  const run = await server.waitRun('cidle', sha, 60_000);
  assert.equal(run.state, 'failed');
  assert.match(run.reason ?? '', /abort/);
});
