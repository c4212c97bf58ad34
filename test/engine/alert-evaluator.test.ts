// The alert evaluator against a real store, a scripted router and a fake clock: states stored
// and explained, events emitted, the rollback asked for once per release (from the bake while
// one runs), nothing fired on too little data, states kept across a restart, and one data-plane
// metrics request per tick for every environment.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { AlertEvaluator } from '../../src/engine/alerts/alert-evaluator.ts';
import { EventLog } from '../../src/events/event-log.ts';
import type { ReleaseMetrics } from '../../src/router/route-table.ts';
import type { AlertSpec } from '../../src/spec/alert-spec.ts';
import { RolloutDriver } from '../../src/engine/rollout/rollout-driver.ts';
import { addMetrics } from '../../src/engine/rollout/metrics-window.ts';
import type { AlertTraffic } from '../../src/engine/alerts/alert-traffic.ts';
import type { Logger } from '../../src/engine/logger.ts';
import { alertViews } from '../../src/engine/alerts/alert-views.ts';
import { WatchedEnvironments } from '../../src/engine/alerts/watched-environments.ts';
import { addProject, openFixture, quietLogger, type Fixture } from './engine-fixtures.ts';
import { figures, MemoryRouter, MemoryRuntime, rolloutDeps, storedRollout } from './rollout-fixtures.ts';

const errors: AlertSpec = { name: 'errors', metric: 'errorRate', comparison: 'above', threshold: 0.02, forMs: 30_000, action: 'rollback' };
const slow: AlertSpec = { name: 'slow', metric: 'p99', comparison: 'above', threshold: 800, forMs: 20_000, action: 'notify' };

function config(alerts: AlertSpec[]): string {
  return JSON.stringify({ services: [{ name: 'web', start: 'node server.js', health: null, instances: 1, env: {} }], alerts, alertWindowMs: 10_000 });
}

/** Releases 1 (previous) and 2 (live, with the alerts) of app/ENV. */
async function releases(fx: Fixture, alerts: AlertSpec[], environment = 'production'): Promise<void> {
  await fx.store.ensureEnvironment('app', environment, '2030-01-01T00:00:00.000Z');
  for (const state of ['previous', 'live']) {
    await fx.store.createRelease({
      project: 'app', environment, runId: null, runNumber: 1, commitSha: 'a'.repeat(40), artifactDigest: `sha256:${'0'.repeat(64)}`,
      configJson: config(alerts), state, reason: null, rolledBackFrom: null, createdAt: '2030-01-01T00:00:00.000Z',
    });
  }
  await fx.store.updateEnvironment('app', environment, { currentRelease: 2, desiredRelease: 2, state: 'healthy' });
}

/** A router whose cumulative counters grow by `rate` requests a second, `share` of them 5xx, `latencyMs` each. */
class TrafficRouter extends MemoryRouter {
  calls = 0;
  private readonly counters = new Map<string, { requests: number; errors: number; slow: number }>();
  rate = 100;
  share = 0;
  latencyMs = 5;
  hosts = ['production.app.localhost'];

  advance(seconds: number): void {
    for (const host of this.hosts) {
      const c = this.counters.get(host) ?? { requests: 0, errors: 0, slow: 0 };
      const n = Math.round(this.rate * seconds);
      c.requests += n;
      c.errors += Math.round(n * this.share);
      if (this.latencyMs > 100) c.slow += n;
      this.counters.set(host, c);
    }
  }

  /** Reads as a figures source (Prometheus's shape: per release, host '*'), counted apart from metrics(). */
  figureReads = 0;

  async releaseFigures(scope: { project: string; environment: string }): Promise<Record<string, ReleaseMetrics>> {
    this.figureReads++;
    const mine = this.rows().filter((m) => m.host.startsWith(`${scope.environment}.${scope.project}.`));
    return mine.length === 0 ? {} : { r2: mine.reduce<ReleaseMetrics | undefined>((sum, m) => addMetrics(sum, m), undefined)! };
  }

  override async metrics(): Promise<ReleaseMetrics[]> {
    this.calls++;
    return this.rows();
  }

  private rows(): ReleaseMetrics[] {
    return [...this.counters].map(([host, c]) => ({ ...figures('r2', c.requests, c.errors, host), latency: { bounds: [10, 100, 1000], counts: [c.requests - c.slow, c.requests - c.slow, c.requests, c.requests], sum: 0 } }));
  }
}

