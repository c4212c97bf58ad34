// bench/alerts: what the alert evaluator costs and how fast it acts.
//   latency (a real server, `npm run build` first): production runs v1 with
//     `{name: errors, metric: errorRate, above: 5%, for: 10s, action: rollback}` (window 5 s);
//     v2 answers 30 % 500s. Once v2 is live and quiet, a 200 req/s load starts (the breach
//     starts with its first request, T0). Measured past T0 + for: the alert's pending → firing
//     change (its stored `at`), and the first of 20 consecutive answers from v1 (the previous
//     release serving again). Repeated --rounds times (3), a new v2 commit each time.
//   cost (in process): AlertEvaluator.tick() over --ticks (200) ticks against the router's own
//     counters (ReleaseStatsRegistry) for 200 environments × 2 hosts, every row getting 10
//     requests between two ticks (the worst case: no environment idle), answered through JSON
//     as over the data plane's socket (both the writing and the reading counted), 2 alerts
//     each, a SQLite store. CPU time (process.cpuUsage around each tick) per tick, and per
//     second at the 500 ms tick. Side by side in the same run, ticks interleaved: the same
//     evaluator reading the full /metrics answer every tick (as before the compact traffic
//     answer), and one metrics request per alert (as each bake reads its own).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertEvaluator } from '../src/engine/alerts/alert-evaluator.ts';
import { ReleaseStatsRegistry, type ReleaseStats } from '../src/router/edge/release-stats.ts';
import type { ReleaseMetrics } from '../src/router/route-table.ts';
import type { Router } from '../src/router/router.ts';
import { trafficFromMetrics, type TrafficAnswer, type TrafficCursor } from '../src/router/traffic-answer.ts';
import type { AlertSpec } from '../src/spec/alert-spec.ts';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.ts';
import { TestRepo, TestServer } from '../test/e2e/harness.ts';
import { rolloutFiles } from '../test/e2e/rollout-kit.ts';
import { benchMain, machine, median, sleep, waitRunOf } from './bench-kit.ts';
import { numberArg, RecordingLoad, waitUntil } from './rollout-kit.ts';
import { addProject } from '../test/engine/engine-fixtures.ts';

const ROUNDS = numberArg('--rounds', 3);
const TICKS = numberArg('--ticks', 200);
const ENVIRONMENTS = numberArg('--environments', 200);
const RPS = numberArg('--rps', 200);
const FOR_MS = 10_000;
const project = 'alb';
const host = `production.${project}.localhost`;

const alertsYaml = ['    alertWindow: 5s', '    alerts:', '      - { name: errors, metric: errorRate, above: 5%, for: 10s, action: rollback }'].join('\n');
function files(version: string, failPercent?: number): Record<string, string> {
  const f = rolloutFiles(version, { strategy: 'rolling', ...(failPercent === undefined ? {} : { failPercent }) });
  return { ...f, 'sluice.yaml': `${f['sluice.yaml']}${alertsYaml}\n` };
}

interface AlertJson { name: string; state: string; lastChange: { at: string; from: string; to: string; reason: string } | null }

