// Run visibility for a token limited to projects or environments.
import { NotFoundError } from '../errors.ts';
import type { Principal } from '../auth/principal.ts';
import { seesEnvironment, seesProject } from '../auth/permission.ts';
import type { RunDetail } from '../engine/engine.ts';

/** A run the principal may see (404 otherwise, as if absent), with the stages of other environments left out. */
export function visibleRun(p: Principal, detail: RunDetail, ref: string): RunDetail {
  if (!seesProject(p, detail.run.project)) throw new NotFoundError('run', ref);
  if (p.environments === null) return detail;
  return { ...detail, stages: detail.stages.filter((s) => s.environment === null || seesEnvironment(p, s.environment)) };
}
