// Which stages a pipeline file plans, in order: build and test always; approval, deploy and
// verify per environment only when the file declares services.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planStages } from '../../src/engine/plan.ts';
import { parseSpec } from '../../src/spec/parse-spec.ts';
import type { Spec } from '../../src/spec/spec.ts';

function spec(text: string): Spec {
  const parsed = parseSpec(text);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

void test('without services: build then test, with their step names', () => {
  const plan = planStages(spec('build:\n  - name: deps\n    run: npm ci\n  - name: compile\n    run: npm run build\ntest:\n  - name: unit\n    run: npm test\n'));
  assert.deepEqual(
    plan.map((s) => [s.name, s.kind, s.environment, s.steps.map((x) => x.name)]),
    [
      ['build', 'build', null, ['deps', 'compile']],
      ['test', 'test', null, ['unit']],
    ],
  );
});

void test('environments without services plan no deploys', () => {
  const plan = planStages(spec('build:\n  - run: "true"\nenvironments:\n  staging: {}\n'));
  assert.deepEqual(plan.map((s) => s.name), ['build', 'test']);
});

void test('with services: per environment in file order, approval before deploy, verify after', () => {
  const plan = planStages(
    spec(`build:
  - run: "true"
test:
  - run: "true"
services:
  web:
    start: node server.js
environments:
  staging:
    verify:
      - name: smoke
        run: curl -fsS "$SLUICE_URL/healthz"
  production:
    approval: true
`),
  );
  assert.deepEqual(
    plan.map((s) => [s.name, s.kind, s.environment]),
    [
      ['build', 'build', null],
      ['test', 'test', null],
      ['deploy:staging', 'deploy', 'staging'],
      ['verify:staging', 'verify', 'staging'],
      ['approval:production', 'approval', 'production'],
      ['deploy:production', 'deploy', 'production'],
    ],
  );
  assert.deepEqual(plan.find((s) => s.name === 'verify:staging')?.steps, [{ name: 'smoke' }]);
  assert.deepEqual(plan.find((s) => s.name === 'deploy:staging')?.steps, []);
});
