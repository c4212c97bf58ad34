import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { histogramQuantile, metricsDelta, quantileFromHistogram, sumStats, type WindowStats } from '../../src/analysis/index.ts';
import { SluiceError } from '../../src/errors.ts';
import type { ReleaseMetrics } from '../../src/router/route-table.ts';

function metrics(requests: number, errors5xx: number, connectFailures: number, counts: number[], bounds = [10, 100, 1000]): ReleaseMetrics {
  return { release: 'r1', host: 'app.test', requests, errors5xx, connectFailures, latency: { bounds, counts, sum: 0 } };
}

const stats = (counts: number[], bounds = [10, 100, 1000]): WindowStats => ({ requests: counts.at(-1)!, errors: 0, latency: { bounds, counts } });

void describe('analysis: window stats', () => {
  void it('metricsDelta subtracts two cumulative snapshots; connect failures are failed attempts', () => {
    const before = metrics(100, 2, 1, [50, 90, 99, 100]);
    const after = metrics(350, 12, 4, [120, 300, 345, 350]);
    assert.deepEqual(metricsDelta(after, before), {
      requests: 253, // 250 requests + 3 connect failures
      errors: 13, // 10 5xx + 3 connect failures
      latency: { bounds: [10, 100, 1000], counts: [70, 210, 246, 250] },
    });
  });

  void it('metricsDelta: no before is from zero, no after is no data, a reset counter means after alone', () => {
    const after = metrics(40, 1, 0, [10, 30, 40, 40]);
    assert.deepEqual(metricsDelta(after, undefined), { requests: 40, errors: 1, latency: { bounds: [10, 100, 1000], counts: [10, 30, 40, 40] } });
    assert.deepEqual(metricsDelta(undefined, after), { requests: 0, errors: 0, latency: { bounds: [], counts: [0] } });
    const restarted = metricsDelta(after, metrics(500, 5, 0, [100, 400, 500, 500]));
    assert.equal(restarted.requests, 40);
    assert.deepEqual(restarted.latency.counts, [10, 30, 40, 40]);
  });

  void it('metricsDelta over different bucket bounds keeps the bounds both share (exact counts)', () => {
    const before = metrics(10, 0, 0, [5, 8, 10, 10], [10, 100, 1000]);
    const after = metrics(30, 0, 0, [2, 15, 25, 30, 30], [5, 10, 250, 1000]);
    assert.deepEqual(metricsDelta(after, before).latency, { bounds: [10, 1000], counts: [10, 20, 20] });
  });

  void it('metricsDelta rejects a malformed histogram', () => {
    assert.throws(() => metricsDelta(metrics(3, 0, 0, [1, 2]), undefined), (e: unknown) => e instanceof SluiceError && e.code === 'invalid_input');
  });

  void it('sumStats adds windows (e.g. one release on several hosts); empty windows take any bounds', () => {
    const a: WindowStats = { requests: 100, errors: 3, latency: { bounds: [10, 100], counts: [40, 90, 100] } };
    const b: WindowStats = { requests: 50, errors: 1, latency: { bounds: [10, 100], counts: [10, 45, 50] } };
    const none: WindowStats = { requests: 0, errors: 0, latency: { bounds: [], counts: [0] } };
    assert.deepEqual(sumStats([a, none, b]), { requests: 150, errors: 4, latency: { bounds: [10, 100], counts: [50, 135, 150] } });
    assert.deepEqual(sumStats([]), { requests: 0, errors: 0, latency: { bounds: [], counts: [0] } });
  });

  void it('quantileFromHistogram interpolates linearly inside the bucket (first bucket from 0)', () => {
    const s = stats([20, 80, 100, 100]); // 20 in (0,10], 60 in (10,100], 20 in (100,1000]
    assert.equal(quantileFromHistogram(s, 0.1), 5); // rank 10 of 20 in (0, 10]
    assert.equal(quantileFromHistogram(s, 0.5), 55); // rank 50: 30 of 60 into (10, 100]
    assert.equal(quantileFromHistogram(s, 0.9), 550); // rank 90: 10 of 20 into (100, 1000]
    assert.equal(quantileFromHistogram(s, 1), 1000);
    assert.equal(quantileFromHistogram(s, 0), 0);
    assert.equal(quantileFromHistogram(stats([0, 0, 10, 10]), 0), 100); // lower edge of the first non-empty bucket
    assert.equal(quantileFromHistogram(stats([0, 0, 0, 0]), 0.5), null);
    assert.throws(() => quantileFromHistogram(s, 1.5), SluiceError);
  });

  void it('a quantile in the +Inf bucket is the last bound, flagged as overflow', () => {
    const s = stats([0, 50, 90, 100]);
    assert.equal(quantileFromHistogram(s, 0.99), 1000);
    assert.deepEqual(histogramQuantile(s.latency, 0.99), { value: 1000, overflow: true });
    assert.deepEqual(histogramQuantile(s.latency, 0.5), { value: 100, overflow: false });
  });
});
