// What `sluice flag rollout … --json` shows: the shape of `sluice rollout --json` (DESIGN.md)
// with strategy 'flag', the variant's share as the canary weight and the rest as stable, and
// the flag rollout's own fields beside it.
import type { FlagRollout } from '../../flags/flag-rollout-records.ts';
import { storedDecisions, type StoredDecision } from '../rollout/decisions.ts';
import { planOfFlagRollout } from './flag-rollout-machine.ts';

export interface FlagRolloutView {
  id: string;
  strategy: 'flag';
  project: string;
  environment: string;
  flag: string;
  variant: string;
  state: FlagRollout['state'];
  phase: FlagRollout['phase'];
  /** Index into steps, as `sluice rollout --json` has it. */
  step: number;
  steps: number[];
  pauseMs: number;
  analysis: ReturnType<typeof planOfFlagRollout>['analysis'];
  weights: { stable: number; canary: number; baseline: number };
  decisions: StoredDecision[];
  reason: string | null;
  startedBy: string;
  createdAt: string;
  finishedAt: string | null;
}

export function flagRolloutView(r: FlagRollout): FlagRolloutView {
  const plan = planOfFlagRollout(r);
  const percent = r.state === 'promoted' ? 100 : r.state === 'aborted' || r.phase === 'start' ? 0 : (plan.steps[r.step] ?? 0);
  return {
    id: r.id,
    strategy: 'flag',
    project: r.project,
    environment: r.environment,
    flag: r.flag,
    variant: r.variant,
    state: r.state,
    phase: r.phase,
    step: r.step,
    steps: plan.steps,
    pauseMs: plan.pauseMs,
    analysis: plan.analysis,
    weights: { stable: 100 - percent, canary: percent, baseline: 0 },
    decisions: storedDecisions(r),
    reason: r.reason,
    startedBy: r.startedBy,
    createdAt: r.createdAt,
    finishedAt: r.finishedAt,
  };
}
