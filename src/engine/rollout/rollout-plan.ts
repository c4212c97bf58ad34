// What a rollout was asked to do, stored with it: the strategy and the bake window.
import type { AnalysisSpec, StrategySpec } from '../../spec/spec.ts';

export interface RolloutPlan {
  strategy: StrategySpec;
  bakeMs: number;
}

export function planOf(json: string): RolloutPlan {
  return JSON.parse(json) as RolloutPlan;
}

/** Bake watches the analysis thresholds of the strategy, or these when it has none. */
export const defaultBakeAnalysis: AnalysisSpec = { maxErrorRate: 0.05, maxP99Ms: null, minSamples: 20, intervalMs: 2000, alpha: 0.005 };

export function analysisOf(plan: RolloutPlan): AnalysisSpec | null {
  return plan.strategy.kind === 'rolling' ? null : plan.strategy.analysis;
}