/** `traffic`: where the evaluator reads (default: the router); `logger`: to read its warnings. */
async function setup(t: TestContext, alerts: AlertSpec[], opts: { traffic?: (router: TrafficRouter) => AlertTraffic; logger?: Logger } = {}) {
  const fx = await openFixture();
  t.after(() => fx.close());
  await addProject(fx.store);
  await releases(fx, alerts);
  const router = new TrafficRouter();
  const rollbacks: { actor: string; why: string }[] = [];
  const eventLog = new EventLog(fx.store, fx.clock, quietLogger);
  const evaluator = (): AlertEvaluator =>
    new AlertEvaluator({
      store: fx.store, router, runtime: new MemoryRuntime(), clock: fx.clock, naming: { baseDomain: 'localhost', routerPort: 8080 }, logger: opts.logger ?? quietLogger, eventLog,
      ...(opts.traffic ? { traffic: opts.traffic(router) } : {}),
      rollback: async (_p, _e, actor, why) => rollbacks.push({ actor, why }),
      wakeRollout: () => {},
      refreshMs: 0,
    });
  let now = Date.parse('2030-01-01T00:00:00.000Z');
  const tick = async (e: AlertEvaluator, seconds = 1): Promise<void> => {
    now += seconds * 1000;
    fx.clock.set(new Date(now).toISOString());
    router.advance(seconds);
    await e.tick();
  };
  return { fx, router, rollbacks, evaluator, tick, eventLog };
}

void test('an error-rate breach goes pending, fires after `for` with its figures, rolls back once, and resolves', async (t) => {
  const { fx, router, rollbacks, evaluator, tick, eventLog } = await setup(t, [errors, slow]);
  const e = evaluator();
  for (let i = 0; i < 12; i++) await tick(e);
  assert.equal(e.state('app', 'production', 'errors')?.state, 'ok');
  router.share = 0.3;
  await tick(e);
  assert.equal(e.state('app', 'production', 'errors')?.state, 'pending');
  for (let i = 0; i < 29; i++) await tick(e);
  assert.equal(e.state('app', 'production', 'errors')?.state, 'pending');
  await tick(e);
  const firing = e.state('app', 'production', 'errors')!;
  assert.equal(firing.state, 'firing');
  assert.equal(firing.rolledBackRelease, 2);
  assert.equal(firing.threshold, 0.02);
  assert.ok(firing.value !== null && firing.value > 0.25, String(firing.value));
  assert.equal(firing.samples, 1000);
  assert.match(firing.lastChange?.reason ?? '', /^errorRate 30\.00% > 2\.00% over 10s \(1000 requests\) for 30s$/);
  assert.equal(rollbacks.length, 1);
  assert.equal(rollbacks[0]?.actor, 'alert:errors');
  assert.match(rollbacks[0].why, /^alert errors: errorRate 30\.00% > 2\.00% over 10s \(1000 requests\)/);
  for (let i = 0; i < 5; i++) await tick(e);
  assert.equal(rollbacks.length, 1, 'firing goes on: no second rollback');
  router.share = 0;
  for (let i = 0; i < 11; i++) await tick(e);
  assert.equal(e.state('app', 'production', 'errors')?.state, 'ok');
  const history = await fx.store.listAlertChanges({ project: 'app', name: 'errors', limit: 10 });
  assert.deepEqual(history.map((c) => `${c.from}→${c.to}`), ['firing→ok', 'pending→firing', 'ok→pending', 'inconclusive→ok']);
  assert.equal(history[1]?.windowMs, 10_000);
  const events = await eventLog.list({ project: 'app', limit: 10 });
  assert.deepEqual(events.map((ev) => ev.kind), ['alert.firing', 'alert.resolved']);
  assert.equal(events[0]?.cause, 'alert:errors');
  assert.equal(events[0]?.release, 2);
  const { display: _display, ...facts } = events[0].facts;
  assert.deepEqual(facts, { alert: 'errors', metric: 'errorRate', value: firing.value, threshold: 0.02, window: '10s', samples: 1000, action: 'rollback', state: 'firing' });
  // The latency alert never breached.
  assert.equal(e.state('app', 'production', 'slow')?.state, 'ok');
});

