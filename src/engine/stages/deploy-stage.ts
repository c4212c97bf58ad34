import type { StageImpl } from '../run-context.ts';
import { environmentsOf } from '../plan.ts';
import { requireSpec } from '../run-context.ts';

export const deployStage: StageImpl = async (ctx, stage) => {
  const spec = requireSpec(ctx);
  const env = environmentsOf(spec, ctx.run.preview).find((e) => e.name === stage.environment);
  if (!env) return { state: 'failed', reason: `environment ${stage.environment} is not in the pipeline file` };
  return ctx.deps.deployer.deployRun({
    project: ctx.project.name,
    run: ctx.run,
    spec,
    environment: env,
    signal: ctx.signal,
    log: (line) => ctx.sink.line(null, 'system', line),
  });
};

export const switchStage: StageImpl = async (ctx, stage) => {
  const spec = requireSpec(ctx);
  const env = environmentsOf(spec, ctx.run.preview).find((e) => e.name === stage.environment);
  if (!env) return { state: 'failed', reason: `environment ${stage.environment} is not in the pipeline file` };
  return ctx.deps.deployer.switchRun({
    project: ctx.project.name,
    run: ctx.run,
    spec,
    environment: env,
    signal: ctx.signal,
    log: (line) => ctx.sink.line(null, 'system', line),
  });
};
