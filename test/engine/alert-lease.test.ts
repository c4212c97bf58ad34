// Two servers' alert evaluators on one store (SQLite and PostgreSQL): exactly one evaluates at a
// time (each state change stored once, one rollback), the other reads the stored states, and it
// takes over, without a second rollback, when the holder stops renewing or frees the lease.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlertEvaluator } from '../../src/engine/alerts/alert-evaluator.ts';
import { SingletonLease } from '../../src/engine/singleton-lease.ts';
import type { ReleaseMetrics } from '../../src/router/route-table.ts';
import type { AlertSpec } from '../../src/spec/alert-spec.ts';
import type { SqlStore } from '../../src/store/sql/sql-store.ts';
import { describeStoreContract } from '../store/store-fixtures.ts';
import { addProject, fixedClock, quietLogger } from './engine-fixtures.ts';
import { figures, MemoryRouter, MemoryRuntime } from './rollout-fixtures.ts';

const errors: AlertSpec = { name: 'errors', metric: 'errorRate', comparison: 'above', threshold: 0.02, forMs: 30_000, action: 'rollback' };
const LEASE_MS = 10_000;

async function releases(store: SqlStore): Promise<void> {
  await addProject(store);
  await store.ensureEnvironment('app', 'production', '2030-01-01T00:00:00.000Z');
  const configJson = JSON.stringify({ services: [{ name: 'web', start: 'node server.js', health: null, instances: 1, env: {} }], alerts: [errors], alertWindowMs: 10_000 });
  for (const state of ['previous', 'live']) {
    await store.createRelease({ project: 'app', environment: 'production', runId: null, runNumber: 1, commitSha: 'a'.repeat(40), artifactDigest: `sha256:${'0'.repeat(64)}`, configJson, state, reason: null, rolledBackFrom: null, createdAt: '2030-01-01T00:00:00.000Z' });
  }
  await store.updateEnvironment('app', 'production', { currentRelease: 2, desiredRelease: 2, state: 'healthy' });
}

/** 100 requests a second, `share` of them 5xx. */
class Traffic extends MemoryRouter {
  share = 0;
  private requests = 0;
  private errors = 0;
  advance(): void {
    this.requests += 100;
    this.errors += Math.round(100 * this.share);
  }
  override async metrics(): Promise<ReleaseMetrics[]> {
    return [figures('r2', this.requests, this.errors)];
  }
}

await describeStoreContract('alert evaluation lease', (stores) => {
  void test('one of two servers evaluates; the other takes over when it stops renewing, and never rolls back twice', async () => {
    const { a, b } = stores();
    await releases(a);
    const clock = fixedClock();
    const router = new Traffic();
    const rollbacks: string[] = [];
    const server = (store: SqlStore, host: string): AlertEvaluator =>
      new AlertEvaluator({
        store, router, runtime: new MemoryRuntime(), clock, naming: { baseDomain: 'localhost', routerPort: 8080 }, logger: quietLogger,
        rollback: async (_p, _e, actor) => void rollbacks.push(`${host} ${actor}`),
        wakeRollout: () => {},
        refreshMs: 0,
        lease: new SingletonLease({ store, clock, name: 'alerts', owner: `${host}:1:x`, hostname: host, leaseMs: LEASE_MS }),
      });
    const one = server(a, 'one');
    const two = server(b, 'two');
    let now = Date.parse('2030-01-01T00:00:00.000Z');
    const tick = async (...evaluators: AlertEvaluator[]): Promise<void> => {
      now += 1000;
      clock.set(new Date(now).toISOString());
      router.advance();
      for (const e of evaluators) await e.tick();
    };
    for (let i = 0; i < 12; i++) await tick(one, two);
    assert.equal(one.state('app', 'production', 'errors')?.state, 'ok');
    assert.equal(two.state('app', 'production', 'errors'), undefined, 'the second server does not evaluate');
    assert.equal((await two.currentStates('app')).get('production/errors')?.state, 'ok', 'it shows the stored state');
    router.share = 0.3;
    for (let i = 0; i < 31; i++) await tick(one, two);
    assert.equal((await a.getLease('alerts'))?.owner, 'one:1:x');
    assert.deepEqual(rollbacks, ['one alert:errors']);
    const history = async (): Promise<string[]> => (await a.listAlertChanges({ project: 'app', name: 'errors', limit: 10 })).map((c) => `${c.from}→${c.to}`);
    assert.deepEqual(await history(), ['pending→firing', 'ok→pending', 'inconclusive→ok'], 'each change stored once');

    // The first server stops ticking without freeing the lease (killed): the second takes over once it lapses.
    let took = 0;
    for (let i = 1; i <= LEASE_MS / 1000 + 5 && took === 0; i++) {
      await tick(two);
      if (two.state('app', 'production', 'errors')) took = i;
    }
    assert.ok(took > 0 && took <= LEASE_MS / 1000 + 3, `taken over after ${took} s`);
    assert.equal((await b.getLease('alerts'))?.owner, 'two:1:x');
    for (let i = 0; i < 15; i++) await tick(two);
    const kept = two.state('app', 'production', 'errors');
    assert.equal(kept?.state, 'firing', 'the stored state carries over');
    assert.equal(kept.rolledBackRelease, 2);
    assert.deepEqual(rollbacks, ['one alert:errors'], 'no second rollback of release 2');
    assert.deepEqual(await history(), ['pending→firing', 'ok→pending', 'inconclusive→ok']);

    // The first server comes back: it stands by while the second renews.
    for (let i = 0; i < 5; i++) await tick(one, two);
    assert.equal((await one.currentStates('app')).get('production/errors')?.state, 'firing');
    assert.equal(one.figure('app', 'production', 'errors'), undefined, 'no figures of its own while standing by');
    // A server that stops frees the lease: the other takes over within a fifth of a lease, not a whole one.
    await two.stop();
    assert.equal(await a.getLease('alerts'), undefined);
    let next = 0;
    for (let i = 1; i <= 5 && next === 0; i++) {
      await tick(one);
      if ((await a.getLease('alerts'))?.owner === 'one:1:x') next = i;
    }
    assert.ok(next > 0 && next <= LEASE_MS / 5000 + 1, `taken after ${next} s`);
    await one.stop();
  });
});
