// maxSurge and maxUnavailable: sampled from the data plane while a rolling update runs, the
// instances that receive traffic (ready targets of the applied route) stay within
// [instances - maxUnavailable, instances + maxSurge], and new instances start in parallel up
// to the surge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataPlaneClient } from '../../src/dataplane/data-plane-client.ts';
import { socketPathOf } from '../../src/dataplane/data-plane-paths.ts';
import type { RouteTable } from '../../src/router/route-table.ts';
import { dataPlaneInstances } from './fixtures.ts';
import type { TestServer } from './harness.ts';
import { host, liveV1, rolloutFiles } from './rollout-kit.ts';

interface Samples {
  /** Ready instances in the production route. */
  serving: number[];
  /** Instances of the new release started and not yet ready. */
  startingNew: number[];
}

/** Samples the data plane as fast as it answers until stopped. */
function sample(server: TestServer, project: string, release: string): { stop: () => Promise<Samples> } {
  const client = new DataPlaneClient(socketPathOf(server.dataDir));
  const samples: Samples = { serving: [], startingNew: [] };
  let running = true;
  const loop = (async () => {
    while (running) {
      const [table, instances] = await Promise.all([client.request<RouteTable>('GET', '/routes/applied'), dataPlaneInstances(server)]);
      const route = table.routes.find((r) => r.host === host(project));
      samples.serving.push(new Set(route?.backends.flatMap((b) => b.targets.map((x) => x.id)) ?? []).size);
      samples.startingNew.push(instances.filter((i) => i.labels.project === project && i.labels.release === release && i.state === 'starting').length);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
  };
}

async function rollWith(t: Parameters<typeof liveV1>[0], project: string, instances: number, rolling: string): Promise<Samples> {
  const strategy = `rolling: ${rolling}`;
  const { server, repo } = await liveV1(t, project, { strategy, instances });
  // The instances start slowly (a delay before listen), so the samples see each phase.
  const sha = repo.commit('v2', { ...rolloutFiles('v2', { strategy, instances }), 'server.js': slowStart(rolloutFiles('v2', { strategy })['server.js']!) });
  const sampler = sample(server, project, '2');
  const run = await server.waitRun(project, sha, 120_000);
  const samples = await sampler.stop();
  assert.equal(run.state, 'succeeded', JSON.stringify(run));
  assert.ok(samples.serving.length > 20, `only ${samples.serving.length} samples`);
  return samples;
}

/** The app with 700 ms of start-up before it listens. */
function slowStart(app: string): string {
  return app.replace("s.listen(Number(process.env.PORT)", "setTimeout(() => s.listen(Number(process.env.PORT)").replace("console.log('listening on ' + process.env.PORT));", "console.log('listening on ' + process.env.PORT)), 700);");
}

void test('maxSurge 2, maxUnavailable 0: serving instances stay within [3, 5] and two new instances start at once', async (t) => {
  const s = await rollWith(t, 'surge', 3, '{ maxSurge: 2, maxUnavailable: 0 }');
  assert.ok(Math.min(...s.serving) >= 3, `serving fell to ${Math.min(...s.serving)}`);
  assert.ok(Math.max(...s.serving) <= 5, `serving rose to ${Math.max(...s.serving)}`);
  assert.equal(Math.max(...s.startingNew), 2, `new instances starting at once: ${Math.max(...s.startingNew)}`);
});

void test('maxSurge 0, maxUnavailable 1: serving instances stay within [2, 3], one new instance at a time', async (t) => {
  const s = await rollWith(t, 'unavail', 3, '{ maxSurge: 0, maxUnavailable: 1 }');
  assert.ok(Math.min(...s.serving) >= 2, `serving fell to ${Math.min(...s.serving)}`);
  assert.ok(Math.max(...s.serving) <= 3, `serving rose to ${Math.max(...s.serving)}`);
  assert.equal(Math.min(...s.serving), 2, 'the unavailable budget is used');
  assert.equal(Math.max(...s.startingNew), 1);
});
