// The control plane SIGKILLed mid-canary: the data plane keeps serving, and the relaunched
// server resumes the same rollout where it was (same step or later, earlier decisions kept)
// and finishes it. No request fails across the kill and the relaunch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sleep } from './harness.ts';
import { envStatus } from './fixtures.ts';
import { bodies, describeLoad, liveV1, loadOnceStarted, rollout, rolloutFiles, waitRollout } from './rollout-kit.ts';

const strategy = ['canary:', '  steps: [{ weight: 20, pause: 10s }, { weight: 50, pause: 6s }]', '  analysis: { maxErrorRate: 5%, minSamples: 30, interval: 2s }'].join('\n');

void test('a server SIGKILLed during a canary pause resumes the same rollout and promotes it', async (t) => {
  const { server, repo } = await liveV1(t, 'cresume', { strategy });
  const sha = repo.commit('v2', rolloutFiles('v2', { strategy }));
  const load = await loadOnceStarted(t, server, 'cresume', { concurrency: 4, rps: 120, maxMs: 60_000 });
  const before = await waitRollout(server, 'cresume', 'two decisions at step 1', (x) => x.strategy === 'canary' && x.step === 0 && x.decisions.length >= 2, 60_000);
  assert.equal(before.state, 'progressing');

  await server.kill9();
  const downAt = load.sent();
  await server.waitFor('the data plane serving with the control plane down', async () => load.sent() >= downAt + 100, 20_000);
  await sleep(1000);
  await server.launch();

  const resumed = await rollout(server, 'cresume');
  assert.equal(resumed.release, before.release, 'the same rollout, not a new one');
  assert.ok(resumed.step >= before.step, `step ${resumed.step} after ${before.step}`);
  const run = await server.waitRun('cresume', sha, 90_000);
  const result = await load.stop();
  assert.equal(run.state, 'succeeded', JSON.stringify(run));

  const done = await rollout(server, 'cresume');
  assert.equal(done.state, 'promoted', JSON.stringify(done));
  assert.equal(done.release, before.release);
  // The decisions taken before the kill are still there, in order, followed by newer ones.
  assert.deepEqual(done.decisions.slice(0, before.decisions.length), before.decisions);
  assert.ok(done.decisions.length > before.decisions.length);
  assert.ok(done.decisions.some((d) => d.step === 1), 'the second step was analysed after the relaunch');
  // Releases: one new release only (the rollout did not start over with another).
  const releases = await server.json<Array<{ number: number; state: string }>>(['releases', 'cresume', '--env', 'production']);
  assert.deepEqual(
    releases.map((x) => [x.number, x.state]),
    [
      [before.release, 'live'],
      [before.stable, 'previous'],
    ],
  );

  assert.equal(result.failed, 0, describeLoad(result));
  assert.equal((await envStatus(server, 'cresume', 'production')).release?.commit, sha);
  assert.deepEqual(await bodies(server, 'cresume', 20), Array.from({ length: 20 }, () => 'v2'));
});
