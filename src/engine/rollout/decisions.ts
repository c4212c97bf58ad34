// Every analysis decision is kept with its rollout and shown by `sluice rollout --json`.
import { z } from 'zod';
import type { Decision } from '../../analysis/analysis-config.ts';
import { parseStored } from '../../store/stored-json.ts';
import type { Rollout } from '../../store/records.ts';
import { environmentLabel } from '../../metrics/metric-catalog.ts';
import type { RolloutDeps } from './rollout-deps.ts';

export interface StoredDecision {
  at: string;
  step: number | 'bake';
  metric: string;
  verdict: 'pass' | 'fail' | 'inconclusive';
  samples: { canary: number; baseline: number };
  statistic: number | null;
  pValue: number | null;
  threshold: number | null;
  reason: string;
}

export type NewDecision = Omit<StoredDecision, 'at' | 'step'>;

const figure = (n: number | null): string => (n === null ? '-' : Number(n.toPrecision(4)).toString());

/** A decision as one deploy event: `analysis step 2: errorRate pass (canary 412, baseline 398 samples; statistic 0.8, p 0.42, threshold 0.01): …`. */
export function decisionLine(step: number | 'bake', d: NewDecision): string {
  return `analysis ${step === 'bake' ? 'bake' : `step ${step}`}: ${d.metric} ${d.verdict} (canary ${d.samples.canary}, baseline ${d.samples.baseline} samples; statistic ${figure(d.statistic)}, p ${figure(d.pValue)}, threshold ${figure(d.threshold)}): ${d.reason}`;
}

const storedDecisionsSchema = z.array(
  z.object({
    at: z.string(),
    step: z.union([z.number(), z.literal('bake')]),
    metric: z.string(),
    verdict: z.enum(['pass', 'fail', 'inconclusive']),
    samples: z.object({ canary: z.number(), baseline: z.number() }),
    statistic: z.number().nullable(),
    pValue: z.number().nullable(),
    threshold: z.number().nullable(),
    reason: z.string(),
  }),
);

/** Counts each verdict (per metric) of a look at a rollout. */
export function countDecisions(deps: Pick<RolloutDeps, 'metrics'>, rollout: Pick<Rollout, 'project' | 'environment'>, decisions: readonly Pick<StoredDecision, 'metric' | 'verdict'>[]): void {
  for (const d of decisions) deps.metrics?.count('analysisDecisions', { project: rollout.project, environment: environmentLabel(rollout.environment), metric: d.metric, verdict: d.verdict });
}

/** The decisions a rollout keeps, checked. */
export function storedDecisions(rollout: Pick<Rollout, 'id' | 'decisionsJson'>): StoredDecision[] {
  return parseStored(storedDecisionsSchema, rollout.decisionsJson, `rollout ${rollout.id} (decisions)`);
}

/** Keeps the newest 500 decisions of a rollout. */
export function appendDecisions(rollout: Pick<Rollout, 'id' | 'decisionsJson'>, decisions: NewDecision[], at: Date, step: number | 'bake'): string {
  const all = storedDecisions(rollout);
  for (const d of decisions) all.push({ at: at.toISOString(), step, ...d });
  return JSON.stringify(all.slice(-500));
}

/** The analysis' decisions as a rollout keeps them. */
export function newDecisions(decisions: readonly Decision[]): NewDecision[] {
  return decisions.map((d) => ({ metric: d.metric, verdict: d.verdict, samples: d.samples, statistic: d.statistic, pValue: d.pValue, threshold: d.threshold, reason: d.reason }));
}

/** Between two looks the last verdict of the step stands: none yet, or any inconclusive, is inconclusive. */
export function stepVerdict(decisions: readonly StoredDecision[], step: number): 'pass' | 'inconclusive' {
  const last = decisions.filter((d) => d.step === step);
  return last.length === 0 || last.some((d) => d.verdict === 'inconclusive') ? 'inconclusive' : 'pass';
}
