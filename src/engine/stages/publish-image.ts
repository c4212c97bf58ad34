// The build stage's image step (`image:` in sluice.yaml): the packed workspace, once more, as
// one layer over the base, pushed as PROJECT:rN; the run records the reference by digest, and
// every release made from the run copies it (docs/decisions/0044-oci-images.md).
import { errorMessage } from '../../errors.ts';
import type { ImageSpec } from '../../spec/spec.ts';
import type { RunContext, StageResult } from '../run-context.ts';

export async function publishImage(ctx: RunContext, image: ImageSpec, dir: string, artifactDigest: string): Promise<StageResult> {
  const images = ctx.deps.images;
  if (!images) {
    return { state: 'failed', reason: 'sluice.yaml has image: but this server has no registry to push it to: start it with `sluice server --registry URL` (and --registry-credentials GROUP when the registry needs them)' };
  }
  const first = ctx.spec?.services[0];
  try {
    const out = await images.publish({
      dir,
      project: ctx.project.name,
      repo: ctx.project.repo,
      runId: ctx.run.id,
      runNumber: ctx.run.number,
      commitSha: ctx.run.commitSha,
      artifactDigest,
      image,
      service: first ? { start: first.start, env: first.env } : null,
      signal: ctx.signal,
    });
    await ctx.deps.store.updateRun(ctx.run.id, { image: out.reference });
    ctx.run.image = out.reference;
    ctx.sink.line(null, 'system', `image ${out.reference} (base ${image.base}@${out.baseDigest})`);
    return { state: 'succeeded' };
  } catch (error) {
    return { state: 'failed', reason: `image: ${errorMessage(error)}` };
  }
}
