// deploy:ENV moves the environment to this run's release by its strategy; switch:ENV (blue/green)
// moves the traffic once verify has passed. Both hand the work to the deployer.
import type { DeployRequest } from '../deploy/deployer.ts';
import { environmentsOf } from '../plan.ts';
import { requireSpec, type RunContext, type StageImpl, type StageResult } from '../run-context.ts';
import type { Stage } from '../../store/records.ts';

function withRequest(ctx: RunContext, stage: Stage, act: (req: DeployRequest) => Promise<StageResult>): Promise<StageResult> {
  const spec = requireSpec(ctx);
  const env = environmentsOf(spec, ctx.run.preview).find((e) => e.name === stage.environment);
  if (!env) return Promise.resolve({ state: 'failed', reason: `environment ${stage.environment} is not in the pipeline file` });
  // Deploy events carry the release once the deployer knows it.
  let release: number | null = null;
  return act({
    project: ctx.project.name, run: ctx.run, spec, environment: env, signal: ctx.signal,
    log: (line) => ctx.sink.deployEvent(env.name, release, line),
    onRelease: (n) => (release = n),
  });
}

export const deployStage: StageImpl = (ctx, stage) => withRequest(ctx, stage, (req) => ctx.deps.deployer.deployRun(req));

export const switchStage: StageImpl = (ctx, stage) => withRequest(ctx, stage, (req) => ctx.deps.deployer.switchRun(req));
