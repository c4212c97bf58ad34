// Whether a push runs the pipeline, by the `triggers` of the commit's own sluice.yaml:
// branches (default: the tracked branch), tags (default: none), paths (default: any).
import type { TriggersSpec } from '../../spec/spec.ts';
import { matchesAny } from './glob.ts';

export function shouldRun(
  triggers: TriggersSpec | null,
  trackedBranch: string,
  push: { branch: string | null; tag: string | null; changedPaths: string[] },
): { run: boolean; why: string } {
  if (push.tag !== null) {
    const tags = triggers?.tags ?? [];
    return matchesAny(push.tag, tags) ? { run: true, why: `tag ${push.tag} matches triggers.tags` } : { run: false, why: `tag ${push.tag} matches no triggers.tags` };
  }
  if (push.branch === null) return { run: false, why: 'not a branch or tag push' };
  const branches = triggers?.branches.length ? triggers.branches : [trackedBranch];
  if (!matchesAny(push.branch, branches)) return { run: false, why: `branch ${push.branch} is not one that deploys (${branches.join(', ')})` };
  const paths = triggers?.paths ?? [];
  // An empty list from the host (Bitbucket never lists files) cannot prove that nothing matched.
  if (paths.length && push.changedPaths.length && !push.changedPaths.some((p) => matchesAny(p, paths))) {
    return { run: false, why: `no changed path matches triggers.paths (${paths.join(', ')})` };
  }
  return { run: true, why: `branch ${push.branch}` };
}
