import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judge, judgeThresholds, type AnalysisConfig, type Decision, type WindowStats } from '../../src/analysis/index.ts';
import { normalSf } from '../../src/analysis/special-functions.ts';
import { SluiceError } from '../../src/errors.ts';
import { lognormalSamples, mulberry32, routerBounds, statsFromSamples } from './synthetic.ts';

const cfg: AnalysisConfig = { maxErrorRate: null, maxP99Ms: null, minSamples: 100 };

/** Expected (rounded) counts of a lognormal latency over the router's buckets: no sampling noise. */
function lognormalStats(n: number, medianMs: number, sigma: number, errors: number): WindowStats {
  const counts = routerBounds.map((b) => Math.round(n * (1 - normalSf(Math.log(b / medianMs) / sigma))));
  counts.push(n);
  return { requests: n, errors, latency: { bounds: [...routerBounds], counts } };
}

const decision = (decisions: Decision[], metric: Decision['metric']): Decision => {
  const d = decisions.find((x) => x.metric === metric);
  assert.ok(d, `no ${metric} decision`);
  return d;
};

void describe('analysis: judge', () => {
  void it('identical windows pass, with p-values and reasons', () => {
    const s = lognormalStats(5000, 20, 0.5, 50);
    const r = judge(s, s, { ...cfg, maxErrorRate: 0.05, maxP99Ms: 500 }, 1);
    assert.equal(r.verdict, 'pass');
    assert.deepEqual(
      r.decisions.map((d) => [d.metric, d.verdict]),
      [['errorRate', 'pass'], ['latency', 'pass'], ['maxErrorRate', 'pass'], ['maxP99', 'pass']],
    );
    const err = decision(r.decisions, 'errorRate');
    assert.equal(err.statistic, 0);
    assert.ok(err.pValue! > 0.5);
    assert.deepEqual(err.samples, { canary: 5000, baseline: 5000 });
    assert.match(err.reason, /canary error rate 1\.00% \(50\/5000\) vs baseline 1\.00% \(50\/5000\): z=0\.00, Fisher p=0\.5\d* ≥ α₁=0\.03/);
    assert.ok(JSON.parse(JSON.stringify(r)), 'JSON-safe');
  });

  void it('identical seeded traffic passes', () => {
    const rand = mulberry32(42);
    const a = statsFromSamples(lognormalSamples(rand, 3000, 30, 0.6), 30);
    const b = statsFromSamples(lognormalSamples(rand, 3000, 30, 0.6), 31);
    assert.equal(judge(a, b, cfg, 1).verdict, 'pass');
  });

  void it('both sides without errors: error rate passes with p = 1', () => {
    const s = lognormalStats(1000, 20, 0.5, 0);
    const d = decision(judge(s, s, cfg, 4).decisions, 'errorRate');
    assert.equal(d.verdict, 'pass');
    assert.equal(d.pValue, 1);
    assert.match(d.reason, /α₄=/);
  });

  void it('a canary with 10× the error rate fails', () => {
    const r = judge(lognormalStats(1000, 20, 0.5, 100), lognormalStats(1000, 20, 0.5, 10), cfg, 3);
    assert.equal(r.verdict, 'fail');
    const d = decision(r.decisions, 'errorRate');
    assert.equal(d.verdict, 'fail');
    assert.ok(d.statistic! > 8);
    assert.ok(d.pValue! < d.threshold!);
    assert.match(d.reason, /10\.00% \(100\/1000\) vs baseline 1\.00% \(10\/1000\): z=\d+\.\d\d, Fisher p=\S+ < α₃=0\.0034/);
    assert.equal(decision(r.decisions, 'latency').verdict, 'pass');
  });

  void it('a canary 2× slower fails on latency', () => {
    const rand = mulberry32(1);
    const canary = statsFromSamples(lognormalSamples(rand, 1000, 40, 0.5), 10);
    const baseline = statsFromSamples(lognormalSamples(rand, 1000, 20, 0.5), 10);
    const r = judge(canary, baseline, cfg, 2);
    assert.equal(r.verdict, 'fail');
    const d = decision(r.decisions, 'latency');
    assert.equal(d.verdict, 'fail');
    assert.ok(d.pValue! < d.threshold!);
    assert.ok(d.details.canaryMedianMs! > 1.5 * d.details.baselineMedianMs!);
    assert.match(d.reason, /canary median( and p90)? at least ×1\.1 and \+5ms the baseline's/);
    assert.equal(decision(r.decisions, 'errorRate').verdict, 'pass');
  });

  void it('a canary 1% slower is significant with huge samples but passes: below the minimum effect', () => {
    const r = judge(lognormalStats(2_000_000, 20.2, 0.5, 0), lognormalStats(2_000_000, 20, 0.5, 0), cfg, 1);
    const d = decision(r.decisions, 'latency');
    assert.ok(d.pValue! < 1e-6, `p=${d.pValue}`);
    assert.equal(d.verdict, 'pass');
    assert.match(d.reason, /significant but below the minimum effect \(×1\.1 and \+5ms at median or p90\)/);
    assert.equal(r.verdict, 'pass');
  });

  void it('too few requests on either side is inconclusive, never a pass, thresholds included', () => {
    const few = lognormalStats(60, 20, 0.5, 0);
    const many = lognormalStats(5000, 20, 0.5, 0);
    const strict = { ...cfg, maxErrorRate: 0.01, maxP99Ms: 1000 };
    const r = judge(few, few, strict, 1);
    assert.equal(r.verdict, 'inconclusive');
    assert.ok(r.decisions.every((d) => d.verdict === 'inconclusive'));
    assert.match(decision(r.decisions, 'errorRate').reason, /too few requests to compare \(need 100 on each side\)/);
    // Enough canary, too little baseline: comparisons wait, thresholds on the canary are judged.
    const r2 = judge(many, few, strict, 1);
    assert.equal(r2.verdict, 'inconclusive');
    assert.deepEqual(
      r2.decisions.map((d) => d.verdict),
      ['inconclusive', 'inconclusive', 'pass', 'pass'],
    );
    const none: WindowStats = { requests: 0, errors: 0, latency: { bounds: [], counts: [0] } };
    assert.equal(judge(none, none, cfg, 1).verdict, 'inconclusive');
  });

  void it('a massive canary failure fails early even without baseline traffic', () => {
    const burning = lognormalStats(300, 20, 0.5, 240);
    const r = judge(burning, lognormalStats(10, 20, 0.5, 0), cfg, 1);
    assert.equal(r.verdict, 'fail');
    assert.match(decision(r.decisions, 'errorRate').reason, /240 canary errors \(≥ minSamples\) at ≥ 50% fail it outright/);
    // Below minSamples errors it waits.
    assert.equal(judge(lognormalStats(150, 20, 0.5, 90), lognormalStats(10, 20, 0.5, 0), cfg, 1).verdict, 'inconclusive');
  });

  void it('thresholds: maxErrorRate and maxP99 fail on the canary alone', () => {
    const canary = lognormalStats(2000, 200, 0.8, 60); // 3% errors; p99 well above 500ms
    const r = judge(canary, canary, { ...cfg, maxErrorRate: 0.02, maxP99Ms: 500 }, 1);
    assert.equal(r.verdict, 'fail');
    const e = decision(r.decisions, 'maxErrorRate');
    assert.equal(e.verdict, 'fail');
    assert.equal(e.statistic, 0.03);
    assert.equal(e.threshold, 0.02);
    assert.match(e.reason, /canary error rate 3\.00% \(60\/2000\) > maxErrorRate 2\.00%/);
    const p = decision(r.decisions, 'maxP99');
    assert.equal(p.verdict, 'fail');
    assert.ok(p.statistic! > 500);
    // p99 beyond the last bucket cannot be shown within a limit above it.
    const slow = lognormalStats(1000, 20000, 0.5, 0);
    const d = decision(judgeThresholds(slow, { ...cfg, maxP99Ms: 60000 }).decisions, 'maxP99');
    assert.equal(d.verdict, 'fail');
    assert.match(d.reason, /canary p99 >10000ms \(beyond the histogram's last bound\)/);
  });

  void it('judgeThresholds without thresholds is inconclusive; bad config is rejected', () => {
    assert.equal(judgeThresholds(lognormalStats(1000, 20, 0.5, 0), cfg).verdict, 'inconclusive');
    const s = lognormalStats(1000, 20, 0.5, 0);
    const invalid = (e: unknown): boolean => e instanceof SluiceError && e.code === 'invalid_input';
    assert.throws(() => judge(s, s, cfg, 0), invalid);
    assert.throws(() => judge(s, s, { ...cfg, alpha: 1.5 }, 1), invalid);
    assert.throws(() => judge(s, s, { ...cfg, minSamples: 0 }, 1), invalid);
    assert.throws(() => judge(s, s, { ...cfg, maxErrorRate: 2 }, 1), invalid);
  });
});
