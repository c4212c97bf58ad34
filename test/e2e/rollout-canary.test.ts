// Canary under load, decided by the analysis alone: a version that answers 500 on 30% of
// requests is aborted by itself and production stays on v1; a good version is promoted by
// itself. Every decision carries its figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alive } from './harness.ts';
import { dataPlaneInstances, envStatus } from './fixtures.ts';
import { assertDecisionShape, bodies, describeLoad, liveV1, loadOnceStarted, rollout, rolloutFiles } from './rollout-kit.ts';

const canary = ['canary:', '  steps: [{ weight: 20, pause: 4s }, { weight: 50, pause: 4s }]', '  analysis: { maxErrorRate: 5%, minSamples: 30, interval: 2s }'].join('\n');

void test('a canary answering 500 on 30% of requests aborts by itself; production stays on v1 with no canary left', async (t) => {
  const { server, repo, first } = await liveV1(t, 'cbad', { strategy: canary });
  const sha = repo.commit('v2, 30% errors', rolloutFiles('v2', { strategy: canary, failPercent: 30 }));
  const load = await loadOnceStarted(t, server, 'cbad', { concurrency: 4, rps: 120, maxMs: 60_000 });
  const run = await server.waitRun('cbad', sha, 90_000);
  const result = await load.stop();

  assert.equal(run.state, 'failed', JSON.stringify(run));
  assert.match(run.reason ?? '', /analysis/, `run reason: ${run.reason}`);
  assert.equal(run.stages.find((s) => s.name === 'deploy:production')?.state, 'failed', JSON.stringify(run.stages));

  const r = await rollout(server, 'cbad');
  assert.equal(r.strategy, 'canary');
  assert.equal(r.state, 'aborted', JSON.stringify(r));
  assert.match(r.reason ?? '', /analysis/);
  assert.deepEqual(r.weights, { stable: 100, canary: 0, baseline: 0 });
  assert.ok(r.decisions.length > 0, 'decisions were recorded');
  for (const d of r.decisions) assertDecisionShape(d);
  const failed = r.decisions.filter((d) => d.verdict === 'fail');
  assert.ok(failed.length > 0, `a failing decision: ${JSON.stringify(r.decisions)}`);
  for (const d of failed) {
    assert.ok(d.samples.canary > 0 && d.samples.baseline > 0, JSON.stringify(d));
    assert.equal(typeof d.threshold === 'number' || typeof d.pValue === 'number', true, JSON.stringify(d));
  }

  // Only the bad version's own 500s, nothing lost at the abort; v2 did receive traffic.
  assert.equal(result.failed, 0, describeLoad(result));
  assert.ok((result.ownErrors.get('v2') ?? 0) > 0, describeLoad(result));
  assert.equal(result.ownErrors.get('v1') ?? 0, 0, describeLoad(result));

  assert.deepEqual(await bodies(server, 'cbad', 20), Array.from({ length: 20 }, () => 'v1'));
  const prod = await envStatus(server, 'cbad', 'production');
  assert.equal(prod.release?.commit, first.commit, JSON.stringify(prod));
  const leftovers = (await dataPlaneInstances(server)).filter(
    (i) => i.labels.project === 'cbad' && (i.labels.release === String(r.release) || i.labels.role === 'baseline') && i.state !== 'stopped' && i.pid !== null && alive(i.pid),
  );
  assert.deepEqual(leftovers, [], 'no canary or baseline instance runs after the abort');
});

void test('a good canary under load is promoted by itself on passing decisions', async (t) => {
  const { server, repo } = await liveV1(t, 'cgood', { strategy: canary });
  const sha = repo.commit('v2', rolloutFiles('v2', { strategy: canary }));
  const load = await loadOnceStarted(t, server, 'cgood', { concurrency: 4, rps: 120, maxMs: 60_000 });
  const run = await server.waitRun('cgood', sha, 90_000);
  const result = await load.stop();

  assert.equal(run.state, 'succeeded', JSON.stringify(run));
  const r = await rollout(server, 'cgood');
  assert.equal(r.state, 'promoted', JSON.stringify(r));
  assert.equal(r.weights.canary, 100, JSON.stringify(r.weights));
  assert.equal(r.step, 1, 'both steps were taken');
  for (const d of r.decisions) assertDecisionShape(d);
  assert.ok(!r.decisions.some((d) => d.verdict === 'fail'), JSON.stringify(r.decisions));
  // Each step moved on because the analysis passed there.
  for (const step of [0, 1]) assert.ok(r.decisions.some((d) => d.step === step && d.verdict === 'pass'), `a pass at step ${step}: ${JSON.stringify(r.decisions)}`);

  assert.equal(result.failed, 0, describeLoad(result));
  assert.ok((result.ok.get('v2') ?? 0) > 0 && (result.ok.get('v1') ?? 0) > 0, describeLoad(result));
  assert.deepEqual(await bodies(server, 'cgood', 20), Array.from({ length: 20 }, () => 'v2'));
  const prod = await envStatus(server, 'cgood', 'production');
  assert.equal(prod.release?.commit, sha);
  assert.equal(prod.state, 'healthy');
  const baseline = (await dataPlaneInstances(server)).filter((i) => i.labels.project === 'cgood' && i.labels.role === 'baseline' && i.state !== 'stopped');
  assert.deepEqual(baseline, [], 'the baseline is gone after promotion');
});
