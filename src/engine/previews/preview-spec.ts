// What a preview run deploys with: the pull request's own sluice.yaml for what to build and run,
// but every `previews` setting (whether previews run, secrets, env, ttl) from the BASE branch's
// file. A pull request cannot switch previews on, or pick its secret groups, through its own file.
// A fork's preview gets `previews.forkSecrets` instead of `previews.secrets`, and its build at
// most those groups of its `buildSecrets`.
import type { Spec } from '../../spec/spec.ts';

export interface PreviewSpec {
  spec: Spec;
  /** Build secret groups the head asked for and did not get (a fork's, outside forkSecrets). */
  droppedBuildSecrets: string[];
}

export function previewSpec(head: Spec, base: Spec, fromFork: boolean): PreviewSpec {
  const allowed = new Set(base.previews.forkSecrets);
  const buildSecrets = fromFork ? head.buildSecrets.filter((g) => allowed.has(g)) : head.buildSecrets;
  const previews = fromFork ? { ...base.previews, secrets: base.previews.forkSecrets } : base.previews;
  return {
    spec: Object.freeze({ ...head, previews: Object.freeze(previews), buildSecrets: Object.freeze([...buildSecrets]) }),
    droppedBuildSecrets: head.buildSecrets.filter((g) => !buildSecrets.includes(g)),
  };
}
