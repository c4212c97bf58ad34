// Build: check out the exact commit, run the build steps, then pack the workspace (without
// .git) once into the content-addressed artifact that every later stage uses.
import fs from 'node:fs/promises';
import path from 'node:path';
import { requireSpec, type StageImpl } from '../run-context.ts';
import { runSteps } from './run-steps.ts';
import { findSecretInTree } from './find-secret-in-tree.ts';
import { publishImage } from './publish-image.ts';

export const buildStage: StageImpl = async (ctx, stage) => {
  const { sourceOf, artifacts, store } = ctx.deps;
  const dir = path.join(ctx.workspace, 'src');
  await fs.rm(dir, { recursive: true, force: true });
  await sourceOf(ctx.project).checkout(ctx.run.commitSha, dir);
  ctx.sink.line(null, 'system', `checked out ${ctx.run.commitSha} (${ctx.run.branch})`);
  const spec = requireSpec(ctx);
  // Build steps get only the groups named in `buildSecrets`; for a fork's preview the checkout
  // already cut those down to previews.forkSecrets of the base branch (preview-spec.ts).
  const values = spec.buildSecrets.length ? await ctx.deps.secrets.resolve(await ctx.deps.secrets.snapshot(spec.buildSecrets)) : {};
  const result = await runSteps(ctx, stage, spec.build, dir, {}, { values });
  if (result.state !== 'succeeded') return result;
  const leak = await findSecretInTree(dir, values);
  if (leak) {
    const as = leak.encoding === 'plain' ? '' : ` (${leak.encoding})`;
    return { state: 'failed', reason: `the build left the value of secret ${leak.key}${as} in ${leak.file}: an artifact must not hold secrets (read it at run time instead)` };
  }
  const artifact = await artifacts.pack(dir);
  await store.updateRun(ctx.run.id, { artifactDigest: artifact.digest });
  ctx.run.artifactDigest = artifact.digest;
  ctx.sink.line(null, 'system', `artifact ${artifact.digest} (${artifact.size} bytes)`);
  const image = spec.image ? await publishImage(ctx, spec.image, dir, artifact.digest) : null;
  await fs.rm(dir, { recursive: true, force: true });
  return image && image.state !== 'succeeded' ? image : result;
};
