// Release retention: which releases an environment keeps (their artifacts and unpacked files),
// and removal of the unpacked directories of the others that no instance uses any more.
import type { EnvironmentRecord, Release } from '../../store/records.ts';
import type { Store } from '../../store/store.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import type { Logger } from '../logger.ts';
import { errorMessage } from '../../errors.ts';
import { generationOf, parseReleaseConfig, type ReleaseConfig } from './release-config.ts';

/** The runtime's name of a release's files (`Runtime.prepare`'s key). */
export function releaseKey(r: { project: string; environment: string; number: number }): string {
  return `${r.project}/${r.environment}/r${r.number}`;
}

/** The release `sluice rollback` without `--to` would choose: the newest one below the live one that went live. */
export function rollbackTarget(env: EnvironmentRecord, releases: readonly Release[]): Release | undefined {
  if (env.currentRelease === null) return undefined;
  return releases.filter((r) => r.number < env.currentRelease! && r.state !== 'failed' && r.state !== 'deploying').sort((a, b) => b.number - a.number)[0];
}

/**
 * The releases of one environment that are kept: its `keep` newest, the live and desired ones,
 * the previous one (the default rollback target), any still deploying, and the releases whose instances these
 * serve with (`servedBy`). A removed environment (a closed preview) keeps only what is still
 * deploying: nothing can roll back there.
 */
export function keptReleases(env: EnvironmentRecord, releases: readonly Release[], keep: number): Release[] {
  const byNumber = new Map(releases.map((r) => [r.number, r]));
  const kept = new Set<number>();
  for (const r of releases) if (r.state === 'deploying') kept.add(r.number);
  if (env.state !== 'removed') {
    for (const r of [...releases].sort((a, b) => b.number - a.number).slice(0, keep)) kept.add(r.number);
    // Not by the state 'previous': every release that was ever replaced keeps it.
    for (const r of releases) if (r.state === 'live') kept.add(r.number);
    for (const n of [env.currentRelease, env.desiredRelease, rollbackTarget(env, releases)?.number]) if (n !== null && n !== undefined) kept.add(n);
  }
  for (const n of [...kept]) {
    const r = byNumber.get(n);
    if (r) kept.add(generationOf(r, configOf(r)));
  }
  return [...kept].map((n) => byNumber.get(n)).filter((r): r is Release => r !== undefined);
}

/** The release's config, or null when it cannot be read (then only the release itself counts). */
function configOf(r: Release): ReleaseConfig | null {
  try {
    return parseReleaseConfig(r.configJson);
  } catch {
    return null;
  }
}

export interface ReleaseRetention {
  /** Artifact digests of every kept release (artifact retention never removes them). */
  digests: Set<string>;
  /** Keys of the release directories removed in this pass. */
  removed: string[];
}

/**
 * One pass over every environment: keeps `keep` releases each (see keptReleases) and removes the
 * unpacked files of the other releases that no instance (running or sleeping) uses. When the
 * runtime cannot list its instances, no directory is removed in this pass.
 */
export async function retainReleases(deps: { store: Store; runtime: Runtime; logger: Logger }, keep: number): Promise<ReleaseRetention> {
  const digests = new Set<string>();
  const drop: Release[] = [];
  for (const env of await deps.store.listEnvironments()) {
    const releases = await deps.store.listReleases(env.project, env.name);
    const kept = new Set(keptReleases(env, releases, keep).map((r) => r.number));
    for (const r of releases) {
      if (kept.has(r.number)) digests.add(r.artifactDigest);
      else drop.push(r);
    }
  }
  const removed: string[] = [];
  const instances = await deps.runtime.listInstances().catch((error: unknown) => {
    deps.logger.warn(`release retention: instances not listed, no release directory removed this time: ${errorMessage(error)}`);
    return null;
  });
  if (!instances) return { digests, removed };
  const inUse = new Set(instances.map((i) => `${i.labels.project}/${i.labels.environment}/r${i.labels.release}`));
  for (const r of drop) {
    const key = releaseKey(r);
    if (!inUse.has(key) && (await deps.runtime.removeRelease(key))) removed.push(key);
  }
  return { digests, removed };
}