async function latency(onCleanup: (fn: () => Promise<void> | void) => void): Promise<{ firing: number[]; serving: number[] }> {
  const server = await TestServer.start(['--poll-interval', '1h']);
  onCleanup(() => server.close());
  const repo = new TestRepo(files('v1'));
  onCleanup(() => repo.remove());
  const added = await server.cli(['project', 'add', project, '--repo', repo.dir]);
  if (added.code !== 0) throw new Error(added.stderr);
  const trigger = async (): Promise<void> => void (await server.api('POST', `/api/projects/${project}/trigger`, {}));
  if ((await waitRunOf(server, project, repo.head(), 120_000)).state !== 'succeeded') throw new Error('v1 did not deploy');
  const firing: number[] = [];
  const serving: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const sha = repo.commit(`v2 round ${round}`, { ...files('v2', 30), ROUND: `${round}\n` });
    await trigger();
    if ((await waitRunOf(server, project, sha, 120_000)).state !== 'succeeded') throw new Error(`v2 round ${round} did not deploy`);
    const load = new RecordingLoad(server.routerPort, host, { rps: RPS, connections: 8, maxRequests: 100_000, limitMs: 120_000 });
    const t0 = performance.timeOrigin + performance.now();
    load.start();
    // Back to v1: 20 answers in a row from it (v1 never answers 500).
    const back = await waitUntil('v1 serving again', 90_000, () => {
      const s = load.samples;
      let run = 0;
      for (let i = 0; i < s.length; i++) {
        run = s[i]!.status === 200 && s[i]!.body === 'v1' && s[i]!.sent > t0 ? run + 1 : 0;
        if (run === 20) return s[i - 19]!.done;
      }
      return undefined;
    }, 50);
    await load.stop();
    const alerts = (await server.api<{ name: string; state: string; lastChange: AlertJson['lastChange'] }[]>('GET', `/api/projects/${project}/alerts`)).body;
    const errors = alerts.find((a) => a.name === 'errors');
    // The firing change may have been followed by another already (firing → inconclusive once quiet): read the history.
    const fired = errors?.lastChange?.to === 'firing' ? errors.lastChange : null;
    const firedAt = fired ? Date.parse(fired.at) : await firingFromLog(server);
    firing.push(firedAt - t0 - FOR_MS);
    serving.push(back - t0 - FOR_MS);
    console.log(`round ${round}: firing ${((firedAt - t0 - FOR_MS) / 1000).toFixed(2)} s past for, v1 serving ${((back - t0 - FOR_MS) / 1000).toFixed(2)} s past for (${load.sent} requests)`);
    // Quiet until the alert leaves firing, so the next round starts from a clean window.
    await waitUntil('the alert quiet again', 60_000, async () => {
      const a = (await server.api<AlertJson[]>('GET', `/api/projects/${project}/alerts`)).body.find((x) => x.name === 'errors');
      return a && a.state !== 'firing' && a.state !== 'pending';
    }, 500);
  }
  return { firing, serving };
}

/** The firing time from the server's log line (`alert errors: pending → firing`), when the state moved on already. */
async function firingFromLog(server: TestServer): Promise<number> {
  const line = server.log.split('\n').reverse().find((l) => l.includes('alert errors: pending → firing'));
  const at = line ? /(\d{4}-\d\d-\d\dT[\d:.]+Z)/.exec(line)?.[1] : undefined;
  if (!at) throw new Error('no firing change found');
  return Date.parse(at);
}

/**
 * A data plane's counters for `envs` environments × 2 hosts (the router's own ReleaseStatsRegistry,
 * its 39 latency bounds), answering as over its socket: the text is made and read each time.
 * `advance()` records requests on every row (outside the measured CPU: that is the router's work).
 */
function fakeDataPlane(envs: number): Pick<Router, 'metrics' | 'traffic'> & { advance(): void; calls: number } {
  const registry = new ReleaseStatsRegistry();
  const stats: ReleaseStats[] = [];
  registry.beginTable();
  for (let e = 0; e < envs; e++) for (const h of [`production-${e}.app.localhost`, `web.production-${e}.app.localhost`]) stats.push(registry.get(h, 'r2'));
  registry.endTable();
  let n = 0;
  const r = {
    calls: 0,
    advance(): void {
      for (const s of stats) for (let i = 0; i < 10; i++) s.record(n++ % 1000 === 0 ? 500 : 200, (n % 97) * 2);
    },
    async metrics(): Promise<ReleaseMetrics[]> {
      r.calls++;
      return JSON.parse(JSON.stringify(registry.snapshot())) as ReleaseMetrics[];
    },
    async traffic(since?: TrafficCursor): Promise<TrafficAnswer> {
      r.calls++;
      return JSON.parse(JSON.stringify(registry.trafficSince(since))) as TrafficAnswer;
    },
  };
  return r;
}

