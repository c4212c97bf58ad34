// A canary instance that crashes mid-step. Killed once, it restarts and the router keeps
// requests off it while it is not ready. One that keeps crashing ends the rollout through
// the health gate; production stays on v1 and no request fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alive } from './harness.ts';
import { dataPlaneInstances, envStatus, type DataPlaneInstance } from './fixtures.ts';
import { bodies, describeLoad, host, liveV1, loadOnceStarted, rollout, rolloutFiles, startLoad, waitRollout } from './rollout-kit.ts';

const longStep = 'canary:\n  steps: [{ weight: 50, pause: 5m }]';

async function canaryInstance(server: Parameters<typeof dataPlaneInstances>[0], project: string, release: number): Promise<DataPlaneInstance | undefined> {
  return (await dataPlaneInstances(server)).find((i) => i.labels.project === project && i.labels.release === String(release) && i.labels.role !== 'baseline');
}

void test('a canary instance killed mid-step restarts; no request fails meanwhile', async (t) => {
  const { server, repo } = await liveV1(t, 'ckill', { strategy: longStep });
  const sha = repo.commit('v2', rolloutFiles('v2', { strategy: longStep }));
  const r = await waitRollout(server, 'ckill', 'the canary at step 1', (x) => x.strategy === 'canary' && x.phase === 'step', 60_000);
  const before = await canaryInstance(server, 'ckill', r.release);
  assert.ok(before?.pid && before.state === 'ready', JSON.stringify(before));

  const load = startLoad(t, server.routerPort, host('ckill'), { concurrency: 4, rps: 150, maxMs: 45_000 });
  await server.waitFor('v2 answering under load', async () => load.seen('v2') >= 30);
  process.kill(before.pid, 'SIGKILL');
  const after = await server.waitFor(
    'the canary restarted',
    async () => {
      const i = await canaryInstance(server, 'ckill', r.release);
      return i && i.state === 'ready' && i.pid !== before.pid ? i : undefined;
    },
    30_000,
  );
  assert.ok(after.pid && alive(after.pid));
  const seenAtRestart = load.seen('v2');
  await server.waitFor('v2 answering again', async () => load.seen('v2') >= seenAtRestart + 30);
  const result = await load.stop();
  assert.equal(result.failed, 0, describeLoad(result));

  const now = await rollout(server, 'ckill');
  assert.equal(now.state, 'progressing', `a crash that recovers does not end the rollout: ${JSON.stringify(now)}`);
  assert.deepEqual(await bodies(server, 'ckill', 5, 'canary'), Array.from({ length: 5 }, () => 'v2'));

  assert.equal((await server.cli(['abort', 'ckill', '--env', 'production'])).code, 0);
  assert.equal((await server.waitRun('ckill', sha, 60_000)).state, 'failed');
});

void test('a canary that crashes and then cannot start again aborts by the health gate; production stays on v1', async (t) => {
  const { server, repo, first } = await liveV1(t, 'ccrash', { strategy: longStep });
  // v2 serves for 6 s from its first answer, then exits; every restart exits at once. (Counted
  // from its start, the 6 s could pass before the load begins on a loaded machine: v2 would then
  // never answer the load, which is no failure of the router.)
  const sha = repo.commit('v2 crashes', rolloutFiles('v2', { strategy: longStep, crashAfterAnswerMs: 6000 }));
  const load = await loadOnceStarted(t, server, 'ccrash', { concurrency: 4, rps: 100, maxMs: 60_000 });
  const run = await server.waitRun('ccrash', sha, 90_000);
  const result = await load.stop();

  assert.equal(run.state, 'failed', JSON.stringify(run));
  assert.match(run.reason ?? '', /health gate/, `run reason: ${run.reason}`);
  const r = await rollout(server, 'ccrash');
  assert.equal(r.state, 'aborted');
  assert.match(r.reason ?? '', /health gate/);
  assert.deepEqual(r.weights, { stable: 100, canary: 0, baseline: 0 });

  // The router sent requests only to ready instances: nothing failed, v2 answered while it lived.
  assert.equal(result.failed, 0, describeLoad(result));
  assert.ok((result.ok.get('v2') ?? 0) > 0, describeLoad(result));
  const prod = await envStatus(server, 'ccrash', 'production');
  assert.equal(prod.release?.commit, first.commit);
  assert.equal(prod.state, 'healthy');
  assert.deepEqual(await bodies(server, 'ccrash', 20), Array.from({ length: 20 }, () => 'v1'));
  const left = (await dataPlaneInstances(server)).filter((i) => i.labels.project === 'ccrash' && i.labels.release === String(r.release) && i.pid !== null && alive(i.pid));
  assert.deepEqual(left, [], 'no process of the crashing release is left');
});
