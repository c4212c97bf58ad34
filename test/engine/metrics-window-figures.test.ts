// The analysis's snapshot: the router's figures summed over the environment's hosts by default,
// the figures source's (Prometheus, --prometheus) instead when one is given.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseReleaseConfig } from '../../src/engine/deploy/release-config.ts';
import { snapshot } from '../../src/engine/rollout/metrics-window.ts';
import type { ReleaseFigures, RolloutDeps } from '../../src/engine/rollout/rollout-deps.ts';
import { figures, MemoryRouter, oneService } from './rollout-fixtures.ts';

const config = parseReleaseConfig(oneService);

function deps(router: MemoryRouter, source?: ReleaseFigures): RolloutDeps {
  return { router, naming: { baseDomain: 'localhost', routerPort: 8080 }, ...(source ? { figures: source } : {}) } as unknown as RolloutDeps;
}

void test('the router’s figures by default, the figures source’s when the server has one', async () => {
  const router = new MemoryRouter();
  router.figures = [figures('r1', 100, 1), figures('r1', 50, 0, 'web.production.app.localhost'), figures('r1', 7, 7, 'production.other.localhost')];
  const own = await snapshot(deps(router), 'app', 'production', config);
  assert.equal(own.r1?.requests, 150, 'summed over the environment’s hosts, others left out');
  const asked: Array<{ project: string; environment: string }> = [];
  const source: ReleaseFigures = {
    releaseFigures: (scope) => {
      asked.push(scope);
      return Promise.resolve({ r1: { ...figures('r1', 9, 3), host: '*' } });
    },
  };
  const fromSource = await snapshot(deps(router, source), 'app', 'production', config);
  assert.deepEqual(asked, [{ project: 'app', environment: 'production' }]);
  assert.equal(fromSource.r1?.requests, 9);
  assert.equal(fromSource.r1?.errors5xx, 3);
});
