// Bake: after full promotion, keep watching the new release's error rate, latency and
// instances (restarts, failed health checks); on a breach, put the previous release back
// automatically (as a new release, like a rollback).
import { errorMessage } from '../../errors.ts';
import { formatDuration } from '../../spec/duration.ts';
import { rollingDepsOf, rollingUpdate } from '../deploy/rolling-update.ts';
import { parseReleaseConfig, withOwnInstances } from '../deploy/release-config.ts';
import { judgeThresholds } from '../../analysis/judge.ts';
import { metricsDelta } from '../../analysis/window-stats.ts';
import { snapshot, windowOf } from './metrics-window.ts';
import { markAborted, promotedPatch } from './outcomes.ts';
import { analysisOf, defaultBakeAnalysis, planOf } from './rollout-plan.ts';
import type { RolloutDeps, RolloutPatch, RolloutView } from './rollout-deps.ts';
import { appendDecisions, countDecisions, decisionLine, newDecisions } from './decisions.ts';
import { instanceBreach } from './instance-breach.ts';
import { alertAsked } from './abort-request.ts';
import { flagsGoLive } from './flags-live.ts';

export async function startBake(deps: RolloutDeps, v: RolloutView): Promise<RolloutPatch> {
  const plan = planOf(v.rollout.strategyJson, `rollout ${v.rollout.id}`);
  if (plan.bakeMs <= 0 || !v.stable) return promotedPatch(deps);
  const now = deps.clock.now();
  deps.log(`baking release ${v.target.number} for ${formatDuration(plan.bakeMs)}`);
  return {
    phase: 'bake',
    bakeUntil: new Date(now.getTime() + plan.bakeMs).toISOString(),
    windowJson: JSON.stringify(await snapshot(deps, v.target.project, v.target.environment, v.targetConfig)),
    looks: 0,
  };
}

export async function checkBake(deps: RolloutDeps, v: RolloutView): Promise<RolloutPatch | null> {
  const { rollout, target } = v;
  // An alert that fired first: one rollback, with the alert's figures as its reason.
  if (alertAsked(rollout)) return rollBack(deps, v, rollout.abortRequested, rollout.abortCause);
  const crashed = await instanceBreach(deps, v);
  if (crashed !== null) return rollBack(deps, v, `bake: ${crashed}`);
  const analysis = analysisOf(planOf(rollout.strategyJson, `rollout ${rollout.id}`)) ?? defaultBakeAnalysis;
  const window = windowOf(rollout);
  const now = await snapshot(deps, target.project, target.environment, v.targetConfig);
  const name = `r${target.number}`;
  // The same absolute limits as a canary's analysis (src/analysis), on the new release alone.
  const judged = judgeThresholds(metricsDelta(now[name], window[name]), { maxErrorRate: analysis.maxErrorRate, maxP99Ms: analysis.maxP99Ms, minSamples: analysis.minSamples, alpha: analysis.alpha });
  const decisions = appendDecisions(rollout, newDecisions(judged.decisions), deps.clock.now(), 'bake');
  countDecisions(deps, rollout, judged.decisions);
  for (const d of newDecisions(judged.decisions)) deps.log(decisionLine('bake', d));
  if (judged.verdict === 'fail') {
    const reason = judged.decisions.filter((d) => d.verdict === 'fail').map((d) => d.reason).join('; ');
    return { ...(await rollBack(deps, v, `bake: ${reason}`)), decisionsJson: decisions };
  }
  if (deps.clock.now().toISOString() >= (rollout.bakeUntil ?? '')) return { ...promotedPatch(deps), decisionsJson: decisions };
  return { decisionsJson: decisions, looks: rollout.looks + 1 };
}

/** Puts the stable release back as a new release that records what it rolled back from. */
/** `cause`: who asked (the bake's own checks: `analysis`). */
async function rollBack(deps: RolloutDeps, v: RolloutView, reason: string, cause = 'analysis'): Promise<RolloutPatch> {
  const { store, clock } = deps;
  const stable = v.stable!;
  const { project, environment } = v.target;
  const release = await store.createRelease({
    project,
    environment,
    runId: null,
    runNumber: stable.runNumber,
    commitSha: stable.commitSha,
    artifactDigest: stable.artifactDigest,
    image: stable.image,
    configJson: withOwnInstances(stable.configJson),
    state: 'deploying',
    reason: `automatic rollback: ${reason}`,
    rolledBackFrom: v.target.number,
    createdAt: clock.now().toISOString(),
  });
  deps.log(`${reason}: rolling back to release ${stable.number} as release ${release.number}`);
  await deps.emit?.({
    kind: 'rollback',
    release,
    origin: stable,
    at: clock.now().toISOString(),
    cause,
    summary: `${environment}: release ${v.target.number} rolled back to ${stable.number} as release ${release.number} (${reason})`,
    facts: { from: v.target.number, to: stable.number, release: release.number, reason, automatic: true },
  });
  try {
    await rollingUpdate(
      rollingDepsOf(deps),
      { project, environment, release: release.number, artifactDigest: release.artifactDigest, config: parseReleaseConfig(release.configJson, `release ${project}/${environment}#${release.number}`) },
    );
  } catch (error) {
    // Neither release is known to serve: nothing is live and the environment needs a person.
    const failed = `${reason}; automatic rollback failed: ${errorMessage(error)}`;
    deps.log(failed);
    await store.updateRelease(project, environment, release.number, { state: 'failed', reason: failed });
    await store.updateRelease(project, environment, v.target.number, { state: 'failed', reason });
    await store.updateEnvironment(project, environment, { desiredRelease: release.number, state: 'degraded', reason: failed, updatedAt: clock.now().toISOString() });
    return { state: 'aborted', phase: 'done', reason: failed, finishedAt: clock.now().toISOString() };
  }
  await store.updateRelease(project, environment, release.number, { state: 'live' });
  const patch = await markAborted(deps, v, reason);
  await store.updateEnvironment(project, environment, { currentRelease: release.number, desiredRelease: release.number, state: 'healthy' });
  await flagsGoLive(deps, release, v.stableConfig);
  await deps.emit?.({
    kind: 'release.live',
    release,
    origin: stable,
    at: clock.now().toISOString(),
    cause,
    summary: `${environment}: release ${release.number} (release ${stable.number} put back) is live`,
    facts: { strategy: 'rolling', previous: v.target.number, bakeSeconds: 0, rollbackOf: v.target.number },
  });
  return patch;
}