void test('a notify alert fires without a rollback; too few requests stays inconclusive, never firing', async (t) => {
  const { router, rollbacks, evaluator, tick } = await setup(t, [errors, slow]);
  const e = evaluator();
  router.latencyMs = 500;
  router.rate = 1; // 10 requests a window: fewer than 20
  router.share = 1;
  for (let i = 0; i < 60; i++) await tick(e);
  assert.equal(e.state('app', 'production', 'errors')?.state, 'inconclusive');
  assert.equal(e.state('app', 'production', 'slow')?.state, 'inconclusive');
  assert.match(e.state('app', 'production', 'errors')?.lastChange?.reason ?? 'first look', /first look|too few/);
  router.rate = 100;
  router.share = 0;
  for (let i = 0; i < 40; i++) await tick(e);
  const slowState = e.state('app', 'production', 'slow')!;
  assert.equal(slowState.state, 'firing');
  assert.match(slowState.lastChange!.reason, /^p99 \d+(\.\d+)?ms > 800ms over 10s/);
  assert.equal(rollbacks.length, 0);
});

void test('a restarted evaluator keeps firing and pending states and never rolls the same release back twice', async (t) => {
  const { fx, router, rollbacks, evaluator, tick } = await setup(t, [errors]);
  const first = evaluator();
  for (let i = 0; i < 12; i++) await tick(first);
  router.share = 0.5;
  for (let i = 0; i < 32; i++) await tick(first);
  assert.equal(first.state('app', 'production', 'errors')?.state, 'firing');
  const since = first.state('app', 'production', 'errors')?.since;
  assert.equal(rollbacks.length, 1);
  const second = evaluator();
  for (let i = 0; i < 15; i++) await tick(second);
  const kept = second.state('app', 'production', 'errors')!;
  assert.equal(kept.state, 'firing');
  assert.equal(kept.since, since);
  assert.equal(rollbacks.length, 1);
  // Resolved, then breaching again on the same release: it fires again but does not roll back again.
  router.share = 0;
  for (let i = 0; i < 12; i++) await tick(second);
  router.share = 0.5;
  for (let i = 0; i < 32; i++) await tick(second);
  assert.equal(second.state('app', 'production', 'errors')?.state, 'firing');
  assert.equal(rollbacks.length, 1);
  assert.equal((await fx.store.listAlertStates({ project: 'app' }))[0]?.rolledBackRelease, 2);
});

void test('during a bake the bake is asked to roll back, and rolls back once with the alert\'s figures as the reason', async (t) => {
  const { fx, router, rollbacks, evaluator, tick } = await setup(t, [errors]);
  const stable = (await fx.store.getRelease('app', 'production', 1))!;
  const target = (await fx.store.getRelease('app', 'production', 2))!;
  const rollout = await storedRollout(fx.store, target, stable, { strategy: { kind: 'rolling', maxSurge: 1, maxUnavailable: 0 }, bakeMs: 600_000 }, { phase: 'bake', bakeUntil: '2030-01-01T01:00:00.000Z', windowJson: '{}' });
  const e = evaluator();
  for (let i = 0; i < 12; i++) await tick(e);
  router.share = 0.3;
  for (let i = 0; i < 31; i++) await tick(e);
  assert.equal(e.state('app', 'production', 'errors')?.state, 'firing');
  assert.equal(rollbacks.length, 0, 'not through the deployer while the bake holds the environment');
  const requested = (await fx.store.getRollout(rollout.id))!;
  assert.match(requested.abortRequested ?? '', /^alert errors: errorRate 30\.00% > 2\.00%/);
  // The bake's next look rolls back (its own thresholds would have too: only one rollback happens).
  const driver = new RolloutDriver(rolloutDeps(fx, new MemoryRuntime(), new MemoryRouter()));
  const after = await driver.advance(rollout.id);
  assert.equal(after.state, 'aborted');
  assert.equal((await driver.advance(rollout.id)).state, 'aborted');
  const failed = (await fx.store.getRelease('app', 'production', 2))!;
  assert.equal(failed.state, 'failed');
  assert.match(failed.reason ?? '', /^alert errors: errorRate 30\.00% > 2\.00% over 10s \(1000 requests\)/);
  const back = (await fx.store.getRelease('app', 'production', 3))!;
  assert.equal(back.rolledBackFrom, 2);
  assert.equal(back.state, 'live');
  assert.equal((await fx.store.listReleases('app', 'production')).length, 3);
});