async function cost(onCleanup: (fn: () => Promise<void> | void) => void): Promise<{ perTickMs: number; fullPerTickMs: number; baselinePerTickMs: number; requests: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-alerts-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const store = openSqliteStore(join(dir, 'sluice.db'));
  await store.migrate();
  onCleanup(() => store.close());
  const alerts: AlertSpec[] = [
    { name: 'errors', metric: 'errorRate', comparison: 'above', threshold: 0.02, forMs: 60_000, action: 'rollback' },
    { name: 'slow', metric: 'p99', comparison: 'above', threshold: 800, forMs: 300_000, action: 'notify' },
  ];
  const configJson = JSON.stringify({ services: [{ name: 'web', start: 'x', health: null, instances: 1, env: {} }], alerts, alertWindowMs: 10_000 });
  await addProject(store);
  for (let e = 0; e < ENVIRONMENTS; e++) {
    const env = `production-${e}`;
    await store.ensureEnvironment('app', env, new Date().toISOString());
    await store.createRelease({ project: 'app', environment: env, runId: null, runNumber: 1, commitSha: 'a'.repeat(40), artifactDigest: `sha256:${'0'.repeat(64)}`, configJson, state: 'live', reason: null, rolledBackFrom: null, createdAt: new Date().toISOString() });
    await store.updateEnvironment('app', env, { currentRelease: 1, desiredRelease: 1, state: 'healthy' });
  }
  const quiet = { info: () => {}, warn: () => {}, error: () => {} };
  // One evaluator per way of reading the counters, each with its own data plane, ticks interleaved.
  const ways = {
    compact: fakeDataPlane(ENVIRONMENTS),
    full: fakeDataPlane(ENVIRONMENTS),
  };
  // The baseline: the full /metrics answer every tick, as before the compact one.
  const fullRouter = { traffic: async () => trafficFromMetrics(await ways.full.metrics()) };
  let now = Date.now();
  const clock = { now: () => new Date(now), sleep: async () => {} };
  const evaluator = (router: Pick<Router, 'traffic'>): AlertEvaluator =>
    new AlertEvaluator({ store, router, runtime: { listInstances: async () => [] }, clock, naming: { baseDomain: 'localhost', routerPort: 8080 }, logger: quiet, rollback: async () => {}, wakeRollout: () => {} });
  const compact = evaluator(ways.compact);
  const full = evaluator(fullRouter);
  const cpu = { compact: 0, full: 0 };
  const tick = async (which: 'compact' | 'full', e: AlertEvaluator, measure: boolean): Promise<void> => {
    ways[which].advance();
    const before = process.cpuUsage();
    await e.tick();
    const used = process.cpuUsage(before);
    if (measure) cpu[which] += (used.user + used.system) / 1000;
  };
  // Warm up past one window (and the JIT), then measure.
  for (let i = 0; i < TICKS + 40; i++) {
    now += 500;
    await tick('compact', compact, i >= 40);
    await tick('full', full, i >= 40);
  }
  const requests = ways.compact.calls / (TICKS + 40);
  // Baseline: one metrics request per alert per tick (what per-alert reads, like each bake's, would cost).
  const base = fakeDataPlane(ENVIRONMENTS);
  const b0 = process.cpuUsage();
  const baseTicks = Math.max(5, Math.round(TICKS / 20));
  for (let i = 0; i < baseTicks; i++) for (let a = 0; a < ENVIRONMENTS * alerts.length; a++) await base.metrics();
  const bUsed = process.cpuUsage(b0);
  return { perTickMs: cpu.compact / TICKS, fullPerTickMs: cpu.full / TICKS, baselinePerTickMs: (bUsed.user + bUsed.system) / 1000 / baseTicks, requests };
}

await benchMain('bench/alerts', 20 * 60_000, async (onCleanup) => {
  console.log(`bench/alerts on ${machine()}`);
  const c = await cost(onCleanup);
  const share = (c.perTickMs / 500) * 100;
  console.log(`cost: ${ENVIRONMENTS} environments × 2 alerts, ${TICKS} ticks: ${c.perTickMs.toFixed(2)} ms CPU per tick (${c.requests} compact traffic request per tick) = ${share.toFixed(2)} % of one core at one tick per 500 ms`);
  console.log(`baseline: the full metrics answer every tick: ${c.fullPerTickMs.toFixed(2)} ms CPU per tick = ${((c.fullPerTickMs / 500) * 100).toFixed(2)} % of one core`);
  console.log(`baseline: one metrics request per alert: ${c.baselinePerTickMs.toFixed(1)} ms CPU per tick = ${((c.baselinePerTickMs / 500) * 100).toFixed(1)} % of one core (the requests alone, nothing evaluated)`);
  if (process.argv.includes('--cost-only')) return;
  const l = await latency(onCleanup);
  const s = (xs: number[]): string => `median ${(median(xs) / 1000).toFixed(2)} s (${xs.map((x) => (x / 1000).toFixed(2)).join(', ')})`;
  console.log(`breach → firing, past for: ${s(l.firing)}`);
  console.log(`breach → previous release serving, past for: ${s(l.serving)}`);
  await sleep(0);
});
