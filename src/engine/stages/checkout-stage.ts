// The first gate: read and validate the commit's sluice.yaml, then plan the run's stages.
// A broken file fails the run at once, with the same messages `sluice validate` prints.
import { randomUUID } from 'node:crypto';
import type { Stage, Step } from '../../store/records.ts';
import { environmentsOf, planStages } from '../plan.ts';
import type { StageImpl } from '../run-context.ts';
import { ErrorCode, SluiceError } from '../../errors.ts';
import { secretGroupsNamed } from '../../spec/secret-groups-named.ts';

export const specFile = 'sluice.yaml';

export const checkoutStage: StageImpl = async (ctx, stage) => {
  const { store, sourceOf } = ctx.deps;
  const text = await sourceOf(ctx.project).readFile(ctx.run.commitSha, specFile);
  if (text === null) {
    const reason = `${specFile} is missing at the root of commit ${ctx.run.commitSha.slice(0, 12)}`;
    ctx.sink.line(null, 'system', reason);
    return { state: 'failed', reason };
  }
  // The schema (zod, yaml) loads on the first spec read, not in an idle server.
  const { formatSpecIssue, parseSpec } = await import('../../spec/parse-spec.ts');
  const parsed = parseSpec(text);
  if (!parsed.ok) {
    for (const issue of parsed.errors) ctx.sink.line(null, 'stderr', formatSpecIssue(specFile, issue));
    return { state: 'failed', reason: `${specFile} is invalid: ${parsed.errors.length} error(s), first: ${formatSpecIssue(specFile, parsed.errors[0]!)}` };
  }
  ctx.spec = parsed.spec;
  ctx.sink.line(null, 'system', `${specFile} is valid`);
  // A project's file may name only the secret groups granted to it (checked at every attempt).
  try {
    await ctx.deps.secrets.assertGranted(ctx.project.name, secretGroupsNamed(parsed.spec));
  } catch (error) {
    if (!(error instanceof SluiceError) || error.code !== ErrorCode.secretNotGranted) throw error;
    const reason = `${specFile}: ${error.message}`;
    ctx.sink.line(null, 'stderr', reason);
    return { state: 'failed', reason };
  }
  const existing = await store.listStages(ctx.run.id);
  if (existing.length > 1) return { state: 'succeeded' }; // planned by an earlier attempt
  const stages: Stage[] = [];
  const steps: Step[] = [];
  for (const [i, planned] of planStages(parsed.spec, ctx.run.preview).entries()) {
    const id = randomUUID();
    stages.push({ id, runId: ctx.run.id, idx: stage.idx + 1 + i, name: planned.name, kind: planned.kind, environment: planned.environment, state: 'pending', reason: null, startedAt: null, finishedAt: null });
    for (const [idx, s] of planned.steps.entries()) {
      steps.push({ id: randomUUID(), runId: ctx.run.id, stageId: id, idx, name: s.name, state: 'pending', exitCode: null, pid: null, reason: null, startedAt: null, finishedAt: null });
    }
  }
  await store.updateRun(ctx.run.id, { specJson: JSON.stringify(parsed.spec) });
  for (const [position, planned] of environmentsOf(parsed.spec, ctx.run.preview).entries()) {
    await store.ensureEnvironment(ctx.project.name, planned.name, ctx.deps.clock.now().toISOString());
    await store.updateEnvironment(ctx.project.name, planned.name, { position });
  }
  await store.addStages(stages);
  await store.addSteps(steps);
  return { state: 'succeeded' };
};
