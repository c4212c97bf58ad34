import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSpecIssue, parseSpec } from '../../src/spec/parse-spec.ts';
import type { SpecIssue } from '../../src/spec/parse-spec.ts';
import { DEFAULT_SANDBOX_LIMITS } from '../../src/sandbox/sandbox-limits.ts';
import { valid } from './spec-kit.ts';

/** What a step without `network` or `limits` compiles to. */
const sandboxDefaults = { network: true, limits: DEFAULT_SANDBOX_LIMITS };

// The example of DESIGN.md "The pipeline file", verbatim.
const DESIGN_EXAMPLE = `build:                           # steps run with /bin/sh -c in the workspace
  - run: npm ci
  - run: npm run build
    timeout: 10m
test:                            # runs in a fresh unpack of the artifact: test what ships
  - name: unit
    run: npm test
services:
  web:
    start: node server.js        # PORT is given in the environment
    health: /healthz             # or {path, interval, timeout, deadline}
    instances: 2
    env: { LOG_LEVEL: info }
buildSecrets: [build]            # secret groups given to build steps
environments:
  staging:
    secrets: [shared, staging]     # every key becomes an env var; later groups win
    verify:
      - run: curl -fsS "$SLUICE_URL/healthz"
  production:
    approval: false              # true: continuous delivery, a person releases
    strategy:
      canary:
        steps: [{ weight: 10, pause: 30s }, { weight: 50, pause: 30s }]   # pause: {} waits for a person
        analysis: { maxErrorRate: 1%, maxP99: 500ms }                    # applies through all steps
    bake: 5m                     # watch after promotion, roll back on breach
previews:
  pullRequests: true
  secrets: [previews]
  ttl: 48h
  scaleToZero: 10m
`;

const BROKEN = `# Check 01: a deliberately broken pipeline file (two misspelt keys, lines 7 and 8).
build:
  - run: echo hello
test:
  - name: unit
    run: test -s VERSION
    tiemout: 5m
servcies:
  web:
    start: node server.js
    health: /healthz
    instances: 1
`;

function invalid(text: string): readonly SpecIssue[] {
  const result = parseSpec(text);
  if (result.ok) assert.fail('expected errors, the file validated');
  return result.errors;
}

function positions(errors: readonly SpecIssue[]): string[] {
  return errors.map((e) => `${e.line}:${e.col}`);
}

void test('the DESIGN.md example compiles to typed, defaulted values', () => {
  const spec = valid(DESIGN_EXAMPLE);
  assert.deepEqual(spec.build, [
    { name: 'npm ci', run: 'npm ci', timeoutMs: 600_000, env: {}, ...sandboxDefaults },
    { name: 'npm run build', run: 'npm run build', timeoutMs: 600_000, env: {}, ...sandboxDefaults },
  ]);
  assert.deepEqual(spec.test, [{ name: 'unit', run: 'npm test', timeoutMs: 600_000, env: {}, ...sandboxDefaults }]);
  assert.deepEqual(spec.services, [
    {
      name: 'web',
      start: 'node server.js',
      health: { path: '/healthz', intervalMs: 1_000, timeoutMs: 2_000, deadlineMs: 60_000 },
      instances: 2,
      env: { LOG_LEVEL: 'info' },
      limits: DEFAULT_SANDBOX_LIMITS,
    },
  ]);
  assert.deepEqual(spec.buildSecrets, ['build']);
  assert.deepEqual(
    spec.environments.map((e) => e.name),
    ['staging', 'production'],
  );
  const [staging, production] = spec.environments;
  assert.deepEqual(staging, {
    name: 'staging',
    domains: [],
    hsts: null,
    accessLog: null,
    secrets: ['shared', 'staging'],
    env: {},
    verify: [{ name: 'curl -fsS "$SLUICE_URL/healthz"', run: 'curl -fsS "$SLUICE_URL/healthz"', timeoutMs: 600_000, env: {}, ...sandboxDefaults }],
    approval: false,
    approvers: { allow: null, allowSelf: true },
    strategy: { kind: 'rolling', maxSurge: 100, maxUnavailable: 0 },
    bakeMs: 0,
    alerts: [],
    alertWindowMs: 10_000,
  });
  assert.deepEqual(production, {
    name: 'production',
    domains: [],
    hsts: null,
    accessLog: null,
    secrets: [],
    env: {},
    verify: [],
    approval: false,
    approvers: { allow: null, allowSelf: true },
    strategy: {
      kind: 'canary',
      steps: [
        { weight: 10, pauseMs: 30_000 },
        { weight: 50, pauseMs: 30_000 },
      ],
      analysis: { maxErrorRate: 0.01, maxP99Ms: 500, minSamples: 20, intervalMs: 10_000, alpha: 0.005 },
    },
    bakeMs: 300_000,
    alerts: [],
    alertWindowMs: 10_000,
  });
  assert.deepEqual(spec.previews, { domain: null, pullRequests: true, secrets: ['previews'], forkSecrets: [], ttlMs: 48 * 3_600_000, scaleToZeroMs: 600_000, env: {} });
  assert.deepEqual(spec.triggers, { branches: [], paths: [], tags: [] });
});

