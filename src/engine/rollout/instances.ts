// Starting and stopping the instances of one release of an environment, by role: the
// release's own (primary) instances, or a baseline copy of the stable release for canary
// analysis. Ids are stable, so every call is idempotent and a resumed rollout repeats safely.
import type { InstanceInfo } from '../../runtime/runtime.ts';
import { instanceEnv, type ReleaseConfig } from '../deploy/release-config.ts';
import type { RolloutDeps } from './rollout-deps.ts';
import { releaseKey } from '../deploy/release-retention.ts';

export type Role = 'primary' | 'baseline';

export interface ReleaseRef {
  project: string;
  environment: string;
  number: number;
  artifactDigest: string;
  config: ReleaseConfig;
}

export function instanceIdOf(r: { project: string; environment: string; number: number }, service: string, index: number, role: Role): string {
  return `${r.project}.${r.environment}.${service}.r${r.number}.${role === 'baseline' ? 'b' : ''}${index}`;
}

export function releaseName(number: number, role: Role): string {
  return role === 'baseline' ? `r${number}-baseline` : `r${number}`;
}

/** Instance ids per service of a release in a role. */
export function idsOf(r: ReleaseRef, role: Role): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of r.config.services) out.set(s.name, Array.from({ length: s.instances }, (_, i) => instanceIdOf(r, s.name, i + 1, role)));
  return out;
}

/** Starts every instance of the release in the role (if absent) and waits until all are ready. */
export async function startAll(deps: RolloutDeps, r: ReleaseRef, role: Role): Promise<void> {
  const workdir = await deps.runtime.prepare({ key: releaseKey(r), artifactDigest: r.artifactDigest });
  const running = new Set((await deps.runtime.listInstances()).map((i) => i.id));
  const values = await deps.secretValues(r.config);
  const waits: Array<Promise<void>> = [];
  for (const s of r.config.services) {
    for (let i = 1; i <= s.instances; i++) {
      const id = instanceIdOf(r, s.name, i, role);
      if (!running.has(id)) {
        const env = instanceEnv(s, values);
        await deps.runtime.startInstance({
          id,
          workdir,
          command: s.start,
          env: env.plain,
          secretEnv: env.secret,
          health: s.health,
          limits: s.limits,
          labels: { project: r.project, environment: r.environment, service: s.name, release: String(r.number), role },
        });
      }
      waits.push(deps.runtime.waitReady(id, (s.health?.deadlineMs ?? 60_000) + 5_000));
    }
  }
  const results = await Promise.allSettled(waits);
  const failed = results.find((x): x is PromiseRejectedResult => x.status === 'rejected');
  if (failed) throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
}

export async function envInstances(deps: RolloutDeps, project: string, environment: string): Promise<InstanceInfo[]> {
  return (await deps.runtime.listInstances()).filter((i) => i.labels.project === project && i.labels.environment === environment);
}

/** Stops the environment's instances that match (release number and/or role). */
export async function stopWhere(deps: RolloutDeps, project: string, environment: string, match: (i: InstanceInfo) => boolean): Promise<void> {
  const victims = (await envInstances(deps, project, environment)).filter(match);
  await Promise.all(victims.map((i) => deps.runtime.stopInstance(i.id)));
}

export function roleOf(i: InstanceInfo): Role {
  return i.labels.role === 'baseline' ? 'baseline' : 'primary';
}
