// The end of a rollout, written to releases and the environment, and to the custom domains:
// the routes of domains the live release does not have are removed, and an aborted rollout
// gives the environment back the stable release's claims.
import { errorMessage } from '../../errors.ts';
import { domainNamesOf, type ReleaseConfig } from '../deploy/release-config.ts';
import type { RolloutDeps, RolloutPatch, RolloutView } from './rollout-deps.ts';
import { planOf } from './rollout-plan.ts';
import { flagsGoLive } from './flags-live.ts';

/** Removes the routes of the domains `from` has and `live` has not. */
async function dropDomainRoutes(deps: RolloutDeps, from: ReleaseConfig | null, live: ReleaseConfig | null): Promise<void> {
  const keep = new Set(domainNamesOf(live));
  for (const host of domainNamesOf(from)) if (!keep.has(host)) await deps.router.removeRoute(host);
}

export async function markLive(deps: RolloutDeps, v: RolloutView): Promise<void> {
  const { store, clock } = deps;
  const { project, environment, number } = v.target;
  if (v.stable && v.stable.number !== number) await store.updateRelease(project, environment, v.stable.number, { state: 'previous' });
  await store.updateRelease(project, environment, number, { state: 'live' });
  await store.updateEnvironment(project, environment, { currentRelease: number, desiredRelease: number, state: 'healthy', reason: null, updatedAt: clock.now().toISOString() });
  await dropDomainRoutes(deps, v.stableConfig, v.targetConfig);
  await flagsGoLive(deps, v.target, v.targetConfig);
  await deps.emit?.({
    kind: 'release.live',
    release: v.target,
    at: clock.now().toISOString(),
    summary: `${environment}: release ${number} is live${v.target.rolledBackFrom !== null ? ` (rolled back from ${v.target.rolledBackFrom})` : ''}`,
    facts: liveFacts(v),
  });
}

/** The facts of a release.live: `rollbackOf` tells DORA a release put back from a deploy. */
function liveFacts(v: RolloutView): Record<string, unknown> {
  const plan = planOf(v.rollout.strategyJson, `rollout ${v.rollout.id}`);
  return {
    strategy: v.stable ? plan.strategy.kind : 'rolling',
    previous: v.stable?.number ?? null,
    bakeSeconds: v.stable ? plan.bakeMs / 1000 : 0,
    ...(v.target.rolledBackFrom !== null ? { rollbackOf: v.target.rolledBackFrom } : {}),
    ...(v.target.runId === null && v.target.rolledBackFrom === null ? { redeploy: true } : {}),
  };
}

export async function markAborted(deps: RolloutDeps, v: RolloutView, reason: string): Promise<RolloutPatch> {
  const { store, clock } = deps;
  const { project, environment, number } = v.target;
  await store.updateRelease(project, environment, number, { state: 'failed', reason });
  await store.updateEnvironment(project, environment, {
    desiredRelease: v.stable?.number ?? null,
    currentRelease: v.stable?.number ?? null,
    state: v.stable ? 'healthy' : 'empty',
    reason,
    updatedAt: clock.now().toISOString(),
  });
  deps.log(`rollout of release ${number} to ${environment} aborted: ${reason}`);
  await dropDomainRoutes(deps, v.targetConfig, v.stableConfig);
  if (deps.domains) {
    try {
      if (v.stableConfig) await deps.domains.claim(project, environment, v.stableConfig);
      else await deps.domains.release(project, environment);
    } catch (error) {
      deps.log(`domains of ${environment}: could not give the claims back to release ${v.stable?.number ?? '(none)'}: ${errorMessage(error)}`);
    }
  }
  const now = clock.now().toISOString();
  return { state: 'aborted', phase: 'done', reason, finishedAt: now };
}

export function promotedPatch(deps: RolloutDeps): RolloutPatch {
  return { state: 'promoted', phase: 'done', finishedAt: deps.clock.now().toISOString() };
}
