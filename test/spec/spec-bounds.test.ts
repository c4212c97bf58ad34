// Every duration and count of sluice.yaml has bounds, and a value outside them is refused at
// its position with the bound in the message: no value reaches a timer (Node's limit is
// 2^31-1 ms) or a SQL statement it would overflow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COUNT_LIMITS, DURATION_LIMITS, MAX_TIMER_MS } from '../../src/spec/limits.ts';
import { DEFAULT_SANDBOX_LIMITS } from '../../src/sandbox/sandbox-limits.ts';
import { errorsOf, valid } from './spec-kit.ts';

const service = (health: string): string => `services:\n  web:\n    start: node server.js\n    health: ${health}\n`;
const production = (body: string): string => `services:\n  web:\n    start: x\nenvironments:\n  production:\n${body}`;
const canary = (value: string): string => production(`    strategy:\n      canary: ${value}\n`);

void test('no duration bound exceeds what a Node timer can wait', () => {
  for (const [key, bound] of Object.entries(DURATION_LIMITS)) {
    assert.ok(bound.maxMs <= MAX_TIMER_MS, `${key}: ${bound.maxMs} ms > ${MAX_TIMER_MS}`);
    assert.ok(bound.minMs <= bound.maxMs, key);
  }
});

void test('durations where 0 means nothing are refused at 0, and every duration has a maximum', () => {
  const cases: Array<[string, string[]]> = [
    ['build:\n  - run: x\n    timeout: 0\n', ['sluice.yaml:3:14: build[0].timeout: expected a duration from 1s to 1d, got 0']],
    ['test:\n  - run: x\n    timeout: 2d\n', ['sluice.yaml:3:14: test[0].timeout: expected a duration from 1s to 1d, got 2d']],
    [
      service('{ path: /h, interval: 0, timeout: 0s, deadline: 0ms }'),
      [
        'sluice.yaml:4:35: services.web.health.interval: expected a duration from 100ms to 10m, got 0',
        'sluice.yaml:4:47: services.web.health.timeout: expected a duration from 100ms to 10m, got 0s',
        'sluice.yaml:4:61: services.web.health.deadline: expected a duration from 1s to 1h, got 0ms',
      ],
    ],
    [
      service('{ path: /h, interval: 30d, timeout: 11m, deadline: 30d }'),
      [
        'sluice.yaml:4:35: services.web.health.interval: expected a duration from 100ms to 10m, got 30d',
        'sluice.yaml:4:49: services.web.health.timeout: expected a duration from 100ms to 10m, got 11m',
        'sluice.yaml:4:64: services.web.health.deadline: expected a duration from 1s to 1h, got 30d',
      ],
    ],
    [
      canary('{ steps: [{ weight: 10, pause: 8d }], analysis: { maxP99: 0, interval: 500ms } }'),
      [
        'sluice.yaml:7:46: environments.production.strategy.canary.steps[0].pause: expected a duration from 0s to 7d, got 8d',
        'sluice.yaml:7:73: environments.production.strategy.canary.analysis.maxP99: expected a duration from 1ms to 10m, got 0',
        'sluice.yaml:7:86: environments.production.strategy.canary.analysis.interval: expected a duration from 1s to 1h, got 500ms',
      ],
    ],
    [canary('{ steps: [{ weight: 10 }], analysis: { maxP99: 11m, interval: 2h } }'), [
      'sluice.yaml:7:62: environments.production.strategy.canary.analysis.maxP99: expected a duration from 1ms to 10m, got 11m',
      'sluice.yaml:7:77: environments.production.strategy.canary.analysis.interval: expected a duration from 1s to 1h, got 2h',
    ]],
    [production('    bake: 25h\n    strategy: { blueGreen: { scaleDownDelay: 8d } }\n'), [
      'sluice.yaml:6:11: environments.production.bake: expected a duration from 0s to 1d, got 25h',
      'sluice.yaml:7:46: environments.production.strategy.blueGreen.scaleDownDelay: expected a duration from 0s to 7d, got 8d',
    ]],
    ['previews:\n  ttl: 0\n  scaleToZero: 0s\n', [
      'sluice.yaml:2:8: previews.ttl: expected a duration from 1s to 24d, got 0',
      'sluice.yaml:3:16: previews.scaleToZero: expected a duration from 1s to 7d, got 0s',
    ]],
    ['previews:\n  ttl: 25d\n  scaleToZero: 8d\n', [
      'sluice.yaml:2:8: previews.ttl: expected a duration from 1s to 24d, got 25d',
      'sluice.yaml:3:16: previews.scaleToZero: expected a duration from 1s to 7d, got 8d',
    ]],
    // A number too big for a double is Infinity, and still refused with the bound.
    [`build:\n  - run: x\n    timeout: ${'9'.repeat(400)}s\n`, ['sluice.yaml:3:14: build[0].timeout: expected a duration from 1s to 1d, got 999999999999999999999999…']],
    ['build:\n  - run: x\n    timeout: -1\n', ['sluice.yaml:3:14: build[0].timeout: expected a duration from 1s to 1d, got -1']],
  ];
  for (const [text, expected] of cases) assert.deepEqual(errorsOf(text), expected, text);
});

