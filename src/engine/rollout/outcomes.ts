// The end of a rollout, written to releases and the environment.
import type { RolloutDeps, RolloutPatch, RolloutView } from './rollout-deps.ts';

export async function markLive(deps: RolloutDeps, v: RolloutView): Promise<void> {
  const { store, clock } = deps;
  const { project, environment, number } = v.target;
  if (v.stable && v.stable.number !== number) await store.updateRelease(project, environment, v.stable.number, { state: 'previous' });
  await store.updateRelease(project, environment, number, { state: 'live' });
  await store.updateEnvironment(project, environment, { currentRelease: number, desiredRelease: number, state: 'healthy', reason: null, updatedAt: clock.now().toISOString() });
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
  const now = clock.now().toISOString();
  return { state: 'aborted', phase: 'done', reason, finishedAt: now };
}

export function promotedPatch(deps: RolloutDeps): RolloutPatch {
  return { state: 'promoted', phase: 'done', finishedAt: deps.clock.now().toISOString() };
}
