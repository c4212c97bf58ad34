// The sparklines' history: differences of the router's cumulative counters per environment,
// bounded, with a counter reset (a restarted data plane) counted from zero.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrafficHistory } from '../../src/live/traffic-history.ts';
import type { Series } from '../../src/metrics/series.ts';

const requests = (environment: string, code: string, value: number, service = 'web'): Series => ({ metric: 'httpRequests', labels: { project: 'app', environment, service, release: '1', code }, value });

void test('rates per environment from cumulative counters; at most `keep` samples; a reset counts from zero', async () => {
  let now = 0;
  let series: Series[] = [];
  const published: Array<{ project: string; envs: string[] }> = [];
  const history = new TrafficHistory({ collect: async () => series, keep: 3, now: () => new Date(now), onSample: (project, samples) => published.push({ project, envs: samples.map((s) => s.environment) }) });

  series = [requests('production', '2xx', 100), requests('production', '5xx', 0)];
  await history.sample();
  assert.deepEqual(history.of('app'), [], 'the first look is the baseline');

  now = 5000;
  // Two services add up; 10 more 2xx and 10 5xx over 5 s.
  series = [requests('production', '2xx', 100), requests('production', '5xx', 10), requests('production', '2xx', 10, 'api'), requests('staging', '2xx', 0)];
  await history.sample();
  const [prod, staging] = history.of('app');
  assert.deepEqual(prod, { environment: 'production', samples: [{ at: new Date(5000).toISOString(), rps: 4, errorRate: 0.5 }] });
  assert.deepEqual(staging?.samples.map((s) => [s.rps, s.errorRate]), [[0, null]], 'no requests: no error rate');
  assert.deepEqual(published, [{ project: 'app', envs: ['production', 'staging'] }]);

  now = 10_000;
  series = [requests('production', '2xx', 5), requests('production', '5xx', 0)];
  await history.sample();
  assert.deepEqual(history.of('app')[0]!.samples.at(-1), { at: new Date(10_000).toISOString(), rps: 1, errorRate: 0 }, 'counters went down: counted from zero');

  for (let i = 0; i < 5; i++) {
    now += 5000;
    await history.sample();
  }
  assert.equal(history.of('app')[0]!.samples.length, 3);
  assert.deepEqual(history.of('other'), []);
});

void test('start() samples at its interval until stop(); a failing look is logged once per outage', async () => {
  let looks = 0;
  let failing = true;
  const errors: string[] = [];
  const history = new TrafficHistory({
    intervalMs: 5,
    collect: async () => {
      looks++;
      if (failing) throw new Error('data plane down');
      return [];
    },
    logError: (m) => errors.push(m),
  });
  history.start();
  const deadline = Date.now() + 5000;
  while (looks < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  failing = false;
  const after = looks;
  while (looks < after + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  history.stop();
  assert.ok(looks >= after + 2, 'it went on after failures');
  assert.equal(errors.length, 1);
  const stoppedAt = looks;
  await new Promise((r) => setTimeout(r, 30));
  assert.ok(looks <= stoppedAt + 1, 'stop() ends the looks');
});