void test('the bounds themselves are accepted, 0 where it has a meaning, numbers in seconds', () => {
  const spec = valid(
    `build:\n  - run: x\n    timeout: 24h\n  - run: y\n    timeout: 1\n${service('{ path: /h, interval: 100ms, timeout: 10m, deadline: 1h }').replace(/^/, '')}environments:\n  production:\n    bake: 0\n    strategy:\n      canary: { steps: [{ weight: 10, pause: 0 }, { weight: 20, pause: 7d }], analysis: { maxP99: 1ms, interval: 3600, minSamples: 1 } }\npreviews:\n  ttl: 24d\n  scaleToZero: 1s\n`,
  );
  assert.deepEqual(spec.build.map((s) => s.timeoutMs), [86_400_000, 1000]);
  assert.deepEqual(spec.services[0]?.health, { path: '/h', intervalMs: 100, timeoutMs: 600_000, deadlineMs: 3_600_000 });
  assert.equal(spec.environments[0]?.bakeMs, 0);
  assert.equal(spec.previews.ttlMs, 24 * 86_400_000);
});

void test('counts: steps per list, services, environments, instances, canary steps, surge, samples', () => {
  const steps = (n: number): string => Array.from({ length: n }, (_, i) => `  - run: echo ${i}\n`).join('');
  assert.deepEqual(errorsOf(`build:\n${steps(COUNT_LIMITS.steps + 1)}`), ['sluice.yaml:2:3: build: 101 steps: at most 100 in one list']);
  assert.deepEqual(errorsOf(`test:\n${steps(50_000)}`), ['sluice.yaml:2:3: test: 50000 steps: at most 100 in one list']);
  assert.deepEqual(errorsOf(production(`    verify:\n${steps(101).replace(/^ {2}/gm, '      ')}`)), [
    'sluice.yaml:7:7: environments.production.verify: 101 steps: at most 100 in one list',
  ]);
  valid(`build:\n${steps(COUNT_LIMITS.steps)}`);

  const services = Array.from({ length: 21 }, (_, i) => `  s${i}: { start: x }\n`).join('');
  assert.deepEqual(errorsOf(`services:\n${services}`), ['sluice.yaml:2:3: services: 21 services: at most 20']);
  const envs = Array.from({ length: 21 }, (_, i) => `  e${i}: {}\n`).join('');
  assert.deepEqual(errorsOf(`environments:\n${envs}`), ['sluice.yaml:2:3: environments: 21 environments: at most 20']);

  assert.deepEqual(errorsOf('services:\n  web: { start: x, instances: 0 }\n  api: { start: x, instances: 101 }\n  job: { start: x, instances: 1.5 }\n'), [
    'sluice.yaml:2:31: services.web.instances: expected an integer from 1 to 100',
    'sluice.yaml:3:31: services.api.instances: expected an integer from 1 to 100',
    'sluice.yaml:4:31: services.job.instances: expected an integer from 1 to 100',
  ]);
  const many = Array.from({ length: 21 }, (_, i) => `{ weight: ${i + 1} }`).join(', ');
  assert.deepEqual(errorsOf(canary(`{ steps: [${many}] }`)), ['sluice.yaml:7:24: environments.production.strategy.canary.steps: expected at most 20 canary steps']);
  assert.deepEqual(errorsOf(canary('{ steps: [{ weight: 10 }], analysis: { minSamples: 0 } }')), [
    'sluice.yaml:7:66: environments.production.strategy.canary.analysis.minSamples: expected an integer from 1 to 1000000',
  ]);
  assert.deepEqual(errorsOf(production('    strategy: { rolling: { maxSurge: 101, maxUnavailable: -1 } }\n')), [
    'sluice.yaml:6:38: environments.production.strategy.rolling.maxSurge: expected an integer from 0 to 100',
    'sluice.yaml:6:59: environments.production.strategy.rolling.maxUnavailable: expected an integer from 0 to 100',
  ]);
  assert.deepEqual(errorsOf(production('    strategy: { rolling: { maxSurge: 0, maxUnavailable: 0 } }\n')), [
    'sluice.yaml:6:26: environments.production.strategy.rolling: maxSurge and maxUnavailable cannot both be 0: the rollout could never replace an instance',
  ]);
});

void test('env maps: at most 256 variables and 64 KiB; no NUL in values or commands', () => {
  const keys = Array.from({ length: 257 }, (_, i) => `K${i}: v`).join(', ');
  assert.deepEqual(errorsOf(`services:\n  web:\n    start: x\n    env: { ${keys} }\n`), ['sluice.yaml:4:10: services.web.env: 257 variables: at most 256']);
  assert.deepEqual(errorsOf(`build:\n  - run: x\n    env: { BIG: "${'x'.repeat(65_536)}" }\n`), ['sluice.yaml:3:10: build[0].env: 65541 bytes of variables: at most 65536']);
  assert.deepEqual(errorsOf('build:\n  - run: "a\\0b"\n    env: { A: "x\\0y" }\n'), [
    'sluice.yaml:2:10: build[0].run: must not contain a NUL character (\\0)',
    'sluice.yaml:3:15: build[0].env.A: must not contain a NUL character (\\0)',
  ]);
  assert.deepEqual(errorsOf(`build:\n  - run: "${'x'.repeat(65_537)}"\n`), ['sluice.yaml:2:10: build[0].run: the command is 65537 bytes: at most 65536 bytes']);
});

