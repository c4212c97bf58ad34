// Alerts on a running app: a release answering 30 % 500s through the router (100 req/s on
// 127.0.0.1) takes a notify alert to firing (no rollback) and a rollback alert through pending
// to firing, which puts the previous release back, marked failed with the alert's figures; a
// control plane killed in between comes back with the alert states it had.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deployedProject, envStatus, type ReleaseJson } from './fixtures.ts';
import { bodies, describeLoad, host, rolloutFiles, startLoad } from './rollout-kit.ts';
import type { TestServer } from './harness.ts';

interface AlertJson {
  name: string;
  environment: string;
  state: string;
  since: string | null;
  value: number | null;
  threshold: number;
  samples: number;
  action: string;
  lastChange: { from: string; to: string; reason: string; value: number | null; samples: number; windowMs: number } | null;
}

const alerts = ['    alertWindow: 5s', '    alerts:', '      - { name: errors-seen, metric: errorRate, above: 5%, for: 5s, action: notify }', '      - { name: errors, metric: errorRate, above: 5%, for: 20s, action: rollback }'].join('\n');

function files(version: string, failPercent?: number): Record<string, string> {
  const f = rolloutFiles(version, { strategy: 'rolling', ...(failPercent === undefined ? {} : { failPercent }) });
  return { ...f, 'sluice.yaml': `${f['sluice.yaml']}${alerts}\n` };
}

async function alertsOf(server: TestServer, project: string): Promise<Map<string, AlertJson>> {
  return new Map((await server.json<AlertJson[]>(['alerts', project, '--env', 'production'])).map((a) => [a.name, a]));
}

function waitAlert(server: TestServer, project: string, name: string, state: string, timeoutMs: number): Promise<Map<string, AlertJson>> {
  return server.waitFor(`alert ${name} ${state}`, async () => {
    const all = await alertsOf(server, project);
    return all.get(name)?.state === state ? all : undefined;
  }, timeoutMs);
}

void test('a release answering 30% 500s: the notify alert fires without rollback, the rollback alert fires after its `for` and the previous release serves again; a restart keeps the states', async (t) => {
  // The alerts follow the live release's configuration: v1 declares them too.
  const { server, repo, first } = await deployedProject(t, 'alerted', files('v1'));
  const quiet = await alertsOf(server, 'alerted');
  assert.deepEqual([...quiet.keys()], ['errors-seen', 'errors']);
  assert.equal(quiet.get('errors')?.threshold, 0.05);
  assert.equal(quiet.get('errors')?.action, 'rollback');

  const bad = repo.commit('v2 answers 30% 500s', files('v2', 30));
  assert.equal((await server.waitRun('alerted', bad, 90_000)).state, 'succeeded');
  const load = startLoad(t, server.routerPort, host('alerted'), { concurrency: 4, rps: 100, maxMs: 150_000 });

  // The notify alert fires; the rollback alert is still pending (its `for` is longer): v2 still serves.
  const seen = await waitAlert(server, 'alerted', 'errors-seen', 'firing', 60_000);
  const notify = seen.get('errors-seen')!;
  assert.match(notify.lastChange?.reason ?? '', /^errorRate \d+\.\d\d% > 5\.00% over 5s \(\d+ requests\) for 5s$/, JSON.stringify(notify));
  assert.ok(notify.samples >= 20, JSON.stringify(notify));
  assert.equal(notify.lastChange?.windowMs, 5000);
  assert.notEqual(seen.get('errors')?.state, 'firing', JSON.stringify([...seen.values()]));
  assert.equal((await envStatus(server, 'alerted', 'production')).release?.commit, bad);

  // Killed and started again: the stored states come back as they were.
  const before = await alertsOf(server, 'alerted');
  await server.kill9();
  await server.launch();
  const after = await alertsOf(server, 'alerted');
  assert.equal(after.get('errors-seen')?.state, 'firing');
  assert.equal(after.get('errors-seen')?.since, before.get('errors-seen')?.since);
  assert.ok(['pending', 'firing'].includes(after.get('errors')?.state ?? ''), JSON.stringify([...after.values()]));

  const fired = await waitAlert(server, 'alerted', 'errors', 'firing', 90_000);
  const rollback = fired.get('errors')!;
  assert.match(rollback.lastChange?.reason ?? '', /^errorRate \d+\.\d\d% > 5\.00% over 5s \(\d+ requests\) for 20s$/);
  const served = await server.waitFor('the previous release serving', async () => {
    const releases = await server.json<ReleaseJson[]>(['releases', 'alerted', '--env', 'production']);
    return releases[0]?.state === 'live' && releases[0].rolledBackFrom !== undefined ? releases : undefined;
  }, 60_000);
  const [back, failed] = served;
  assert.equal(back?.commit, first.commit, JSON.stringify(served));
  assert.equal(back?.rolledBackFrom, failed?.number);
  assert.match(back?.reason ?? '', /^rollback to release \d+ by alert:errors: alert errors: errorRate/);
  assert.equal(failed?.commit, bad);
  assert.equal(failed?.state, 'failed');
  assert.match(failed?.reason ?? '', /^alert errors: errorRate \d+\.\d\d% > 5\.00% over 5s \(\d+ requests\) for 20s$/);
  assert.deepEqual(await bodies(server, 'alerted', 10), Array.from({ length: 10 }, () => 'v1'));
  const result = await load.stop();
  assert.ok((result.ownErrors.get('v2') ?? 0) > 0, describeLoad(result));

  // Firing goes on a while (the window still holds v2's errors), then resolves; never a second rollback.
  await waitAlert(server, 'alerted', 'errors', 'inconclusive', 60_000).catch(() => waitAlert(server, 'alerted', 'errors', 'ok', 30_000));
  const releases = await server.json<ReleaseJson[]>(['releases', 'alerted', '--env', 'production']);
  assert.equal(releases.filter((r) => r.rolledBackFrom !== undefined).length, 1, JSON.stringify(releases));
  const table = await server.cli(['alerts', 'alerted']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /ENVIRONMENT\s+ALERT\s+STATE/);
  assert.match(table.stdout, /production\s+errors\s+/);
});