void test('the compiled spec is frozen all the way down', () => {
  const spec = valid(DESIGN_EXAMPLE);
  assert.ok(Object.isFrozen(spec));
  assert.ok(Object.isFrozen(spec.environments));
  assert.ok(Object.isFrozen(spec.services[0]?.health));
  assert.ok(Object.isFrozen(spec.build[0]?.env));
  assert.throws(() => {
    (spec.build as unknown as StepLike[]).push({ run: 'x' });
  }, TypeError);
});
type StepLike = { run: string };

void test('the broken file of check 01 points at both misspelt keys', () => {
  const errors = invalid(BROKEN);
  assert.deepEqual(positions(errors), ['7:5', '8:1']);
  assert.equal(errors[0]?.message, 'test[0].tiemout: unknown key "tiemout" (did you mean "timeout"?)');
  assert.deepEqual(errors[0]?.path, ['test', 0, 'tiemout']);
  assert.equal(errors[1]?.message, 'servcies: unknown key "servcies" (did you mean "services"?)');
  const [first] = errors;
  assert.ok(first);
  assert.equal(
    formatSpecIssue('/tmp/x/sluice.yaml', first),
    '/tmp/x/sluice.yaml:7:5: test[0].tiemout: unknown key "tiemout" (did you mean "timeout"?)',
  );
});

void test('the pipelines of acceptance checks 01 and 02 validate (placeholders filled with `true`)', () => {
  const check01 = `build:
  - run: echo "sluice-acceptance build marker $((6*7)) true"
  - run: true
test:
  - name: unit
    run: true
services:
  web:
    start: node server.js
    health: /healthz
    instances: 1
environments:
  staging:
    verify:
      - run: curl -fsS "$SLUICE_URL/healthz"
  production:
    approval: false
`;
  const spec = valid(check01);
  // A plain `true` is a YAML boolean, yet as a command it means the shell's `true`.
  assert.equal(spec.build[1]?.run, 'true');
  assert.equal(spec.test[0]?.run, 'true');
  assert.equal(spec.environments[1]?.strategy.kind, 'rolling');
  assert.equal(spec.environments[1]?.approval, false);

  const check02 = check01.replace('instances: 1', 'instances: 2').replace('curl -fsS "$SLUICE_URL/healthz"', 'true');
  assert.equal(valid(check02).services[0]?.instances, 2);
});

void test('YAML syntax errors carry their positions, with schema errors after them', () => {
  const errors = invalid('build:\n  - run: [a, b\ntest: 1\n');
  assert.ok(errors.some((e) => e.message.startsWith('YAML:') && e.line === 3 && e.col === 1), JSON.stringify(errors));

  const tab = invalid('build:\n\t- run: x\n');
  assert.ok(tab.some((e) => e.message.startsWith('YAML:') && e.line === 2), JSON.stringify(tab));

  const duplicate = invalid('build: []\ntest: []\nbuild: []\n');
  assert.deepEqual(
    duplicate.map((e) => [e.line, e.col, /unique/i.test(e.message)]),
    [[3, 1, true]],
  );
});

void test('an empty file, a comment-only file and a file that is not a map are errors', () => {
  for (const text of ['', '\n', '# nothing here\n']) {
    const errors = invalid(text);
    assert.equal(errors.length, 1);
    assert.match(errors[0]?.message ?? '', /empty/);
    assert.deepEqual(positions(errors), ['1:1']);
  }
  assert.match(invalid('- run: x\n')[0]?.message ?? '', /expected a map/);
  assert.match(invalid('just text\n')[0]?.message ?? '', /expected a map/);
});

