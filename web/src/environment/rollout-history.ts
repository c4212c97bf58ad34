// What a rollout's record tells of its traffic over time. The store keeps the current weights,
// the plan's steps, when the current step began and every analysis decision (with its step), not
// a log of weight changes (docs/decisions/0046), so the points are the moments the weight is known:
// the start (nothing on the new release yet), the first decision of each step (that step's weight),
// the current step's start, the bake (all on the new release) and the latest record.
import type { RolloutDecisionJson, RolloutJson } from '../../../src/api/schemas/deploy-schemas.ts';

export interface WeightPoint {
  at: number;
  /** Percent of requests on the new release. */
  canary: number;
}

export function canaryWeightsOverTime(rollout: RolloutJson): WeightPoint[] {
  const weightOf = (step: number | 'bake'): number | undefined => (step === 'bake' ? 100 : rollout.steps?.[step]?.weight);
  const points: WeightPoint[] = [{ at: Date.parse(rollout.createdAt), canary: 0 }];
  const seen = new Set<number | 'bake'>();
  for (const d of rollout.decisions) {
    if (seen.has(d.step)) continue;
    seen.add(d.step);
    const w = weightOf(d.step);
    if (w !== undefined) points.push({ at: Date.parse(d.at), canary: w });
  }
  const current = rollout.finishedAt === null ? weightOf(rollout.step) : undefined;
  if (rollout.stepStartedAt && current !== undefined && rollout.strategy === 'canary') points.push({ at: Date.parse(rollout.stepStartedAt), canary: current });
  points.push({ at: Date.parse(rollout.finishedAt ?? rollout.updatedAt), canary: rollout.weights.canary });
  const sorted = points.filter((p) => Number.isFinite(p.at)).sort((a, b) => a.at - b.at);
  return sorted.filter((p, i) => i === 0 || p.at !== sorted[i - 1]!.at || p.canary !== sorted[i - 1]!.canary);
}

/** Decisions grouped by metric, oldest first (one chart per metric: their figures have different units). */
export function decisionsByMetric(decisions: readonly RolloutDecisionJson[]): Map<string, RolloutDecisionJson[]> {
  const by = new Map<string, RolloutDecisionJson[]>();
  for (const d of [...decisions].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))) by.set(d.metric, [...(by.get(d.metric) ?? []), d]);
  return by;
}
