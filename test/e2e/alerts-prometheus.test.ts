// Alerts on Prometheus's figures (--prometheus, decision 0056): a server on the process runtime
// whose alerts read a real Prometheus scraping the server's own /metrics. While that Prometheus
// is not up yet, the evaluation fails and says so even though the router carries the load (the
// router is not read); once it scrapes, a release answering 30 % 500s takes the alert to firing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deployedProject } from './fixtures.ts';
import { freePort } from './harness.ts';
import { describeLoad, host, rolloutFiles, startLoad } from './rollout-kit.ts';
import { startPrometheus, waitScraped } from '../metrics/prometheus-kit.ts';

interface AlertJson {
  name: string;
  state: string;
  samples: number;
  lastChange: { to: string; reason: string } | null;
}

const alerts = ['    alertWindow: 5s', '    alerts:', '      - { name: errors, metric: errorRate, above: 5%, for: 5s, action: notify }'].join('\n');

void test('with --prometheus, an error-rate alert reads Prometheus (not the router) and fires on a release answering 30% 500s', async (t) => {
  const promPort = await freePort();
  const promUrl = `http://127.0.0.1:${promPort}`;
  const f = rolloutFiles('v1', { strategy: 'rolling', failPercent: 30 });
  const { server } = await deployedProject(t, 'promalerts', { ...f, 'sluice.yaml': `${f['sluice.yaml']}${alerts}\n` }, { args: ['--prometheus', promUrl] });
  assert.match(server.log, /alerts: traffic figures come from Prometheus \(--prometheus\)/);
  const load = startLoad(t, server.routerPort, host('promalerts'), { concurrency: 4, rps: 100, maxMs: 150_000 });

  // Nothing listens at the Prometheus URL yet: the evaluator says so, and judges nothing from the router's counters.
  await server.waitFor('the alerts to fail on the absent Prometheus', async () => server.log.includes(`alerts: evaluation failed, states kept: Prometheus at ${promUrl} did not answer`), 30_000);
  const before = await server.json<AlertJson[]>(['alerts', 'promalerts', '--env', 'production']);
  assert.equal(before[0]?.state, 'inconclusive', JSON.stringify(before));
  assert.equal(before[0]?.lastChange, null, JSON.stringify(before));

  const viewer = await server.json<{ token: string }>(['token', 'create', 'prometheus', '--role', 'viewer']);
  const prometheus = await startPrometheus(`127.0.0.1:${server.port}`, { bearerToken: viewer.token, port: promPort });
  t.after(() => prometheus.stop());
  await waitScraped(prometheus);

  const fired = await server.waitFor('the alert firing', async () => {
    const all = await server.json<AlertJson[]>(['alerts', 'promalerts', '--env', 'production']);
    return all[0]?.state === 'firing' ? all[0] : undefined;
  }, 90_000);
  assert.match(fired.lastChange?.reason ?? '', /^errorRate \d+\.\d\d% > 5\.00% over 5s \(\d+ requests\) for 5s$/, JSON.stringify(fired));
  assert.ok(fired.samples >= 20, JSON.stringify(fired));
  assert.match(server.log, /alerts: evaluating again/);
  const result = await load.stop();
  assert.ok((result.ownErrors.get('v1') ?? 0) > 0, describeLoad(result));
});
