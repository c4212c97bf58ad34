// What a principal may see of one project: shared by the per-project routes and GET /api/overview,
// so that both scope a token limited to projects or environments the same way.
import { seesEnvironment, seesProject } from '../auth/permission.ts';
import type { Principal } from '../auth/principal.ts';
import type { Engine, RunDetail } from '../engine/engine.ts';
import type { Deployer } from '../engine/deploy/deployer.ts';
import type { ProjectStatus } from '../engine/deploy/project-status.ts';
import type { TrafficHistory } from '../live/traffic-history.ts';
import type { Project } from '../store/records.ts';
import { visibleRun } from './visible-run.ts';

/** The project's environments (state, live release) that the principal sees. */
export async function visibleStatus(deployer: Pick<Deployer, 'status'>, p: Principal | null, project: string): Promise<ProjectStatus> {
  const status = await deployer.status(project);
  return { ...status, environments: status.environments.filter((e) => seesEnvironment(p, e.name)) };
}

/** The project's newest runs, without the stages of environments the principal does not see. */
export async function visibleRuns(engine: Pick<Engine, 'runs'>, p: Principal, project: string, limit: number): Promise<RunDetail[]> {
  return (await engine.runs(project, limit)).map((d) => visibleRun(p, d, d.run.id));
}

/** Each seen environment's recent requests/s and error rate. */
export function visibleTraffic(traffic: Pick<TrafficHistory, 'of'>, p: Principal | null, project: string): ReturnType<TrafficHistory['of']> {
  return traffic.of(project).filter((e) => seesEnvironment(p, e.environment));
}

/** The projects the principal sees. */
export async function visibleProjects(engine: Pick<Engine, 'listProjects'>, p: Principal | null): Promise<Project[]> {
  return (await engine.listProjects()).filter((x) => seesProject(p, x.name));
}
