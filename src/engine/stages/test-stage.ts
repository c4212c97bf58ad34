import { requireSpec, type StageImpl } from '../run-context.ts';
import { runSteps } from './run-steps.ts';
import { freshUnpack } from './unpack.ts';

export const testStage: StageImpl = async (ctx, stage) => {
  const dir = await freshUnpack(ctx, 'for-test');
  ctx.sink.line(null, 'system', `testing a fresh unpack of ${ctx.run.artifactDigest}`);
  return runSteps(ctx, stage, requireSpec(ctx).test, dir);
};
