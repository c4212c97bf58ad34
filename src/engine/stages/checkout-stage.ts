// The first gate: read and validate the commit's sluice.yaml, then plan the run's stages.
// A broken file fails the run at once, with the same messages `sluice validate` prints.
import { randomUUID } from 'node:crypto';
import type { Stage, Step } from '../../store/records.ts';
import { environmentsOf, planStages } from '../plan.ts';
import type { RunContext, StageImpl } from '../run-context.ts';
import type { Spec } from '../../spec/spec.ts';
import { previewSpec } from '../previews/preview-spec.ts';
import { ErrorCode, SluiceError } from '../../errors.ts';
import { secretGroupsNamed } from '../../spec/secret-groups-named.ts';
import type { FlagFile } from '../../flags/flag-file.ts';

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
  ctx.sink.line(null, 'system', `${specFile} is valid`);
  let spec = parsed.spec;
  if (spec.flags !== null) {
    const flags = await readFlagFile(ctx, spec.flags);
    if ('failed' in flags) return { state: 'failed', reason: flags.failed };
    ctx.flags = flags;
  }
  if (ctx.run.preview !== null) {
    const merged = await previewSettings(ctx, spec);
    if ('failed' in merged) {
      ctx.sink.line(null, 'system', merged.failed);
      return { state: 'failed', reason: merged.failed };
    }
    spec = merged.spec;
  }
  // A project's file may name only the secret groups granted to it (checked at every attempt).
  try {
    await ctx.deps.secrets.assertGranted(ctx.project.name, secretGroupsNamed(spec));
  } catch (error) {
    if (!(error instanceof SluiceError) || error.code !== ErrorCode.secretNotGranted) throw error;
    const reason = `${specFile}: ${error.message}`;
    ctx.sink.line(null, 'stderr', reason);
    return { state: 'failed', reason };
  }
  ctx.spec = spec;
  const existing = await store.listStages(ctx.run.id);
  if (existing.some((s) => s.idx > stage.idx)) return { state: 'succeeded' }; // planned by an earlier attempt
  const stages: Stage[] = [];
  const steps: Step[] = [];
  for (const [i, planned] of planStages(spec, ctx.run.preview).entries()) {
    const id = randomUUID();
    stages.push({ id, runId: ctx.run.id, idx: stage.idx + 1 + i, name: planned.name, kind: planned.kind, environment: planned.environment, state: 'pending', reason: null, startedAt: null, finishedAt: null });
    for (const [idx, s] of planned.steps.entries()) {
      steps.push({ id: randomUUID(), runId: ctx.run.id, stageId: id, idx, name: s.name, state: 'pending', exitCode: null, pid: null, reason: null, startedAt: null, finishedAt: null });
    }
  }
  await store.updateRun(ctx.run.id, { specJson: JSON.stringify(spec) });
  for (const [position, planned] of environmentsOf(spec, ctx.run.preview).entries()) {
    await store.ensureEnvironment(ctx.project.name, planned.name, ctx.deps.clock.now().toISOString());
    await store.updateEnvironment(ctx.project.name, planned.name, { position });
  }
  await store.addStages(stages);
  await store.addSteps(steps);
  return { state: 'succeeded' };
};

/** The flag file at the run's commit, checked like sluice.yaml (its errors in the log as FILE:LINE:COL: message). */
async function readFlagFile(ctx: RunContext, fileName: string): Promise<{ fileName: string; file: FlagFile } | { failed: string }> {
  const text = await ctx.deps.sourceOf(ctx.project).readFile(ctx.run.commitSha, fileName);
  if (text === null) {
    const failed = `${fileName} (named by flags: in ${specFile}) is missing at commit ${ctx.run.commitSha.slice(0, 12)}`;
    ctx.sink.line(null, 'stderr', failed);
    return { failed };
  }
  const { parseFlagsFile } = await import('../../flags/flags-file.ts');
  const { formatSpecIssue } = await import('../../spec/parse-spec.ts');
  const parsed = parseFlagsFile(text);
  if (!parsed.ok) {
    for (const issue of parsed.errors) ctx.sink.line(null, 'stderr', formatSpecIssue(fileName, issue));
    return { failed: `${fileName} is invalid: ${parsed.errors.length} error(s), first: ${formatSpecIssue(fileName, parsed.errors[0]!)}` };
  }
  ctx.sink.line(null, 'system', `${fileName} is valid: ${Object.keys(parsed.file.flags).length} flag(s)`);
  return { fileName, file: parsed.file };
}

/**
 * A preview run's spec: the head's, with the `previews` settings of the base branch's file at the
 * commit pinned when the run was queued (runs queued before that was kept: the tracked branch now).
 */
async function previewSettings(ctx: RunContext, head: Spec): Promise<{ spec: Spec } | { failed: string }> {
  const source = ctx.deps.sourceOf(ctx.project);
  const baseSha = ctx.run.configSha ?? (await source.resolve(ctx.project.branch));
  const text = await source.readFile(baseSha, specFile);
  const { parseSpec } = await import('../../spec/parse-spec.ts');
  const parsed = text === null ? null : parseSpec(text);
  if (!parsed?.ok) return { failed: `the base branch's ${specFile} (at ${baseSha.slice(0, 12)}) is ${parsed ? 'invalid' : 'missing'}: it decides the preview's settings` };
  const fromFork = ctx.run.fromFork === 1;
  const { spec, droppedBuildSecrets } = previewSpec(head, parsed.spec, fromFork);
  ctx.sink.line(null, 'system', `previews settings from the base branch's ${specFile} at ${baseSha.slice(0, 12)}, not the pull request's`);
  if (fromFork) {
    const groups = spec.previews.secrets.length ? spec.previews.secrets.join(', ') : 'none';
    ctx.sink.line(null, 'system', `a pull request from a fork: it gets only previews.forkSecrets (${groups})`);
    if (droppedBuildSecrets.length) ctx.sink.line(null, 'system', `build secrets not given to a fork's build: ${droppedBuildSecrets.join(', ')}`);
  }
  return { spec };
}
