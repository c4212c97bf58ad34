// Build: check out the exact commit, run the build steps, then pack the workspace (without
// .git) once into the content-addressed artifact that every later stage uses.
import fs from 'node:fs/promises';
import path from 'node:path';
import { requireSpec, type StageImpl } from '../run-context.ts';
import { runSteps } from './run-steps.ts';

export const buildStage: StageImpl = async (ctx, stage) => {
  const { sourceOf, artifacts, store } = ctx.deps;
  const dir = path.join(ctx.workspace, 'src');
  await fs.rm(dir, { recursive: true, force: true });
  await sourceOf(ctx.project).checkout(ctx.run.commitSha, dir);
  ctx.sink.line(null, 'system', `checked out ${ctx.run.commitSha} (${ctx.run.branch})`);
  const result = await runSteps(ctx, stage, requireSpec(ctx).build, dir);
  if (result.state !== 'succeeded') return result;
  const artifact = await artifacts.pack(dir);
  await store.updateRun(ctx.run.id, { artifactDigest: artifact.digest });
  ctx.run.artifactDigest = artifact.digest;
  ctx.sink.line(null, 'system', `artifact ${artifact.digest} (${artifact.size} bytes)`);
  await fs.rm(dir, { recursive: true, force: true });
  return result;
};