void test('wrong types are reported at the value, with the path', () => {
  const errors = invalid(`build: nope
services:
  web:
    start: node s.js
    instances: two
    health: 42
environments:
  production:
    approval: yes
`);
  assert.deepEqual(
    errors.map((e) => `${e.line}:${e.col} ${e.message}`),
    [
      '1:8 build: expected a list, got the string "nope"',
      '5:16 services.web.instances: expected an integer from 1 to 100',
      '6:13 services.web.health: expected a path starting with / or a map {path, interval, timeout, deadline}, got the number 42',
      '9:15 environments.production.approval: expected true or false, got the string "yes"',
    ],
  );
  assert.match(invalid('services:\n  web:\n    start: a\n    instances: 101\n')[0]?.message ?? '', /services\.web\.instances: expected an integer from 1 to 100/);
  assert.match(invalid('services:\n  web:\n    start: a\n    instances: 1.5\n')[0]?.message ?? '', /expected an integer from 1 to 100/);
  assert.match(invalid('test:\n  - run: x\n    timeout: fast\n')[0]?.message ?? '', /^test\[0\]\.timeout: expected a duration/);
});

void test('a missing required key is reported at its parent map', () => {
  const errors = invalid('test:\n  - name: unit\n    timeout: 5m\nservices:\n  web: { health: /h }\n');
  assert.deepEqual(
    errors.map((e) => `${e.line}:${e.col} ${e.message}`),
    ['2:5 test[0]: missing required key "run"', '5:8 services.web: missing required key "start"'],
  );
  const health = invalid('services:\n  web:\n    start: a\n    health:\n      interval: 1s\n');
  assert.deepEqual(
    health.map((e) => `${e.line}:${e.col} ${e.message}`),
    ['5:7 services.web.health: missing required key "path"'],
  );
});

void test('canary weights must go up and stay within 1..100', () => {
  const errors = invalid(`environments:
  production:
    strategy:
      canary:
        steps:
          - { weight: 50 }
          - { weight: 20 }
          - { weight: 20 }
          - { weight: 150 }
          - { weight: 0 }
`);
  assert.deepEqual(
    errors.map((e) => `${e.line} ${e.message}`),
    [
      '7 environments.production.strategy.canary.steps[1].weight: canary weights must go up: 20 follows 50',
      '8 environments.production.strategy.canary.steps[2].weight: canary weights must go up: 20 follows 20',
      '9 environments.production.strategy.canary.steps[3].weight: expected a number from 1 to 100',
      '10 environments.production.strategy.canary.steps[4].weight: expected a number from 1 to 100',
    ],
  );
  assert.match(invalid('environments:\n  p:\n    strategy: { canary: { steps: [] } }\n')[0]?.message ?? '', /at least one canary step/);
});

void test('strategies compile to a discriminated union', () => {
  const spec = valid(`environments:
  a: { strategy: rolling }
  b: { strategy: { rolling: { maxSurge: 2, maxUnavailable: 1 } } }
  c: { strategy: { blueGreen: { scaleDownDelay: 1m } } }
  d: { strategy: { blueGreen: } }
  e: { strategy: { canary: { steps: [{ weight: 5, pause: {} }, { weight: 25 }, { weight: 100, pause: 90 }] } }, approval: true }
`);
  assert.deepEqual(
    spec.environments.map((e) => e.strategy),
    [
      { kind: 'rolling', maxSurge: 100, maxUnavailable: 0 },
      { kind: 'rolling', maxSurge: 2, maxUnavailable: 1 },
      { kind: 'blueGreen', scaleDownDelayMs: 60_000, analysis: null },
      { kind: 'blueGreen', scaleDownDelayMs: 600_000, analysis: null },
      {
        kind: 'canary',
        steps: [
          { weight: 5, pauseMs: null },
          { weight: 25, pauseMs: 0 },
          { weight: 100, pauseMs: 90_000 },
        ],
        analysis: null,
      },
    ],
  );
  assert.equal(spec.environments[4]?.approval, true);

  const errors = invalid(`environments:
  a: { strategy: canary }
  b: { strategy: { bluegreen: {} } }
  c: { strategy: { rolling: {}, canary: { steps: [{ weight: 10 }] } } }
  d: { strategy: { canary: { steps: [{ weight: 10, pause: soon }], analysis: { maxErrorRate: 200% } } } }
`);
  const messages = errors.map((e) => e.message);
  assert.ok(messages.includes('environments.a.strategy: expected "rolling" or a map with one of rolling, blueGreen, canary, got the string "canary"'), messages.join('\n'));
  assert.ok(messages.includes('environments.b.strategy.bluegreen: unknown key "bluegreen" (did you mean "blueGreen"?)'), messages.join('\n'));
  assert.ok(messages.includes('environments.c.strategy: expected exactly one of rolling, blueGreen, canary'), messages.join('\n'));
  assert.ok(messages.some((m) => m.startsWith('environments.d.strategy.canary.steps[0].pause: expected a duration')), messages.join('\n'));
  assert.ok(messages.includes('environments.d.strategy.canary.analysis.maxErrorRate: expected a percentage from 0% to 100%'), messages.join('\n'));
});

