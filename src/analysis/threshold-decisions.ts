// Absolute limits on the canary alone, applied on top of the comparisons.
import type { Decision, ResolvedConfig } from './analysis-config.ts';
import { errorRateFraction } from './comparative-decisions.ts';
import { ms, pct } from './format.ts';
import { histogramQuantile } from './histogram-quantile.ts';
import { timedCount, type WindowStats } from './window-stats.ts';

export function thresholdDecisions(c: WindowStats, baselineSamples: { requests: number; timed: number }, cfg: ResolvedConfig): Decision[] {
  const out: Decision[] = [];
  const min = cfg.minSamples;
  if (cfg.maxErrorRate !== null) {
    const max = cfg.maxErrorRate;
    const rate = errorRateFraction(c);
    const base = { metric: 'maxErrorRate' as const, samples: { canary: c.requests, baseline: baselineSamples.requests }, pValue: null, threshold: max };
    const desc = `canary error rate ${pct(rate)} (${c.errors}/${c.requests})`;
    const details = { canaryRate: rate, maxErrorRate: max };
    if (c.requests < min || rate === null) {
      out.push({ ...base, verdict: 'inconclusive', statistic: rate, reason: `${desc}: too few requests to judge maxErrorRate (need ${min})`, details });
    } else {
      const fail = rate > max;
      const reason = `${desc} ${fail ? '>' : '≤'} maxErrorRate ${pct(max)}`;
      out.push({ ...base, verdict: fail ? 'fail' : 'pass', statistic: rate, reason, details });
    }
  }
  if (cfg.maxP99Ms !== null) {
    const max = cfg.maxP99Ms;
    const timed = timedCount(c.latency);
    const p99 = histogramQuantile(c.latency, 0.99);
    const base = { metric: 'maxP99' as const, samples: { canary: timed, baseline: baselineSamples.timed }, pValue: null, threshold: max };
    const details = { canaryP99Ms: p99?.value ?? null, maxP99Ms: max };
    const desc = `canary p99 ${ms(p99?.value ?? null, p99?.overflow)}`;
    if (timed < min || p99 === null) {
      out.push({ ...base, verdict: 'inconclusive', statistic: p99?.value ?? null, reason: `${desc}: too few timed requests to judge maxP99 (need ${min})`, details });
    } else if (p99.overflow && p99.value <= max) {
      // Beyond the last bucket: it cannot be shown to be within the limit, and waiting will not help.
      const reason = `${desc} (beyond the histogram's last bound) cannot be shown ≤ maxP99 ${ms(max)}`;
      out.push({ ...base, verdict: 'fail', statistic: p99.value, reason, details });
    } else {
      const fail = p99.value > max;
      out.push({ ...base, verdict: fail ? 'fail' : 'pass', statistic: p99.value, reason: `${desc} ${fail ? '>' : '≤'} maxP99 ${ms(max)}`, details });
    }
  }
  return out;
}
