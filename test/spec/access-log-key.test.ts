// environments.*.accessLog: off (default), all, or a sample; what each compiles to and each
// refusal at its line and column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { releaseConfigOf } from '../../src/engine/deploy/release-config.ts';
import { previewEnvironment } from '../../src/engine/plan.ts';
import { errorsOf, valid } from './spec-kit.ts';

const file = (production: string): string => `services:\n  web:\n    start: x\nenvironments:\n  staging: {}\n  production:\n${production}`;

void test('accessLog compiles to a sample share: off by default, all is 1, a percentage or fraction is that share', () => {
  const of = (value: string): unknown => valid(file(`    accessLog: ${value}\n`)).environments[1]?.accessLog;
  assert.equal(valid(file('    bake: 0\n')).environments[1]?.accessLog, null, 'off by default');
  assert.equal(of('off'), null);
  assert.equal(of('false'), null);
  assert.deepEqual(of('all'), { sample: 1 });
  assert.deepEqual(of('true'), { sample: 1 });
  assert.deepEqual(of('{ sample: 10% }'), { sample: 0.1 });
  assert.deepEqual(of('{ sample: 0.25 }'), { sample: 0.25 });
  assert.equal(of('{ sample: 0 }'), null, 'a sample of nothing is off');
  // The release carries it (a rollback brings back the access log of its time); previews have none.
  const spec = valid(file('    accessLog: { sample: 5% }\n'));
  assert.deepEqual(releaseConfigOf(spec, spec.environments[1]!).accessLog, { sample: 0.05 });
  assert.equal(releaseConfigOf(spec, spec.environments[0]!).accessLog, null);
  assert.equal(previewEnvironment(spec, 3).accessLog, null);
});

void test('bad accessLog values are refused at their position with the reason', () => {
  assert.deepEqual(errorsOf(file('    accessLog: sometimes\n')), ['sluice.yaml:7:16: environments.production.accessLog: expected off, all or a map {sample: 10%}, got the string "sometimes"']);
  assert.deepEqual(errorsOf(file('    accessLog: { sample: 150% }\n')), ['sluice.yaml:7:26: environments.production.accessLog.sample: expected a percentage from 0% to 100%']);
  assert.deepEqual(errorsOf(file('    accessLog: { sample: 2 }\n')), ['sluice.yaml:7:26: environments.production.accessLog.sample: expected a fraction from 0 to 1 (or a percentage such as 1%)']);
  assert.deepEqual(errorsOf(file('    accessLog: { rate: 10% }\n')), [
    'sluice.yaml:7:16: environments.production.accessLog: missing required key "sample"',
    'sluice.yaml:7:18: environments.production.accessLog.rate: unknown key "rate" (allowed: sample)',
  ]);
});
