// What a rollout was asked to do, stored with it: the strategy and the bake window.
import { z } from 'zod';
import type { AnalysisSpec, StrategySpec } from '../../spec/spec.ts';
import { parseStored } from '../../store/stored-json.ts';

export interface RolloutPlan {
  strategy: StrategySpec;
  bakeMs: number;
}

const ms = z.number().min(0);
const analysisSchema = z.object({ maxErrorRate: z.number().nullable(), maxP99Ms: z.number().nullable(), minSamples: z.number(), intervalMs: ms, alpha: z.number() });
const planSchema = z.object({
  strategy: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('rolling'), maxSurge: z.number(), maxUnavailable: z.number() }),
    z.object({ kind: z.literal('blueGreen'), scaleDownDelayMs: ms, analysis: analysisSchema.nullable() }),
    z.object({ kind: z.literal('canary'), steps: z.array(z.object({ weight: z.number(), pauseMs: ms.nullable() })).min(1), analysis: analysisSchema.nullable(), sticky: z.boolean().optional() }),
  ]),
  bakeMs: ms,
});

/** A rollout's stored plan, checked (`record` names the rollout in the error). */
export function planOf(json: string, record = 'a rollout plan'): RolloutPlan {
  return parseStored(planSchema, json, record) satisfies RolloutPlan;
}

/** Bake watches the analysis thresholds of the strategy, or these when it has none. */
export const defaultBakeAnalysis: AnalysisSpec = { maxErrorRate: 0.05, maxP99Ms: null, minSamples: 20, intervalMs: 2000, alpha: 0.005 };

export function analysisOf(plan: RolloutPlan): AnalysisSpec | null {
  return plan.strategy.kind === 'rolling' ? null : plan.strategy.analysis;
}
