// The canary judge: pure function of two windows, the configuration and the look number.
import { InvalidInputError } from '../errors.ts';
import { combine, resolveConfig, type AnalysisConfig, type Judgement } from './analysis-config.ts';
import { alphaForLook } from './alpha-spending.ts';
import { errorRateDecision, latencyDecision } from './comparative-decisions.ts';
import { thresholdDecisions } from './threshold-decisions.ts';
import { timedCount, type WindowStats } from './window-stats.ts';

/**
 * Judges `canary` against `baseline` (both: the same time window, the same share of traffic).
 * `look` is the 1-based index of this check within the step: look k tests at
 * α·6/(π²k²), so the step's false-fail rate stays ≤ α per test however many looks it takes.
 * Decisions, in order: errorRate, latency, then maxErrorRate and maxP99 when configured.
 */
export function judge(canary: WindowStats, baseline: WindowStats, cfg: AnalysisConfig, look: number): Judgement {
  const resolved = resolveConfig(cfg);
  if (!Number.isInteger(look) || look < 1) throw new InvalidInputError(`analysis: look must be an integer ≥ 1, got ${look}`, { look });
  const alphaK = alphaForLook(resolved.alpha, look);
  const decisions = [
    errorRateDecision(canary, baseline, resolved, look, alphaK),
    latencyDecision(canary, baseline, resolved, look, alphaK),
    ...thresholdDecisions(canary, { requests: baseline.requests, timed: timedCount(baseline.latency) }, resolved),
  ];
  return { verdict: combine(decisions), decisions };
}

/**
 * Thresholds only, for when there is nothing to compare with (e.g. the bake window after full
 * promotion). No thresholds configured → inconclusive.
 */
export function judgeThresholds(canary: WindowStats, cfg: AnalysisConfig): Judgement {
  const decisions = thresholdDecisions(canary, { requests: 0, timed: 0 }, resolveConfig(cfg));
  return { verdict: combine(decisions), decisions };
}
