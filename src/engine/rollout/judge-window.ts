// One look of a canary analysis: the window since the step began, canary against baseline.
import { judge } from '../../analysis/judge.ts';
import { metricsDelta, type WindowStats } from '../../analysis/window-stats.ts';
import type { AnalysisSpec } from '../../spec/spec.ts';
import { newDecisions, type NewDecision } from './decisions.ts';
import type { Snapshot } from './metrics-window.ts';

export function judgeWindow(
  now: Snapshot,
  start: Snapshot,
  canaryRelease: number,
  stableRelease: number,
  analysis: AnalysisSpec,
  look: number,
): { verdict: 'pass' | 'fail' | 'inconclusive'; reason: string; decisions: NewDecision[] } {
  const canaryName = `r${canaryRelease}`;
  const baselineName = `r${stableRelease}-baseline`;
  return judgeStats(metricsDelta(now[canaryName], start[canaryName]), metricsDelta(now[baselineName], start[baselineName]), analysis, look);
}

/** One look at two windows' figures: a canary against its baseline, or a flag's cohort against the rest. */
export function judgeStats(canary: WindowStats, baseline: WindowStats, analysis: AnalysisSpec, look: number): { verdict: 'pass' | 'fail' | 'inconclusive'; reason: string; decisions: NewDecision[] } {
  const j = judge(canary, baseline, { maxErrorRate: analysis.maxErrorRate, maxP99Ms: analysis.maxP99Ms, minSamples: analysis.minSamples, alpha: analysis.alpha }, look);
  const failed = j.decisions.filter((d) => d.verdict === 'fail').map((d) => d.reason);
  return {
    verdict: j.verdict,
    reason: failed.join('; ') || j.decisions.map((d) => d.reason).join('; '),
    decisions: newDecisions(j.decisions),
  };
}
