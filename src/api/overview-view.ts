// GET /api/overview's answer: the Overview of every project the principal sees, made from the
// same scoped reads as the per-project routes (visible-views.ts), so one request replaces
// 1 + 3 per project (bench/RESULTS-dashboard.md).
import type { Principal } from '../auth/principal.ts';
import type { Engine, RunDetail } from '../engine/engine.ts';
import type { Deployer } from '../engine/deploy/deployer.ts';
import type { TrafficHistory } from '../live/traffic-history.ts';
import type { OverviewEnvironmentJson, OverviewJson, OverviewProjectJson } from './schemas/overview-schemas.ts';
import type { ProjectJson } from './schemas/project-schemas.ts';
import { projectView } from './views.ts';
import { visibleProjects, visibleRuns, visibleStatus, visibleTraffic } from './visible-views.ts';

export interface OverviewDeps {
  engine: Pick<Engine, 'listProjects' | 'runs'>;
  deployer: Pick<Deployer, 'status'>;
  traffic: Pick<TrafficHistory, 'of' | 'intervalMs'>;
  apiBase(): string;
}

/** Runs read per project: enough to find the run of each live release. */
const runsRead = 10;

const runRef = ({ run }: RunDetail): NonNullable<OverviewProjectJson['lastRun']> => ({ id: run.id, number: run.number, state: run.state, message: run.message });

/** `only`: just that project (a live change of it), still only when the principal sees it. */
export async function overviewOf(deps: OverviewDeps, p: Principal, only?: string): Promise<OverviewJson> {
  const projects = (await visibleProjects(deps.engine, p)).filter((x) => only === undefined || x.name === only);
  return {
    intervalMs: deps.traffic.intervalMs,
    projects: await Promise.all(
      projects.map(async (project): Promise<OverviewProjectJson> => {
        const [status, runs] = await Promise.all([visibleStatus(deps.deployer, p, project.name), visibleRuns(deps.engine, p, project.name, runsRead)]);
        const environments: OverviewEnvironmentJson[] = status.environments.map((env) => {
          const run = env.release ? runs.find((r) => r.run.commitSha === env.release!.commit) : undefined;
          return { ...env, run: run ? runRef(run) : null };
        });
        return {
          project: projectView(project, deps.apiBase(), false) as ProjectJson,
          dataPlane: status.dataPlane,
          lastRun: runs[0] ? runRef(runs[0]) : null,
          environments: environments.filter((e) => !e.name.startsWith('pr-')),
          previews: environments.filter((e) => e.name.startsWith('pr-')),
          traffic: visibleTraffic(deps.traffic, p, project.name),
        };
      }),
    ),
  };
}
