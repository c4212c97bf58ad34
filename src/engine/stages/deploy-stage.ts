// deploy:ENV moves the environment to this run's release by its strategy; switch:ENV (blue/green)
// moves the traffic once verify has passed. Both hand the work to the deployer.
import type { DeployRequest } from '../deploy/deployer.ts';
import { environmentsOf } from '../plan.ts';
import { requireSpec, type RunContext, type StageImpl, type StageResult } from '../run-context.ts';
import type { Stage } from '../../store/records.ts';
import type { EventCommit } from '../../events/platform-event.ts';
import { errorMessage } from '../../errors.ts';

async function withRequest(ctx: RunContext, stage: Stage, act: (req: DeployRequest) => Promise<StageResult>): Promise<StageResult> {
  const spec = requireSpec(ctx);
  const env = environmentsOf(spec, ctx.run.preview).find((e) => e.name === stage.environment);
  if (!env) return { state: 'failed', reason: `environment ${stage.environment} is not in the pipeline file` };
  // Deploy events carry the release once the deployer knows it.
  let release: number | null = null;
  return act({
    project: ctx.project.name, run: ctx.run, spec, environment: env, signal: ctx.signal,
    ...(ctx.flags ? { flags: ctx.flags } : {}),
    log: (line) => ctx.sink.deployEvent(env.name, release, line),
    onRelease: (n) => (release = n),
    ...(ctx.deps.eventLog ? { commit: await commitOfRun(ctx, env.name) } : {}),
  });
}

/**
 * The run's commit for platform events, its committer time read once from the mirror (the
 * checkout stage put the commit there), so that lead time never needs git again. A mirror that
 * cannot answer leaves the time null: the deploy goes on.
 */
async function commitOfRun(ctx: RunContext, environment: string): Promise<EventCommit> {
  const { run } = ctx;
  let committedAt: string | null = null;
  try {
    committedAt = (await ctx.deps.sourceOf(ctx.project).commit(run.commitSha)).committedAt || null;
  } catch (error) {
    ctx.sink.deployEvent(environment, null, `commit time of ${run.commitSha.slice(0, 12)} not read (lead time leaves this deploy out): ${errorMessage(error)}`);
  }
  return { sha: run.commitSha, message: run.message, author: run.author, committedAt };
}

export const deployStage: StageImpl = (ctx, stage) => withRequest(ctx, stage, (req) => ctx.deps.deployer.deployRun(req));

export const switchStage: StageImpl = (ctx, stage) => withRequest(ctx, stage, (req) => ctx.deps.deployer.switchRun(req));
