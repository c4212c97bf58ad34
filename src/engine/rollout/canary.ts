// The canary strategy: the new release beside the stable one, and a baseline (a fresh copy of
// the stable release) receiving the same share as the canary, so both are compared at the same
// time under the same load (Kayenta's model). Steps raise the canary's weight; analysis of the
// router's own metrics, a person, or the pause timer moves it on.
import { errorMessage } from '../../errors.ts';
import { checkBake, startBake } from './bake.ts';
import { appendDecisions, countDecisions, decisionLine, stepVerdict, storedDecisions } from './decisions.ts';
import { envInstances, roleOf, startAll, stopWhere, type ReleaseRef } from './instances.ts';
import { judgeWindow } from './judge-window.ts';
import { snapshot, windowOf } from './metrics-window.ts';
import { markAborted, markLive } from './outcomes.ts';
import { planOf } from './rollout-plan.ts';
import { generationOf } from '../deploy/release-config.ts';
import type { RolloutDeps, RolloutPatch, RolloutView, Weights } from './rollout-deps.ts';
import { setTraffic } from './traffic.ts';
import { stepEntry } from './step-entry.ts';

/** An inconclusive step waits at most this much longer than its pause (60 s, or 4 pauses) before asking a person. */
export function inconclusiveTooLong(elapsedMs: number, pauseMs: number): boolean {
  return elapsedMs >= pauseMs + Math.max(60_000, 4 * pauseMs);
}

function refs(v: RolloutView): { canary: ReleaseRef; stable: ReleaseRef } {
  const t = v.target;
  const s = v.stable!;
  return {
    canary: { project: t.project, environment: t.environment, number: t.number, artifactDigest: t.artifactDigest, config: v.targetConfig },
    stable: { project: s.project, environment: s.environment, number: generationOf(s, v.stableConfig), artifactDigest: s.artifactDigest, config: v.stableConfig! },
  };
}

export function weightsAt(canaryWeight: number): Weights {
  const baseline = Math.min(canaryWeight, 100 - canaryWeight);
  return { canary: canaryWeight, baseline, stable: 100 - canaryWeight - baseline };
}

function sticky(v: RolloutView): boolean {
  const plan = planOf(v.rollout.strategyJson);
  return plan.strategy.kind === 'canary' && plan.strategy.sticky === true;
}

async function applyWeights(deps: RolloutDeps, v: RolloutView, w: Weights): Promise<void> {
  const r = refs(v);
  await setTraffic(deps, { project: r.canary.project, environment: r.canary.environment, config: v.targetConfig }, [
    { ref: r.stable, role: 'primary', weight: w.stable },
    { ref: r.stable, role: 'baseline', weight: w.baseline },
    { ref: r.canary, role: 'primary', weight: w.canary },
  ], {
    pin: { header: 'x-sluice-release', values: { canary: `r${r.canary.number}`, next: `r${r.canary.number}`, stable: `r${r.stable.number}` } },
    sticky: sticky(v),
  });
}

async function enterStep(deps: RolloutDeps, v: RolloutView, step: number): Promise<RolloutPatch> {
  const plan = planOf(v.rollout.strategyJson);
  if (plan.strategy.kind !== 'canary') throw new Error('not a canary rollout');
  const weight = plan.strategy.steps[step]!.weight;
  const w = weightsAt(weight);
  await applyWeights(deps, v, w);
  deps.log(`canary step ${step + 1}/${plan.strategy.steps.length}: canary ${w.canary}%, baseline ${w.baseline}%, stable ${w.stable}%`);
  return { ...stepEntry(step, deps.clock.now(), await snapshot(deps, v.target.project, v.target.environment, v.targetConfig)), weightsJson: JSON.stringify(w) };
}

async function abort(deps: RolloutDeps, v: RolloutView, reason: string): Promise<RolloutPatch> {
  const r = refs(v);
  // All traffic back to the stable release at once (its instances never stopped), verified,
  // and only then the canary and baseline instances go.
  await setTraffic(deps, { project: r.stable.project, environment: r.stable.environment, config: v.stableConfig! }, [{ ref: r.stable, role: 'primary', weight: 100 }]);
  await stopWhere(deps, r.canary.project, r.canary.environment, (i) => i.labels.release === String(r.canary.number) || roleOf(i) === 'baseline');
  return { ...(await markAborted(deps, v, reason)), weightsJson: JSON.stringify({ stable: 100, canary: 0, baseline: 0 }) };
}

