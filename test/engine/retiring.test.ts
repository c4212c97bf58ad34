// A rolling update hands the stops of the old instances to Retiring and returns once the traffic
// is on the new release; the next update of the environment, and the end of a run, wait for them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Retiring } from '../../src/engine/deploy/retiring.ts';
import { rollingUpdate, type RolloutDeps } from '../../src/engine/deploy/rolling-update.ts';
import type { ReleaseConfig } from '../../src/engine/deploy/release-config.ts';
import { MemoryRouter, MemoryRuntime } from './rollout-fixtures.ts';

/** A runtime whose stops end only when the test releases them (a drain that takes its time). */
class HeldStopsRuntime extends MemoryRuntime {
  readonly held: Array<() => void> = [];
  override async stopInstance(id: string): Promise<void> {
    const instance = this.instances.get(id);
    if (instance) instance.state = 'stopping';
    await new Promise<void>((resolve) => this.held.push(resolve));
    this.instances.delete(id);
  }
  releaseStops(): void {
    for (const release of this.held.splice(0)) release();
  }
}

const config: ReleaseConfig = { services: [{ name: 'web', start: 'node server.js', health: null, instances: 2, env: {} }] };
const target = (release: number) => ({ project: 'app', environment: 'staging', release, artifactDigest: 'sha256:x', config, pace: { maxSurge: 100, maxUnavailable: 0 } });

function depsOf(runtime: MemoryRuntime, router: MemoryRouter, retiring: Retiring | undefined, log: string[] = []): RolloutDeps {
  return {
    runtime, router, log: (line) => log.push(line), secretValues: async () => ({}),
    hostsOf: (p, e) => [`${e}.${p}.localhost`],
    ...(retiring ? { retiring } : {}),
  };
}

const settledWithin = async (p: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

void test('the update returns with the old instances out of the route and still stopping; the next update waits for them', async () => {
  const runtime = new HeldStopsRuntime();
  const router = new MemoryRouter();
  const retiring = new Retiring();
  const deps = depsOf(runtime, router, retiring);
  await rollingUpdate(deps, target(1));
  await rollingUpdate(deps, target(2)); // returns although the two stops of release 1 are held
  assert.equal(runtime.held.length, 2);
  assert.deepEqual(router.routes.get('staging.app.localhost')?.map((b) => b.release), ['r2'], 'no traffic to the stopping ones');
  assert.deepEqual([...runtime.instances.values()].filter((i) => i.state === 'stopping').map((i) => i.labels.release), ['1', '1']);

  const settled = retiring.settled('app');
  const third = rollingUpdate(deps, target(3));
  assert.equal(await settledWithin(settled, 50), false, 'the run end waits for the stops');
  assert.equal(await settledWithin(third, 50), false, 'the next update of the environment waits for them');
  assert.equal(runtime.held.length, 2, 'and starts nothing meanwhile');
  runtime.releaseStops();
  await settled;
  // The third update runs now: release 2's stops are held in their turn.
  while (runtime.held.length < 2) await new Promise((r) => setImmediate(r));
  await third;
  runtime.releaseStops();
  await retiring.settled('app', 'staging');
  assert.deepEqual([...runtime.instances.values()].map((i) => i.labels.release), ['3', '3']);
});

void test('without Retiring the update waits for its stops, as before', async () => {
  const runtime = new HeldStopsRuntime();
  const deps = depsOf(runtime, new MemoryRouter(), undefined);
  await rollingUpdate(deps, target(1));
  const second = rollingUpdate(deps, target(2));
  while (runtime.held.length < 2) await new Promise((r) => setImmediate(r));
  assert.equal(await settledWithin(second, 50), false);
  runtime.releaseStops();
  await second;
  assert.equal(runtime.instances.size, 2);
});

void test('a failed stop is logged, not thrown at whoever waits next; other projects do not wait', async () => {
  const retiring = new Retiring();
  const log: string[] = [];
  let release!: () => void;
  retiring.add('app', 'production', [Promise.reject(new Error('data plane gone'))], (l) => log.push(l));
  retiring.add('other', 'production', [new Promise<void>((r) => (release = r))], (l) => log.push(l));
  await retiring.settled('app');
  assert.deepEqual(log, ['stopping an old instance of production failed: data plane gone']);
  assert.equal(await settledWithin(retiring.settled('app', 'production'), 50), true);
  assert.equal(await settledWithin(retiring.settled('other'), 50), false);
  release();
  await retiring.settled('other');
});
