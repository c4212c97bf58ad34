// A release that goes live brings its flag file's definitions (FlagService.releaseLive): called
// wherever a release is marked live (a promoted rollout, an automatic rollback, a switch back).
// Flags never fail a rollout: a problem is a warning in the deploy log.
import { errorMessage } from '../../errors.ts';
import type { Release } from '../../store/records.ts';
import type { ReleaseConfig } from '../deploy/release-config.ts';
import type { RolloutDeps } from './rollout-deps.ts';

export async function flagsGoLive(deps: Pick<RolloutDeps, 'flags' | 'log'>, release: Pick<Release, 'project' | 'environment' | 'number'>, config: ReleaseConfig | null): Promise<void> {
  if (!deps.flags) return;
  try {
    await deps.flags.releaseLive(release.project, release.environment, release.number, config?.flags, deps.log);
  } catch (error) {
    deps.log(`warning: the flags of release ${release.number} were not applied: ${errorMessage(error)}`);
  }
}
