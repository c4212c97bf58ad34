// environments.NAME.alerts and alertWindow: what they compile to, and every refusal at its line
// and column with the reason (unknown metric, a threshold in another unit, `for` shorter than
// the window, a bad action, both or neither comparison, a name used twice).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorsOf, valid } from './spec-kit.ts';

const file = (production: string): string => `services:\n  web:\n    start: x\nenvironments:\n  production:\n${production}`;

void test('alerts compile to metrics, thresholds in their unit, for, action and the window', () => {
  const spec = valid(
    file(
      [
        '    alerts:',
        '      - { name: errors, metric: errorRate, above: 2%, for: 2m, action: rollback }',
        '      - { name: slow, metric: p99, above: 800ms, for: 5m, action: notify }',
        '      - { name: crashes, metric: restarts, above: 3, for: 10m }',
        '      - { name: silent, metric: requests, below: 1/s, for: 30s }',
        '      - { name: few, metric: requests, below: 5, for: 20s }',
        '    alertWindow: 20s',
        '',
      ].join('\n'),
    ),
  );
  const production = spec.environments[0]!;
  assert.equal(production.alertWindowMs, 20_000);
  assert.deepEqual(production.alerts, [
    { name: 'errors', metric: 'errorRate', comparison: 'above', threshold: 0.02, forMs: 120_000, action: 'rollback' },
    { name: 'slow', metric: 'p99', comparison: 'above', threshold: 800, forMs: 300_000, action: 'notify' },
    { name: 'crashes', metric: 'restarts', comparison: 'above', threshold: 3, forMs: 600_000, action: 'notify' },
    // 1/s over a 20 s window: 20 requests per window.
    { name: 'silent', metric: 'requests', comparison: 'below', threshold: 20, forMs: 30_000, action: 'notify' },
    { name: 'few', metric: 'requests', comparison: 'below', threshold: 5, forMs: 20_000, action: 'notify' },
  ]);
  // Default window 10 s; `for` of exactly one window is valid.
  const plain = valid(file('    alerts:\n      - { name: errors, metric: errorRate, above: 2%, for: 10s }\n')).environments[0]!;
  assert.equal(plain.alertWindowMs, 10_000);
  assert.equal(plain.alerts[0]?.forMs, 10_000);
  assert.deepEqual(valid(file('    approval: false\n')).environments[0]?.alerts, []);
});

void test('an alert on an unknown metric is refused at its line and column, with a suggestion', () => {
  assert.deepEqual(errorsOf(file('    alerts:\n      - { name: errors, metric: errorrate, above: 2%, for: 2m }\n')), [
    'sluice.yaml:7:33: environments.production.alerts[0].metric: unknown metric "errorrate" (did you mean "errorRate"?): expected one of errorRate, p99, p95, p50, restarts, requests',
  ]);
});

void test('a threshold in the wrong unit is refused naming the unit the metric is measured in', () => {
  const errors = errorsOf(
    file(
      [
        '    alerts:',
        '      - { name: a, metric: errorRate, above: 0.02, for: 1m }',
        '      - { name: b, metric: p99, above: 2%, for: 1m }',
        '      - { name: c, metric: p95, above: 800, for: 1m }',
        '      - { name: d, metric: restarts, above: 3s, for: 1m }',
        '      - { name: e, metric: requests, below: 1.5, for: 1m }',
        '      - { name: f, metric: errorRate, above: 150%, for: 1m }',
        '',
      ].join('\n'),
    ),
  );
  assert.deepEqual(errors, [
    'sluice.yaml:7:46: environments.production.alerts[0].above: errorRate is measured as a percentage such as 2%, got 0.02',
    'sluice.yaml:8:40: environments.production.alerts[1].above: p99 is measured as a duration with its unit such as 800ms or 1.5s, got "2%"',
    'sluice.yaml:9:40: environments.production.alerts[2].above: p95 is measured as a duration with its unit such as 800ms or 1.5s, got 800',
    'sluice.yaml:10:45: environments.production.alerts[3].above: restarts is measured as a whole number of restarts such as 3, got "3s"',
    'sluice.yaml:11:45: environments.production.alerts[4].below: requests is measured as a whole number of requests per window such as 10, or a rate such as 5/s, got 1.5',
    'sluice.yaml:12:46: environments.production.alerts[5].above: errorRate is measured as a percentage such as 2%, got "150%"',
  ]);
});

void test('for shorter than the evaluation window is refused, with the window named', () => {
  assert.deepEqual(errorsOf(file('    alertWindow: 30s\n    alerts:\n      - { name: errors, metric: errorRate, above: 2%, for: 20s }\n')), [
    'sluice.yaml:8:60: environments.production.alerts[0].for: for "20s" is shorter than the evaluation window (30s, alertWindow): it must be at least one window',
  ]);
  assert.deepEqual(errorsOf(file('    alerts:\n      - { name: errors, metric: errorRate, above: 2%, for: 5s }\n')), [
    'sluice.yaml:7:60: environments.production.alerts[0].for: for "5s" is shorter than the evaluation window (10s, alertWindow): it must be at least one window',
  ]);
});

void test('a bad action, an unknown key, a bad name and a bad window are refused at their position', () => {
  const errors = errorsOf(
    file(
      [
        '    alerts:',
        '      - { name: a, metric: errorRate, above: 2%, for: 1m, action: page }',
        '      - { name: e, metric: p99, above: 1s, for: 1m, severity: high }',
        '      - { name: Bad_Name, metric: p99, above: 1s, for: 1m }',
        '    alertWindow: 0s',
        '',
      ].join('\n'),
    ),
  );
  assert.deepEqual(errors, [
    'sluice.yaml:7:67: environments.production.alerts[0].action: unknown action "page": expected rollback or notify',
    'sluice.yaml:8:53: environments.production.alerts[1].severity: unknown key "severity" (allowed: name, metric, above, below, for, action)',
    'sluice.yaml:9:17: environments.production.alerts[2].name: is not a valid alert name: use lowercase letters, digits and "-" (a DNS label of at most 63 characters)',
    'sluice.yaml:10:18: environments.production.alertWindow: expected a duration from 1s to 10m, got 0s',
  ]);
});

void test('both comparisons, neither, and a name used twice are refused at their position', () => {
  const errors = errorsOf(
    file(
      [
        '    alerts:',
        '      - { name: b, metric: errorRate, above: 2%, below: 1%, for: 1m }',
        '      - { name: c, metric: errorRate, for: 1m }',
        '      - { name: b, metric: p99, above: 1s, for: 1m }',
        '',
      ].join('\n'),
    ),
  );
  assert.deepEqual(errors, [
    'sluice.yaml:7:57: environments.production.alerts[0].below: give either above or below, not both',
    'sluice.yaml:8:9: environments.production.alerts[1]: missing "above" or "below": the errorRate threshold',
    'sluice.yaml:9:17: environments.production.alerts[2].name: alert "b" is declared twice in this environment',
  ]);
});
