// The rolling strategy as a rollout: one converging step (deploy/rolling-update.ts, which
// is idempotent, so a resumed rollout simply converges again), then bake.
import { errorMessage } from '../../errors.ts';
import { hostsOf } from '../deploy/hosts.ts';
import { removeRelease, rollingDepsOf, rollingUpdate } from '../deploy/rolling-update.ts';
import { checkBake, startBake } from './bake.ts';
import { markAborted, markLive } from './outcomes.ts';
import { planOf } from './rollout-plan.ts';
import { domainNamesOf, generationOf } from '../deploy/release-config.ts';
import type { RolloutDeps, RolloutPatch, RolloutView } from './rollout-deps.ts';


export async function advanceRolling(deps: RolloutDeps, v: RolloutView): Promise<RolloutPatch | null> {
  const { rollout, target } = v;
  if (rollout.phase === 'bake') return checkBake(deps, v);
  const roll = rollingDepsOf(deps);
  const { strategy } = planOf(rollout.strategyJson);
  const pace = strategy.kind === 'rolling' ? { maxSurge: strategy.maxSurge, maxUnavailable: strategy.maxUnavailable } : undefined;
  try {
    await rollingUpdate(roll, { project: target.project, environment: target.environment, release: target.number, artifactDigest: target.artifactDigest, config: v.targetConfig, ...(pace ? { pace } : {}) });
  } catch (error) {
    const reason = `rollout of release ${target.number} to ${target.environment} stopped: ${errorMessage(error)}`;
    deps.log(reason);
    if (v.stable && v.stableConfig) {
      deps.log(`putting release ${v.stable.number} back in full`);
      await rollingUpdate(roll, { project: target.project, environment: target.environment, release: generationOf(v.stable, v.stableConfig), artifactDigest: v.stable.artifactDigest, config: v.stableConfig }).catch(
        (e: unknown) => deps.log(`restoring release ${v.stable!.number} failed: ${errorMessage(e)}`),
      );
    } else {
      await removeRelease(roll, { project: target.project, environment: target.environment, release: target.number });
      for (const [i, s] of v.targetConfig.services.entries()) {
        for (const host of hostsOf(deps.naming, target.project, target.environment, s.name, i === 0, domainNamesOf(v.targetConfig))) await deps.router.removeRoute(host);
      }
    }
    return markAborted(deps, v, reason);
  }
  await markLive(deps, v);
  return startBake(deps, v);
}