void test('one data-plane metrics request per tick for all environments, none without alerts', async (t) => {
  const { fx, router, evaluator, tick } = await setup(t, [errors]);
  for (let i = 0; i < 20; i++) await releases(fx, [errors, slow], `env-${i}`);
  router.hosts = ['production.app.localhost', ...Array.from({ length: 20 }, (_, i) => `env-${i}.app.localhost`)];
  const e = evaluator();
  for (let i = 0; i < 15; i++) await tick(e);
  assert.equal(router.calls, 15);
  assert.equal(e.state('app', 'env-7', 'slow')?.state, 'ok');
  assert.equal(e.figure('app', 'env-7', 'errors')?.samples, 1000);
  const quiet = await openFixture();
  t.after(() => quiet.close());
  const idle = new TrafficRouter();
  const none = new AlertEvaluator({ store: quiet.store, router: idle, runtime: new MemoryRuntime(), clock: quiet.clock, naming: { baseDomain: 'localhost', routerPort: 8080 }, logger: quietLogger, rollback: async () => {}, wakeRollout: () => {} });
  await none.tick();
  assert.equal(idle.calls, 0);
});

void test('with a figures source (Prometheus) the router is never asked: the figures are read every 5 s and the error alert fires from them', async (t) => {
  const { router, rollbacks, evaluator, tick } = await setup(t, [errors, slow], { traffic: (r) => ({ from: 'figures', figures: r, everyMs: 5_000 }) });
  const e = evaluator();
  for (let i = 0; i < 12; i++) await tick(e);
  assert.equal(e.state('app', 'production', 'errors')?.state, 'ok');
  assert.equal(e.figure('app', 'production', 'errors')?.samples, 1000, 'a 10 s window of 100 requests a second');
  router.share = 0.3;
  for (let i = 0; i < 45; i++) await tick(e);
  const firing = e.state('app', 'production', 'errors')!;
  assert.equal(firing.state, 'firing');
  assert.match(firing.lastChange?.reason ?? '', /^errorRate 30\.00% > 2\.00% over 10s \(1000 requests\) for 30s$/);
  assert.equal(rollbacks.length, 1);
  assert.equal(e.state('app', 'production', 'slow')?.state, 'ok');
  assert.equal(router.calls, 0, 'the router was not read');
  // 57 ticks a second apart, one read every 5 s (half the 10 s window is more): 12 reads.
  assert.equal(router.figureReads, 12);
});

void test('with no traffic source (the Gateway router without --prometheus) traffic alerts are never judged, each said once not to be evaluated', async (t) => {
  const warnings: string[] = [];
  const few: AlertSpec = { name: 'quiet', metric: 'requests', comparison: 'below', threshold: 10, forMs: 10_000, action: 'notify' };
  const logger: Logger = { ...quietLogger, warn: (line) => void warnings.push(line) };
  const restarts: AlertSpec = { name: 'crashes', metric: 'restarts', comparison: 'above', threshold: 3, forMs: 10_000, action: 'notify' };
  const { fx, router, rollbacks, evaluator, tick } = await setup(t, [errors, few, restarts], { traffic: () => ({ from: 'none', why: 'no source here' }), logger });
  const e = evaluator();
  router.share = 1;
  for (let i = 0; i < 40; i++) await tick(e);
  // Zero requests judged would fire `requests below 10`: nothing is judged instead.
  assert.equal(e.state('app', 'production', 'quiet'), undefined);
  assert.equal(e.state('app', 'production', 'errors'), undefined);
  assert.equal(e.figure('app', 'production', 'quiet'), undefined);
  assert.equal(rollbacks.length, 0);
  assert.equal(router.calls, 0);
  assert.deepEqual(warnings, ['[app/production] alert errors (errorRate) is not evaluated: no source here', '[app/production] alert quiet (requests) is not evaluated: no source here']);
  // `sluice alerts` says it too; restarts come from the runtime and are still judged.
  assert.equal(e.state('app', 'production', 'crashes')?.state, 'inconclusive', 'judged (a stored state; no instances here)');
  const views = await alertViews(new WatchedEnvironments(fx.store, { baseDomain: 'localhost', routerPort: 8080 }), e, 'app');
  assert.deepEqual(views.map((v) => [v.name, v.state, v.unevaluated]), [['errors', 'inconclusive', 'no source here'], ['quiet', 'inconclusive', 'no source here'], ['crashes', 'inconclusive', undefined]]);
});
