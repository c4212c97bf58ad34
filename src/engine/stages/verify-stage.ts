// Verify: the environment's smoke tests, run against its URL (SLUICE_URL) after a deploy.
import { environmentsOf } from '../plan.ts';
import { requireSpec, type StageImpl } from '../run-context.ts';
import { runSteps } from './run-steps.ts';
import { freshUnpack } from './unpack.ts';

export const verifyStage: StageImpl = async (ctx, stage) => {
  const env = environmentsOf(requireSpec(ctx), ctx.run.preview).find((e) => e.name === stage.environment);
  if (!env) return { state: 'failed', reason: `environment ${stage.environment} is not in the pipeline file` };
  const dir = await freshUnpack(ctx, `verify-${env.name}`);
  // Blue/green verifies green before any user traffic reaches it: through its preview URL.
  const url = env.strategy.kind === 'blueGreen' && (await ctx.deps.deployer.hasPendingSwitch(ctx.run.id, env.name)) ? ctx.deps.deployer.previewUrlOf(ctx.project.name, env.name) : ctx.deps.deployer.urlOf(ctx.project.name, env.name);
  ctx.sink.line(null, 'system', `verifying ${env.name} at ${url}`);
  return runSteps(ctx, stage, env.verify, dir, { SLUICE_URL: url, SLUICE_ENVIRONMENT: env.name });
};
