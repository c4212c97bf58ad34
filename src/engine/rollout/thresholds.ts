// Absolute limits on one release's window (bake): error rate and p99 latency.
import { quantileFromHistogram } from '../../analysis/histogram-quantile.ts';
import { metricsDelta } from '../../analysis/window-stats.ts';
import type { ReleaseMetrics } from '../../router/route-table.ts';
import type { AnalysisSpec } from '../../spec/spec.ts';
import type { NewDecision } from './decisions.ts';

export function thresholdBreach(after: ReleaseMetrics | undefined, before: ReleaseMetrics | undefined, a: AnalysisSpec): { failed: boolean; reason: string; decisions: NewDecision[] } {
  const w = metricsDelta(after, before);
  const samples = { canary: w.requests, baseline: 0 };
  if (w.requests < a.minSamples) {
    return { failed: false, reason: '', decisions: [{ metric: 'maxErrorRate', verdict: 'inconclusive', samples, statistic: null, pValue: null, threshold: a.maxErrorRate, reason: `${w.requests} requests so far (need ${a.minSamples})` }] };
  }
  const decisions: NewDecision[] = [];
  let reason = '';
  if (a.maxErrorRate !== null) {
    const rate = w.errors / w.requests;
    const fail = rate > a.maxErrorRate;
    const text = `error rate ${(100 * rate).toFixed(2)}% (${w.errors}/${w.requests}) ${fail ? '>' : '≤'} ${(100 * a.maxErrorRate).toFixed(2)}%`;
    if (fail) reason = text;
    decisions.push({ metric: 'maxErrorRate', verdict: fail ? 'fail' : 'pass', samples, statistic: rate, pValue: null, threshold: a.maxErrorRate, reason: text });
  }
  if (a.maxP99Ms !== null) {
    const p99 = quantileFromHistogram(w, 0.99);
    const fail = p99 !== null && p99 > a.maxP99Ms;
    const text = `p99 ${p99 === null ? 'unknown' : `${p99.toFixed(1)} ms`} ${fail ? '>' : '≤'} ${a.maxP99Ms} ms`;
    if (fail) reason = reason ? `${reason}; ${text}` : text;
    decisions.push({ metric: 'maxP99', verdict: fail ? 'fail' : p99 === null ? 'inconclusive' : 'pass', samples, statistic: p99, pValue: null, threshold: a.maxP99Ms, reason: text });
  }
  return { failed: reason !== '', reason, decisions };
}
