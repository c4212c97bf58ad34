// The in-memory side of the metrics port: counters add up per label set, histograms bucket
// observations cumulatively, and a call with the wrong labels or a negative count is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricRecorder } from '../../src/metrics/metric-recorder.ts';
import { metricCatalog } from '../../src/metrics/metric-catalog.ts';
import { isHistogram } from '../../src/metrics/series.ts';

void test('counters add per label set', () => {
  const r = new MetricRecorder();
  r.count('webhooks', { host: 'github', result: 'accepted' });
  r.count('webhooks', { host: 'github', result: 'accepted' }, 2);
  r.count('webhooks', { host: 'gitlab', result: 'unauthorized' });
  const values = r.series().map((s) => (isHistogram(s) ? null : [s.labels.host, s.labels.result, s.value]));
  assert.deepEqual(values, [
    ['github', 'accepted', 3],
    ['gitlab', 'unauthorized', 1],
  ]);
});

void test('histograms keep cumulative buckets, the count and the sum', () => {
  const r = new MetricRecorder();
  const labels = { project: 'p', stage: 'build', result: 'succeeded' };
  for (const seconds of [0.2, 3, 3, 7200]) r.observe('stageDuration', labels, seconds);
  const [h] = r.series();
  assert.ok(h && isHistogram(h));
  const bounds = metricCatalog.stageDuration.buckets;
  assert.deepEqual(h.bounds, bounds);
  assert.equal(h.counts.length, bounds.length + 1);
  assert.equal(h.counts[0], 1, 'le 0.5');
  assert.equal(h.counts[bounds.indexOf(5)], 3, 'le 5');
  assert.equal(h.counts[bounds.length - 1], 3, 'le 3600: the two-hour stage is only in +Inf');
  assert.equal(h.counts.at(-1), 4);
  assert.equal(h.sum, 0.2 + 3 + 3 + 7200);
});

void test('wrong labels, negative counts and non-finite observations are refused with the metric named', () => {
  const r = new MetricRecorder();
  assert.throws(() => r.count('webhooks', { host: 'github' } as never), /sluice_webhooks_total takes the labels \[host, result\], got \[host\]/);
  assert.throws(() => r.count('webhooks', { host: 'github', result: 'x', commit: 'abc' } as never), /takes the labels/);
  assert.throws(() => r.count('leaseTakeovers', { project: 'p' }, -1), /sluice_lease_takeovers_total can only go up/);
  assert.throws(() => r.observe('stageDuration', { project: 'p', stage: 'build', result: 'failed' }, Number.NaN), /finite/);
  assert.deepEqual(r.series(), []);
});

void test('the catalog follows Prometheus naming: sluice_ prefix, _total counters, units, help', () => {
  for (const [key, def] of Object.entries(metricCatalog)) {
    assert.match(def.name, /^sluice_[a-z0-9_]+$/, key);
    assert.equal(def.type === 'counter', def.name.endsWith('_total'), `${def.name}: counters and only counters end in _total`);
    if (def.type === 'histogram') assert.match(def.name, /_seconds$/, `${def.name}: durations in seconds`);
    assert.ok(def.help.length > 10, `${def.name} has help`);
    // Bounded cardinality: no label that would carry a commit, an instance, a run or a URL.
    for (const label of def.labels) assert.doesNotMatch(label, /commit|sha|instance|run_?id|url|path/i, `${def.name} label ${label}`);
  }
});
