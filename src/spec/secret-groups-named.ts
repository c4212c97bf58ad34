// Every secret group a pipeline file names (the groups its project must be granted).
import type { Spec } from './spec.ts';

export function secretGroupsNamed(spec: Spec): string[] {
  const all = [...spec.buildSecrets, ...spec.environments.flatMap((e) => e.secrets), ...spec.previews.secrets, ...spec.previews.forkSecrets];
  return [...new Set(all)];
}
