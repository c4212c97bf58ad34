// Canary versus baseline, each as a one-sided test at the alpha spent on this look.
import type { Decision, ResolvedConfig } from './analysis-config.ts';
import { ms, pct, prob, subscript } from './format.ts';
import { histogramQuantile } from './histogram-quantile.ts';
import { mannWhitneyBinned } from './mann-whitney.ts';
import { fisherExactGreater, twoProportionZTest } from './proportion-tests.ts';
import { alignHistograms, bucketCounts, timedCount, type WindowStats } from './window-stats.ts';

/** Canary errors that fail it even without a baseline to compare with (see docs/analysis.md). */
const grossErrorRate = 0.5;

export function errorRateFraction(s: WindowStats): number | null {
  return s.requests > 0 ? s.errors / s.requests : null;
}

export function errorRateDecision(c: WindowStats, b: WindowStats, cfg: ResolvedConfig, look: number, alphaK: number): Decision {
  const cRate = errorRateFraction(c);
  const bRate = errorRateFraction(b);
  const base = {
    metric: 'errorRate' as const,
    samples: { canary: c.requests, baseline: b.requests },
    threshold: alphaK,
  };
  const details = { canaryRate: cRate, baselineRate: bRate, canaryErrors: c.errors, baselineErrors: b.errors, look, alpha: alphaK };
  const desc = `canary error rate ${pct(cRate)} (${c.errors}/${c.requests}) vs baseline ${pct(bRate)} (${b.errors}/${b.requests})`;
  const min = cfg.minSamples;
  if (c.requests < min || b.requests < min) {
    if (b.requests < min && c.errors >= min && (cRate ?? 0) >= grossErrorRate) {
      const reason = `${desc}: too little baseline traffic to compare (${b.requests} < ${min}), but ${c.errors} canary errors (≥ minSamples) at ≥ ${grossErrorRate * 100}% fail it outright`;
      return { ...base, verdict: 'fail', statistic: null, pValue: null, reason, details };
    }
    const reason = `${desc}: too few requests to compare (need ${min} on each side)`;
    return { ...base, verdict: 'inconclusive', statistic: null, pValue: null, reason, details };
  }
  const { z } = twoProportionZTest(c.errors, c.requests, b.errors, b.requests);
  const p = fisherExactGreater(c.errors, c.requests, b.errors, b.requests);
  const fail = p < alphaK;
  const test = `z=${z.toFixed(2)}, Fisher p=${prob(p)} ${fail ? '<' : '≥'} α${subscript(look)}=${prob(alphaK)}`;
  const reason = `${desc}: ${test}${fail ? '' : ', no significant increase'}`;
  return { ...base, verdict: fail ? 'fail' : 'pass', statistic: z, pValue: p, reason, details };
}

export function latencyDecision(c: WindowStats, b: WindowStats, cfg: ResolvedConfig, look: number, alphaK: number): Decision {
  const [ch, bh] = alignHistograms(c.latency, b.latency);
  const base = {
    metric: 'latency' as const,
    samples: { canary: timedCount(ch), baseline: timedCount(bh) },
    threshold: alphaK,
  };
  const min = cfg.minSamples;
  if (base.samples.canary < min || base.samples.baseline < min) {
    const reason = `canary ${base.samples.canary} vs baseline ${base.samples.baseline} timed requests: too few to compare latency (need ${min} on each side)`;
    return { ...base, verdict: 'inconclusive', statistic: null, pValue: null, reason, details: { look, alpha: alphaK } };
  }
  if (ch.bounds.length === 0) {
    const reason = 'canary and baseline latency histograms share no bucket bound: cannot compare latency';
    return { ...base, verdict: 'inconclusive', statistic: null, pValue: null, reason, details: { look, alpha: alphaK } };
  }
  const mw = mannWhitneyBinned(bucketCounts(ch), bucketCounts(bh));
  const cMed = histogramQuantile(ch, 0.5);
  const bMed = histogramQuantile(bh, 0.5);
  const cP90 = histogramQuantile(ch, 0.9);
  const bP90 = histogramQuantile(bh, 0.9);
  const details = {
    canaryMedianMs: cMed?.value ?? null,
    baselineMedianMs: bMed?.value ?? null,
    canaryP90Ms: cP90?.value ?? null,
    baselineP90Ms: bP90?.value ?? null,
    u: mw.u,
    uMean: mw.mean,
    look,
    alpha: alphaK,
  };
  const desc =
    `canary latency median ${ms(details.canaryMedianMs, cMed?.overflow)} / p90 ${ms(details.canaryP90Ms, cP90?.overflow)}` +
    ` vs baseline ${ms(details.baselineMedianMs, bMed?.overflow)} / ${ms(details.baselineP90Ms, bP90?.overflow)}`;
  const fail = mw.pValue < alphaK;
  const test = `U=${mw.u} (mean ${mw.mean}), z=${mw.z.toFixed(2)}, p=${prob(mw.pValue)} ${fail ? '<' : '≥'} α${subscript(look)}=${prob(alphaK)}`;
  const verdict = { ...base, statistic: mw.z, pValue: mw.pValue, details };
  if (!fail) return { ...verdict, verdict: 'pass', reason: `${desc}: ${test}, no significant slowdown` };
  const { latencyRatio, latencyMs } = cfg.minEffect;
  const large = (cq: number | null, bq: number | null): boolean => cq !== null && bq !== null && cq >= bq * latencyRatio && cq >= bq + latencyMs;
  const effect = `×${latencyRatio} and +${latencyMs}ms`;
  const hits = [large(details.canaryMedianMs, details.baselineMedianMs) ? 'median' : '', large(details.canaryP90Ms, details.baselineP90Ms) ? 'p90' : ''].filter(Boolean);
  if (hits.length === 0) {
    return { ...verdict, verdict: 'pass', reason: `${desc}: ${test}, significant but below the minimum effect (${effect} at median or p90)` };
  }
  return { ...verdict, verdict: 'fail', reason: `${desc}: ${test}, canary ${hits.join(' and ')} at least ${effect} the baseline's` };
}