void test('NUL bytes and invalid UTF-8 in the file are refused with their line and column', () => {
  assert.deepEqual(errorsOf('build:\n  - run: ec\0ho\n'), ['sluice.yaml:2:12: NUL byte (0x00): not allowed in the pipeline file']);
  const bytes = Buffer.concat([Buffer.from('build:\n  - name: é\n    run: a'), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]);
  assert.deepEqual(errorsOf(bytes), ['sluice.yaml:3:11: invalid UTF-8 (byte 0xff): the file must be UTF-8 text']);
  // A truncated sequence, an overlong form and a surrogate are not UTF-8 either.
  assert.deepEqual(errorsOf(Buffer.from([0x61, 0x3a, 0x20, 0xe2, 0x82])), ['sluice.yaml:1:4: invalid UTF-8 (byte 0xe2): the file must be UTF-8 text']);
  assert.deepEqual(errorsOf(Buffer.from([0x0a, 0xc0, 0xaf])), ['sluice.yaml:2:1: invalid UTF-8 (byte 0xc0): the file must be UTF-8 text']);
  assert.deepEqual(errorsOf(Buffer.from([0xed, 0xa0, 0x80])), ['sluice.yaml:1:1: invalid UTF-8 (byte 0xed): the file must be UTF-8 text']);
  // Valid multi-byte text passes as bytes.
  assert.equal(valid(Buffer.from('build:\n  - name: déploiement ✓ 🚀\n    run: x\n') as unknown as string).build[0]?.name, 'déploiement ✓ 🚀');
  assert.deepEqual(errorsOf(Buffer.alloc(COUNT_LIMITS.fileBytes + 1, 0x20)), ['sluice.yaml:1:1: the file is 1048577 bytes: at most 1048576 (1 MiB)']);
});

void test('pr-N names are reserved for previews', () => {
  assert.deepEqual(errorsOf('environments:\n  staging: {}\n  pr-1: {}\n  pr-42: {}\n'), [
    'sluice.yaml:3:3: environments.pr-1: "pr-1" is reserved for pull request previews (pr-N): choose another environment name',
    'sluice.yaml:4:3: environments.pr-42: "pr-42" is reserved for pull request previews (pr-N): choose another environment name',
  ]);
  valid('environments:\n  pr-x: {}\n  prod-1: {}\n  pr1: {}\n');
});

void test('the last environment bakes 60 s by default, the others not; bake: 0 turns it off', () => {
  const spec = valid('environments:\n  staging: {}\n  qa: {}\n  production: {}\n');
  assert.deepEqual(spec.environments.map((e) => [e.name, e.bakeMs]), [['staging', 0], ['qa', 0], ['production', 60_000]]);
  assert.equal(valid('environments:\n  production: { bake: 0 }\n').environments[0]?.bakeMs, 0);
  assert.equal(valid('environments:\n  staging: { bake: 5m }\n  production: { bake: 10s }\n').environments[0]?.bakeMs, 300_000);
  assert.equal(valid('environments:\n  only: {}\n').environments[0]?.bakeMs, 60_000);
});

void test('analysis under blueGreen is refused with the reason', () => {
  assert.deepEqual(errorsOf(production('    strategy:\n      blueGreen:\n        analysis: { maxErrorRate: 1% }\n')), [
    'sluice.yaml:8:19: environments.production.strategy.blueGreen.analysis: not supported under blueGreen: green is checked by verify before the switch and by bake after it; use canary to compare a new release with the stable one',
  ]);
});

void test('verify steps, canary options and preview env compile to their typed values', () => {
  const spec = valid(`services:
  web: { start: x }
environments:
  production:
    verify:
      - name: smoke
        run: curl -fsS "$SLUICE_URL/healthz"
        timeout: 30s
        env: { RETRIES: 3 }
    strategy:
      canary:
        steps: [{ weight: 50, pause: 1m }]
        analysis: { maxP99: 250ms, alpha: 0.01 }
        sticky: true
previews:
  pullRequests: true
  env: { PREVIEW: yes }
`);
  const production = spec.environments[0];
  assert.deepEqual(production?.verify, [{ name: 'smoke', run: 'curl -fsS "$SLUICE_URL/healthz"', timeoutMs: 30_000, env: { RETRIES: '3' }, network: true, limits: DEFAULT_SANDBOX_LIMITS }]);
  assert.deepEqual(production?.strategy, {
    kind: 'canary',
    steps: [{ weight: 50, pauseMs: 60_000 }],
    analysis: { maxErrorRate: null, maxP99Ms: 250, minSamples: 20, intervalMs: 10_000, alpha: 0.01 },
    sticky: true,
  });
  assert.deepEqual(spec.previews.env, { PREVIEW: 'yes' });
});
