// Runs the steps of one stage in order, each in a clean, explicit environment; the first
// failing step fails the stage and nothing after it runs.
import fs from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '../../errors.ts';
import type { StepResult } from '../../runner/runner.ts';
import type { StepSpec } from '../../spec/spec.ts';
import type { Stage } from '../../store/records.ts';
import type { RunContext, StageResult } from '../run-context.ts';

export function baseStepEnv(ctx: RunContext, tmpDir: string): Record<string, string> {
  const { config } = ctx.deps;
  return {
    PATH: config.path,
    HOME: config.home,
    TMPDIR: tmpDir,
    CI: 'true',
    SLUICE_PROJECT: ctx.project.name,
    SLUICE_RUN_ID: ctx.run.id,
    SLUICE_RUN_NUMBER: String(ctx.run.number),
    SLUICE_COMMIT: ctx.run.commitSha,
    SLUICE_BRANCH: ctx.run.branch,
  };
}

/**
 * Secrets given to steps: as environment variables, and as files (one per key, mode 0600) in
 * `$SLUICE_SECRETS_DIR`, a directory inside the step's TMPDIR that is removed with it.
 */
export interface StepSecrets {
  values: Record<string, string>;
}

export async function runSteps(ctx: RunContext, stage: Stage, steps: readonly StepSpec[], cwd: string, extraEnv: Record<string, string> = {}, secrets?: StepSecrets): Promise<StageResult> {
  const { store, runner, clock } = ctx.deps;
  const records = (await store.listSteps(ctx.run.id)).filter((s) => s.stageId === stage.id);
  for (const [idx, step] of steps.entries()) {
    const record = records.find((r) => r.idx === idx);
    if (!record) throw new Error(`step ${idx} of stage ${stage.name} is missing from the store`);
    if (ctx.signal.aborted) return { state: 'cancelled', reason: 'cancelled' };
    const tmpDir = path.join(ctx.workspace, 'tmp', record.id);
    await fs.mkdir(tmpDir, { recursive: true });
    const secretEnv: Record<string, string> = {};
    if (secrets && Object.keys(secrets.values).length) {
      const dir = path.join(tmpDir, 'secrets');
      await fs.mkdir(dir, { mode: 0o700 });
      for (const [k, v] of Object.entries(secrets.values)) await fs.writeFile(path.join(dir, k), v, { mode: 0o600 });
      Object.assign(secretEnv, secrets.values, { SLUICE_SECRETS_DIR: dir });
    }
    const startedAt = clock.now();
    await store.updateStep(record.id, { state: 'running', startedAt: startedAt.toISOString(), finishedAt: null, exitCode: null, reason: null });
    const span = ctx.stageSpan.step(record, startedAt);
    // The step joins the run's trace (W3C Trace Context); only when tracing is on, as there is no trace otherwise.
    const traceEnv: Record<string, string> = span.traceparent === null ? {} : { TRACEPARENT: span.traceparent };
    ctx.sink.line(record.id, 'system', `$ ${step.run}`);
    let result: StepResult;
    try {
      result = await runner.run({
        command: step.run,
        cwd,
        env: { ...baseStepEnv(ctx, tmpDir), ...traceEnv, ...secretEnv, ...step.env, ...extraEnv },
        timeoutMs: step.timeoutMs,
        // The run's workspace is all a sandboxed step sees of the host's files.
        confinement: { workspace: ctx.workspace, network: step.network, limits: step.limits },
        signal: ctx.signal,
        onLine: (stream, line, at) => ctx.sink.line(record.id, stream, line, at),
        // The process group is recorded so that a restarted server can end it after a crash.
        onStart: (pid) => void store.updateStep(record.id, { pid }).catch(() => {}),
      });
    } catch (error) {
      // The stage fails with this error (run-executor); the step's span says so too.
      span.end({ state: 'failed', exitCode: null, reason: errorMessage(error), finishedAt: clock.now() });
      throw error;
    }
    ctx.sink.endStep(record.id);
    await fs.rm(tmpDir, { recursive: true, force: true });
    const state = result.outcome === 'succeeded' ? 'succeeded' : result.outcome === 'cancelled' ? 'cancelled' : 'failed';
    await store.updateStep(record.id, { state, exitCode: result.exitCode, reason: result.reason, finishedAt: result.finishedAt.toISOString(), pid: null });
    span.end({ state, exitCode: result.exitCode, reason: result.reason, finishedAt: result.finishedAt });
    if (state !== 'succeeded') {
      const reason = `step "${step.name}" ${result.reason ?? state}`;
      ctx.sink.line(record.id, 'system', reason);
      if (state === 'cancelled') return { state: 'cancelled', reason: ctx.signal.reason === undefined ? 'cancelled' : String(ctx.signal.reason) };
      return { state: 'failed', reason };
    }
  }
  return { state: 'succeeded' };
}
