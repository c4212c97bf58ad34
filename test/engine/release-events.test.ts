// Platform events of rollouts and rollbacks: what each carries (release, commit with its time,
// cause, facts), and that an event log which fails never stops a rollback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Deployer } from '../../src/engine/deploy/deployer.ts';
import { releaseEventEmitter } from '../../src/engine/deploy/release-event-emitter.ts';
import { RolloutDriver } from '../../src/engine/rollout/rollout-driver.ts';
import type { RolloutPlan } from '../../src/engine/rollout/rollout-plan.ts';
import type { SecretService } from '../../src/engine/secrets/secret-service.ts';
import { EventLog, type EventRecords } from '../../src/events/event-log.ts';
import type { PlatformEvent } from '../../src/events/platform-event.ts';
import { addProject, openFixture, quietLogger, type Fixture } from './engine-fixtures.ts';
import { figures, MemoryRouter, MemoryRuntime, rolloutDeps, storedRollout, twoReleases } from './rollout-fixtures.ts';

const sha = 'a'.repeat(40);
const committedAt = '2029-12-31T23:00:00Z';

/** Release 1 went live with its commit's time: the event a release put back copies it from. */
async function seedLive(log: EventLog): Promise<void> {
  await log.emit({
    kind: 'release.live', at: '2030-01-01T00:00:00.000Z', project: 'app', environment: 'production', release: 1, run: null,
    commit: { sha, message: 'first', author: 'Ada <ada@example.test>', committedAt }, cause: 'commit', summary: '', facts: {},
  });
}

async function setUp(t: import('node:test').TestContext): Promise<{ fx: Fixture; log: EventLog; errors: string[] }> {
  const fx = await openFixture();
  t.after(() => fx.close());
  await addProject(fx.store);
  const errors: string[] = [];
  const log = new EventLog(fx.store, fx.clock, { ...quietLogger, error: (m) => errors.push(m) });
  return { fx, log, errors };
}

const kinds = (events: PlatformEvent[]): string[] => events.map((e) => `${e.kind}:${e.release}`);

void test('a breach during bake: rollback (analysis), the stable release live again as a rollback target, rollout aborted with its figures', async (t) => {
  const { fx, log } = await setUp(t);
  const { stable, target } = await twoReleases(fx.store);
  await seedLive(log);
  const plan: RolloutPlan = { strategy: { kind: 'rolling', maxSurge: 1, maxUnavailable: 0 }, bakeMs: 60_000 };
  const rollout = await storedRollout(fx.store, target, stable, plan, { phase: 'bake', bakeUntil: '2030-01-01T00:01:00.000Z', windowJson: JSON.stringify({ r2: figures('r2', 0, 0) }) });
  const router = new MemoryRouter();
  router.figures = [figures('r2', 100, 50)]; // 50 % errors
  const emit = releaseEventEmitter({ eventLog: log, store: fx.store, logger: quietLogger });
  await new RolloutDriver({ ...rolloutDeps(fx, new MemoryRuntime(), router), emit }).advance(rollout.id);

  const events = (await log.list({ project: 'app', limit: 100 })).slice(1);
  assert.deepEqual(kinds(events), ['rollback:3', 'release.live:3', 'rollout.aborted:2']);
  const [rollback, live, aborted] = events as [PlatformEvent, PlatformEvent, PlatformEvent];
  assert.equal(rollback.cause, 'analysis');
  assert.deepEqual({ ...rollback.facts, reason: undefined }, { from: 2, to: 1, release: 3, automatic: true, reason: undefined });
  assert.match(String(rollback.facts.reason), /bake: .*error/);
  assert.equal(live.facts.rollbackOf, 2, 'DORA tells a rollback target from a deploy');
  assert.equal(live.commit?.committedAt, committedAt, 'the commit time comes from the event of the release put back, not git');
  assert.equal(aborted.cause, 'analysis');
  assert.equal(aborted.facts.failure, true);
  const decisions = aborted.facts.decisions as Array<{ metric: string; verdict: string; samples: unknown }>;
  assert.ok(decisions.some((d) => d.verdict === 'fail'), 'the analysis figures that ended it');
});

function deployer(fx: Fixture, log: EventLog): Deployer {
  return new Deployer({
    store: fx.store, runtime: new MemoryRuntime(), router: new MemoryRouter(), clock: fx.clock, config: fx.deps('owner').config, logger: quietLogger,
    artifactExists: async () => true, secrets: { resolve: async () => ({}) } as unknown as SecretService, eventLog: log,
  });
}

void test('a rollback asked for by an alert carries its cause; one by a person names the person', async (t) => {
  const { fx, log } = await setUp(t);
  await twoReleases(fx.store);
  await seedLive(log);
  const d = deployer(fx, log);
  await d.rollback('app', 'production', undefined, 'alerts', { cause: 'alert:errors', reason: 'errorRate 4.1 % > 2 % for 2m' });
  await d.rollback('app', 'production', 2, 'ada');

  const events = (await log.list({ project: 'app', limit: 100 })).slice(1);
  assert.deepEqual(kinds(events), ['rollback:3', 'release.live:3', 'rollout.promoted:3', 'rollback:4', 'release.live:4', 'rollout.promoted:4']);
  const [byAlert, liveAlert, , byPerson, livePerson] = events;
  assert.equal(byAlert!.cause, 'alert:errors');
  assert.deepEqual({ from: byAlert!.facts.from, to: byAlert!.facts.to, release: byAlert!.facts.release, automatic: byAlert!.facts.automatic }, { from: 2, to: 1, release: 3, automatic: true });
  assert.match(String(byAlert!.facts.reason), /errorRate 4\.1 % > 2 %/);
  assert.equal(liveAlert!.cause, 'alert:errors');
  assert.equal(liveAlert!.facts.rollbackOf, 2);
  assert.equal(byPerson!.cause, 'token:ada');
  assert.equal(byPerson!.facts.by, 'ada');
  assert.equal(byPerson!.facts.automatic, false);
  // A rollback of a rollback: release 4 puts release 2 back, from release 3.
  assert.deepEqual([byPerson!.facts.from, byPerson!.facts.to, livePerson!.facts.rollbackOf], [3, 2, 3]);
});

void test('an event log whose store fails never stops a rollback', async (t) => {
  const { fx } = await setUp(t);
  await twoReleases(fx.store);
  const errors: string[] = [];
  const broken: EventRecords = {
    appendEvent: () => Promise.reject(new Error('SQLITE_FULL: database or disk is full')),
    listEvents: () => Promise.reject(new Error('SQLITE_IOERR')),
  };
  const log = new EventLog(broken, fx.clock, { ...quietLogger, error: (m) => errors.push(m) });
  const d = new Deployer({
    store: fx.store, runtime: new MemoryRuntime(), router: new MemoryRouter(), clock: fx.clock, config: fx.deps('owner').config,
    logger: { ...quietLogger, error: (m) => errors.push(m) }, artifactExists: async () => true, secrets: { resolve: async () => ({}) } as unknown as SecretService, eventLog: log,
  });
  const release = await d.rollback('app', 'production', undefined, 'ada');
  assert.equal((await fx.store.getRelease('app', 'production', release.number))?.state, 'live');
  assert.ok(errors.some((e) => /not recorded/.test(e)), errors.join('\n'));
});