async function promote(deps: RolloutDeps, v: RolloutView): Promise<RolloutPatch> {
  const r = refs(v);
  await setTraffic(deps, { project: r.canary.project, environment: r.canary.environment, config: v.targetConfig }, [{ ref: r.canary, role: 'primary', weight: 100 }]);
  await stopWhere(deps, r.canary.project, r.canary.environment, (i) => i.labels.release !== String(r.canary.number) || roleOf(i) === 'baseline');
  await markLive(deps, v);
  deps.log(`canary release ${r.canary.number} promoted to 100%`);
  return { ...(await startBake(deps, v)), weightsJson: JSON.stringify({ stable: 0, canary: 100, baseline: 0 }), promoteRequested: null };
}

async function inStep(deps: RolloutDeps, v: RolloutView): Promise<RolloutPatch | null> {
  const { rollout } = v;
  const plan = planOf(rollout.strategyJson);
  if (plan.strategy.kind !== 'canary') return null;
  const steps = plan.strategy.steps;
  const step = steps[rollout.step]!;
  if (rollout.promoteRequested === 'full') return { phase: 'promote' };
  if (rollout.promoteRequested === 'next') return rollout.step + 1 < steps.length ? enterStep(deps, v, rollout.step + 1) : { phase: 'promote' };
  // Health gate: a canary instance the supervisor gave up on ends the rollout.
  const broken = (await envInstances(deps, v.target.project, v.target.environment)).find(
    (i) => i.labels.release === String(v.target.number) && i.state === 'failed',
  );
  if (broken) return abort(deps, v, `health gate: canary instance ${broken.id} failed: ${broken.reason ?? 'not ready'}`);

  const now = deps.clock.now();
  const elapsed = now.getTime() - Date.parse(rollout.stepStartedAt ?? now.toISOString());
  const analysis = plan.strategy.analysis;
  let verdict: 'pass' | 'fail' | 'inconclusive' = 'pass';
  const patch: RolloutPatch = {};
  if (analysis && elapsed >= (rollout.looks + 1) * analysis.intervalMs) {
    const window = windowOf(rollout);
    const current = await snapshot(deps, v.target.project, v.target.environment, v.targetConfig);
    const judged = judgeWindow(current, window, v.target.number, refs(v).stable.number, analysis, rollout.looks + 1);
    verdict = judged.verdict;
    patch.looks = rollout.looks + 1;
    patch.decisionsJson = appendDecisions(rollout, judged.decisions, now, rollout.step);
    countDecisions(deps, rollout, judged.decisions);
    // One event per decision, with the figures behind it (the rollout row keeps them too).
    for (const d of judged.decisions) deps.log(decisionLine(rollout.step + 1, d));
    if (verdict === 'fail') return { ...(await abort(deps, v, `analysis failed at step ${rollout.step + 1}: ${judged.reason}`)), ...patch };
  } else if (analysis) {
    // Between looks: the last verdict stands.
    verdict = stepVerdict(storedDecisions(rollout), rollout.step);
  }
  if (step.pauseMs === null) {
    if (rollout.state !== 'paused') return { ...patch, state: 'paused', reason: `step ${rollout.step + 1} waits for a person: sluice promote or sluice abort` };
    return Object.keys(patch).length ? patch : null;
  }
  if (elapsed < step.pauseMs) return Object.keys(patch).length ? patch : null;
  if (verdict === 'inconclusive') {
    if (inconclusiveTooLong(elapsed, step.pauseMs) && rollout.state !== 'paused') {
      return { ...patch, state: 'paused', reason: `step ${rollout.step + 1}: too little traffic to judge the canary; promote or abort` };
    }
    return Object.keys(patch).length ? patch : null;
  }
  return { ...patch, ...(rollout.step + 1 < steps.length ? await enterStep(deps, { ...v, rollout: { ...rollout, ...patch } }, rollout.step + 1) : { phase: 'promote' }) };
}

export async function advanceCanary(deps: RolloutDeps, v: RolloutView): Promise<RolloutPatch | null> {
  const { rollout } = v;
  if (rollout.abortRequested && rollout.phase !== 'bake') return abort(deps, v, rollout.abortRequested);
  switch (rollout.phase) {
    case 'start': {
      const r = refs(v);
      try {
        await startAll(deps, r.stable, 'baseline');
        await startAll(deps, r.canary, 'primary');
      } catch (error) {
        return abort(deps, v, `health gate: ${errorMessage(error)}`);
      }
      return enterStep(deps, v, 0);
    }
    case 'step':
      return inStep(deps, v);
    case 'promote':
      return promote(deps, v);
    case 'bake':
      return checkBake(deps, v);
    default:
      return null;
  }
}

