// One step of a flag rollout (docs/decisions/0038-flag-rollouts.md): each step serves the variant
// to a percentage of users through FlagService (versioned, audited, published); each look judges
// the variant's cohort against the rest with the canary's analysis; a pass and the pause move to
// the next step, the last to `promoted` (the variant to everyone); a fail puts back what the flag
// served before, at once, and ends `aborted`. Every step's outcome is stored before the next.
import { parseStored } from '../../store/stored-json.ts';
import type { FlagRollout, FlagRolloutPlan } from '../../flags/flag-rollout-records.ts';
import { flagRolloutPlanSchema } from '../../flags/flag-rollout-records.ts';
import { describeOverride } from '../../flags/apply-definitions.ts';
import { inconclusiveTooLong } from '../rollout/canary.ts';
import { appendDecisions, decisionLine, stepVerdict, storedDecisions } from '../rollout/decisions.ts';
import { judgeStats } from '../rollout/judge-window.ts';
import { stepEntry } from '../rollout/step-entry.ts';
import type { FlagRolloutDeps } from './flag-rollout-deps.ts';
import { cohorts, flagSnapshot, flagWindowOf } from './flag-figures.ts';

export type FlagRolloutPatch = Partial<Omit<FlagRollout, 'id' | 'project' | 'environment' | 'flag'>>;

export function planOfFlagRollout(r: Pick<FlagRollout, 'id' | 'planJson'>): FlagRolloutPlan {
  return parseStored(flagRolloutPlanSchema, r.planJson, `flag rollout ${r.id} (plan)`);
}

const label = (r: FlagRollout): string => `flag rollout of ${r.flag}=${r.variant} in ${r.project}/${r.environment}`;

async function enterStep(deps: FlagRolloutDeps, r: FlagRollout, plan: FlagRolloutPlan, step: number): Promise<FlagRolloutPatch> {
  const percent = plan.steps[step]!;
  // 100 % leaves nothing to compare with: the rollout is complete.
  if (percent >= 100) return promote(deps, r);
  await deps.flags.set(r.project, r.environment, r.flag, { kind: 'percent', percent, variant: r.variant }, r.startedBy);
  deps.log(`${label(r)}: step ${step + 1}/${plan.steps.length}: ${percent}% of users get ${r.variant}`);
  return stepEntry(step, deps.clock.now(), await flagSnapshot(deps.figures, r.project, r.environment, r.flag));
}

async function promote(deps: FlagRolloutDeps, r: FlagRollout): Promise<FlagRolloutPatch> {
  await deps.flags.set(r.project, r.environment, r.flag, { kind: 'variant', variant: r.variant }, r.startedBy);
  deps.log(`${label(r)}: promoted: every user gets ${r.variant}`);
  const now = deps.clock.now().toISOString();
  return { state: 'promoted', phase: 'done', promoteRequested: null, reason: null, finishedAt: now };
}

/** What the flag served before the rollout, back at once; `actor`: who ended it (`rollout` for its analysis). */
async function abort(deps: FlagRolloutDeps, r: FlagRollout, plan: FlagRolloutPlan, reason: string, actor: string): Promise<FlagRolloutPatch> {
  if (r.phase !== 'start') {
    const summary = `flag rollout aborted: back to ${plan.prior ? describeOverride(plan.prior) : 'no override'}`;
    await deps.flags.restoreOverride(r.project, r.environment, r.flag, plan.prior, actor, summary);
  }
  deps.log(`${label(r)}: aborted: ${reason}`);
  return { state: 'aborted', phase: 'done', reason, finishedAt: deps.clock.now().toISOString() };
}

async function inStep(deps: FlagRolloutDeps, r: FlagRollout, plan: FlagRolloutPlan): Promise<FlagRolloutPatch | null> {
  if (r.promoteRequested === 'full') return promote(deps, r);
  if (r.promoteRequested === 'next') return r.step + 1 < plan.steps.length ? enterStep(deps, r, plan, r.step + 1) : promote(deps, r);
  const now = deps.clock.now();
  const elapsed = now.getTime() - Date.parse(r.stepStartedAt ?? now.toISOString());
  const { analysis } = plan;
  let verdict: 'pass' | 'inconclusive' = 'pass';
  const patch: FlagRolloutPatch = {};
  if (analysis && elapsed >= (r.looks + 1) * analysis.intervalMs) {
    const figures = cohorts(await flagSnapshot(deps.figures, r.project, r.environment, r.flag), flagWindowOf(r), r.variant, plan.variants);
    const judged = judgeStats(figures.cohort, figures.rest, analysis, r.looks + 1);
    patch.looks = r.looks + 1;
    patch.decisionsJson = appendDecisions(r, judged.decisions, now, r.step);
    for (const d of judged.decisions) deps.log(`${label(r)}: ${decisionLine(r.step + 1, d)}`);
    if (judged.verdict === 'fail') return { ...patch, ...(await abort(deps, r, plan, `analysis failed at step ${r.step + 1} (${plan.steps[r.step]}%): ${judged.reason}`, 'rollout')) };
    verdict = judged.verdict;
  } else if (analysis) {
    verdict = stepVerdict(storedDecisions(r), r.step);
  }
  const changed = (): FlagRolloutPatch | null => (Object.keys(patch).length ? patch : null);
  if (elapsed < plan.pauseMs) return changed();
  if (verdict === 'inconclusive') {
    if (inconclusiveTooLong(elapsed, plan.pauseMs) && r.state !== 'paused') {
      return { ...patch, state: 'paused', reason: `step ${r.step + 1}: too little traffic to judge the variant; promote or abort (sluice flag rollout … --promote / --abort)` };
    }
    return changed();
  }
  const next = { ...r, ...patch };
  return { ...patch, ...(r.step + 1 < plan.steps.length ? await enterStep(deps, next, plan, r.step + 1) : await promote(deps, next)) };
}

/** The rollout's next move, or null when nothing changed; throws on a stored state it cannot read. */
export async function advanceFlagRollout(deps: FlagRolloutDeps, r: FlagRollout): Promise<FlagRolloutPatch | null> {
  if (r.phase === 'done' || r.state === 'promoted' || r.state === 'aborted') return null;
  const plan = planOfFlagRollout(r);
  if (r.abortRequested !== null) return abort(deps, r, plan, r.abortRequested, r.abortCause?.replace(/^token:/, '') ?? 'rollout');
  if (r.phase === 'start') return enterStep(deps, r, plan, 0);
  return inStep(deps, r, plan);
}