void test('service and environment names must be DNS labels; env names must be variable names', () => {
  const errors = invalid(`services:
  Web:
    start: a
  my_api:
    start: b
environments:
  -prod: {}
  prod:
    env: { 1BAD: x, GOOD: 1 }
`);
  assert.deepEqual(
    errors.map((e) => `${e.line}:${e.col} ${e.message.split(':')[0]}`),
    ['2:3 services.Web', '4:3 services.my_api', '7:3 environments.-prod', '9:12 environments.prod.env.1BAD'],
  );
  assert.match(errors[0]?.message ?? '', /not a valid service name/);
  assert.match(errors[2]?.message ?? '', /not a valid environment name/);
  assert.match(errors[3]?.message ?? '', /"1BAD" is not a valid environment variable name/);
  valid('services:\n  a1-b2:\n    start: x\nenvironments:\n  pr-x: {}\n  "1": {}\n');
});

void test('every error is reported, not just the first, sorted by position', () => {
  const errors = invalid(`servcies: {}
build:
  - run: a
    tiemout: 1s
  - nmae: b
test: 5
environments:
  staging:
    aproval: true
    bake: later
previews:
  ttl: forever
  pullRequest: true
`);
  assert.deepEqual(
    errors.map((e) => `${e.line}:${e.col} ${e.path.join('/')}`),
    [
      '1:1 servcies',
      '4:5 build/0/tiemout',
      '5:5 build/1',
      '5:5 build/1/nmae',
      '6:7 test',
      '9:5 environments/staging/aproval',
      '10:11 environments/staging/bake',
      '12:8 previews/ttl',
      '13:3 previews/pullRequest',
    ],
  );
  assert.ok(errors.some((e) => e.message === 'build[1]: missing required key "run"'));
  assert.ok(errors.some((e) => e.message === 'build[1].nmae: unknown key "nmae" (did you mean "name"?)'));
  assert.ok(errors.some((e) => e.message === 'environments.staging.aproval: unknown key "aproval" (did you mean "approval"?)'));
  assert.ok(errors.some((e) => e.message === 'previews.pullRequest: unknown key "pullRequest" (did you mean "pullRequests"?)'));
});

void test('an unknown key far from every allowed key lists the allowed ones', () => {
  const [error] = invalid('deploy: []\n');
  assert.equal(error?.message, 'deploy: unknown key "deploy" (allowed: build, test, services, buildSecrets, environments, previews, triggers, notifications, flags, image)');
});

void test('order, defaults and stringified env values', () => {
  const spec = valid(`services:
  worker:
    start: node worker.js
    env: { N: 3, DEBUG: true, NAME: x }
  web:
    start: node web.js
    health: { path: /ready, interval: 500ms, deadline: 2m }
environments:
  "2": {}
  "1": {}
  canary-eu: {}
test:
  - run: |
      echo this is a very long first line of a multi-line command that goes on
      echo second
    timeout: 90
    env: { CI: 1 }
triggers:
  branches: [main]
  paths: ["src/**"]
`);
  assert.deepEqual(
    spec.services.map((s) => s.name),
    ['worker', 'web'],
  );
  assert.deepEqual(spec.services[0]?.env, { N: '3', DEBUG: 'true', NAME: 'x' });
  assert.equal(spec.services[0]?.health, null);
  assert.equal(spec.services[0]?.instances, 1);
  assert.deepEqual(spec.services[1]?.health, { path: '/ready', intervalMs: 500, timeoutMs: 2_000, deadlineMs: 120_000 });
  assert.deepEqual(
    spec.environments.map((e) => e.name),
    ['2', '1', 'canary-eu'],
  );
  assert.equal(spec.test[0]?.name, 'echo this is a very long first line of a');
  assert.equal(spec.test[0]?.timeoutMs, 90_000);
  assert.deepEqual(spec.test[0]?.env, { CI: '1' });
  assert.deepEqual(spec.triggers, { branches: ['main'], paths: ['src/**'], tags: [] });
  assert.deepEqual(spec.previews, { domain: null, pullRequests: false, secrets: [], forkSecrets: [], ttlMs: 172_800_000, scaleToZeroMs: null, env: {} });
  assert.deepEqual(valid('{}\n').environments, []);
});

void test('anchors and aliases are followed', () => {
  const spec = valid('test:\n  - &t { run: echo a, timeout: 1s }\n  - *t\n');
  assert.deepEqual(
    spec.test.map((s) => s.timeoutMs),
    [1_000, 1_000],
  );
  const [error] = invalid('test:\n  - *missing\n');
  assert.ok(error !== undefined && error.line >= 1);
});
