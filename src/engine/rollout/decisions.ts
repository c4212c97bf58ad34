// Every analysis decision is kept with its rollout and shown by `sluice rollout --json`.
import type { Decision } from '../../analysis/analysis-config.ts';
import type { Rollout } from '../../store/records.ts';

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

/** Keeps the newest 500 decisions of a rollout. */
export function appendDecisions(rollout: Rollout, decisions: NewDecision[], at: Date, step: number | 'bake'): string {
  const all = JSON.parse(rollout.decisionsJson) as StoredDecision[];
  for (const d of decisions) all.push({ at: at.toISOString(), step, ...d });
  return JSON.stringify(all.slice(-500));
}

/** The analysis' decisions as a rollout keeps them. */
export function newDecisions(decisions: readonly Decision[]): NewDecision[] {
  return decisions.map((d) => ({ metric: d.metric, verdict: d.verdict, samples: d.samples, statistic: d.statistic, pValue: d.pValue, threshold: d.threshold, reason: d.reason }));
}
