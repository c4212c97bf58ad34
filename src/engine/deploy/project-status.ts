// What `sluice status` shows for a project: the store's view of each environment, corrected by
// what the data plane reports (an environment with too few ready instances is degraded).
import type { Runtime } from '../../runtime/runtime.ts';
import type { Store } from '../../store/store.ts';
import { generationOf, parseReleaseConfig } from './release-config.ts';

export interface EnvironmentStatus {
  name: string;
  url: string;
  state: string;
  /** `image`: the release's OCI image (`host/repo:rN@sha256:…`) when its project has `image:`. */
  release: { number: number; commit: string; artifact: string; image?: string; createdAt: string } | null;
  reason?: string;
  /** Present while the data plane cannot be reached: the environment is then `degraded`. */
  dataPlane?: 'down';
}

export interface ProjectStatus {
  project: string;
  dataPlane: 'up' | 'down';
  environments: EnvironmentStatus[];
}

export async function projectStatus(deps: { store: Store; runtime: Runtime }, project: string, urlOf: (environment: string) => string): Promise<ProjectStatus> {
  const { store } = deps;
  const envs = (await store.listEnvironments(project)).filter((e) => e.state !== 'removed');
  const instances = await deps.runtime.listInstances().catch(() => null);
  const out: EnvironmentStatus[] = [];
  for (const env of envs) {
    const release = env.currentRelease === null ? undefined : await store.getRelease(project, env.name, env.currentRelease);
    const rollout = await store.latestRollout(project, env.name);
    let state = env.currentRelease === null && env.state !== 'progressing' ? 'empty' : env.state;
    if (rollout?.state === 'paused') state = 'paused';
    else if (rollout?.state !== 'progressing' && release && instances) {
      const mine = instances.filter((i) => i.labels.project === project && i.labels.environment === env.name);
      if (mine.length && mine.every((i) => i.state === 'sleeping')) state = 'sleeping';
    }
    else if (rollout?.state === 'progressing') state = 'progressing';
    if (state === 'healthy' && release && instances) {
      const mine = instances.filter((i) => i.labels.project === project && i.labels.environment === env.name && i.labels.release === String(generationOf(release, parseReleaseConfig(release.configJson))) && i.labels.role !== 'baseline');
      const expected = parseReleaseConfig(release.configJson).services.reduce((n, s) => n + s.instances, 0);
      if (mine.filter((i) => i.state === 'ready').length < expected) state = 'degraded';
    }
    // No data plane, nothing served: whatever the store says, the environment is not healthy now.
    const down = instances === null && release !== undefined && state !== 'sleeping';
    out.push({
      name: env.name,
      url: urlOf(env.name),
      state: down ? 'degraded' : state,
      release: release ? { number: release.number, commit: release.commitSha, artifact: release.artifactDigest, ...(release.image ? { image: release.image } : {}), createdAt: release.createdAt } : null,
      ...(env.reason ? { reason: env.reason } : {}),
      ...(down ? { dataPlane: 'down' as const } : {}),
    });
  }
  return { project, dataPlane: instances === null ? 'down' : 'up', environments: out };
}
