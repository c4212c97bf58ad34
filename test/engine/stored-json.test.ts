// JSON read back from the store is validated: a record that does not match its shape is a
// coded SluiceError naming the record, and a rollout resting on one ends with that reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReleaseConfig } from '../../src/engine/deploy/release-config.ts';
import { appendDecisions } from '../../src/engine/rollout/decisions.ts';
import { RolloutDriver } from '../../src/engine/rollout/rollout-driver.ts';
import { planOf, type RolloutPlan } from '../../src/engine/rollout/rollout-plan.ts';
import { SluiceError } from '../../src/errors.ts';
import { statusOfCode } from '../../src/api/error-status.ts';
import { addProject, openFixture } from './engine-fixtures.ts';
import { MemoryRouter, MemoryRuntime, oneService, rolloutDeps, storedRollout, twoReleases } from './rollout-fixtures.ts';

function invalid(record: RegExp): (e: unknown) => boolean {
  return (e) => e instanceof SluiceError && e.code === 'stored_data_invalid' && record.test(e.message);
}

void test('stored JSON that does not match its shape is a stored_data_invalid error naming the record', () => {
  assert.equal(parseReleaseConfig(oneService, 'release app/production#1').services[0]?.name, 'web');
  assert.throws(() => parseReleaseConfig('{"services":[{"name":"web","instances":"two"}]}', 'release app/production#1'), invalid(/release app\/production#1.*services/));
  assert.throws(() => parseReleaseConfig('{not json', 'release app/production#1'), invalid(/release app\/production#1 is invalid: not JSON/));
  assert.throws(() => planOf('{"strategy":{"kind":"canary","steps":"many"},"bakeMs":0}', 'rollout r'), invalid(/rollout r/));
  const rollout = { decisionsJson: '[{"metric":1}]' } as Parameters<typeof appendDecisions>[0];
  assert.throws(() => appendDecisions({ ...rollout, id: 'r-1' }, [], new Date(), 'bake'), invalid(/rollout r-1/));
  assert.equal(statusOfCode.stored_data_invalid, 500);
});

void test('a rollout whose stored plan no longer validates ends aborted with the reason, at once', async (t) => {
  const fx = await openFixture();
  t.after(() => fx.close());
  await addProject(fx.store);
  const { stable, target } = await twoReleases(fx.store);
  const rollout = await storedRollout(fx.store, target, stable, {} as RolloutPlan, { strategyJson: '{"strategy":{"kind":"canary","steps":[{"weight":"ten"}]},"bakeMs":0}' });
  let steps = 0;
  const after = await new RolloutDriver(rolloutDeps(fx, new MemoryRuntime(), new MemoryRouter())).drive(rollout.id, { tickMs: 1, until: () => ++steps > 200 });
  assert.equal(after.state, 'aborted');
  assert.equal(steps, 0, 'no step was retried');
  assert.match(after.reason ?? '', /stored data of rollout .* is invalid/);
  assert.equal((await fx.store.getEnvironment('app', 'production'))?.state, 'degraded');
});
