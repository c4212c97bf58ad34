// Every secret group a pipeline file names (the groups its project must be granted), those
// holding the certificates of custom domains included.
import type { EnvironmentSpec, Spec } from './spec.ts';

export function secretGroupsNamed(spec: Spec): string[] {
  const all = [...spec.buildSecrets, ...spec.environments.flatMap((e) => e.secrets), ...spec.previews.secrets, ...spec.previews.forkSecrets, ...certificateGroupsOf(spec.environments)];
  return [...new Set(all)];
}

/** The secret groups the environments' own certificates come from. */
export function certificateGroupsOf(environments: readonly EnvironmentSpec[]): string[] {
  return [...new Set(environments.flatMap((e) => e.domains.flatMap((d) => (d.certificate ? [d.certificate.group] : []))))];
}
