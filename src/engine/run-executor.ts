// Executes one claimed run, stage by stage. Stages that already succeeded (in an earlier
// attempt, before a crash or an approval) are skipped, so a resumed run continues where it was.
import fs from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import type { Run, Stage } from '../store/records.ts';
import { errorMessage, oneOf } from '../errors.ts';
import { endSteps } from './end-steps.ts';
import { LogSink } from './log-sink.ts';
import type { Logger } from './logger.ts';
import { StageKind } from './plan.ts';
import { workspaceOf, type EngineDeps, type RunContext, type StageImpl, type StageResult } from './run-context.ts';
import { approvalStage } from './stages/approval-stage.ts';
import { buildStage } from './stages/build-stage.ts';
import { checkoutStage } from './stages/checkout-stage.ts';
import { deployStage, switchStage } from './stages/deploy-stage.ts';
import { testStage } from './stages/test-stage.ts';
import { verifyStage } from './stages/verify-stage.ts';
import { defaultRunLogPolicy } from './run-log-policy.ts';
import { noopStageSpan, noopTracing } from './tracing.ts';
import { previewReadyEvent, runEndedEvent, runWaitingEvent } from './run-events.ts';

const stageImpls: Record<StageKind, StageImpl> = {
  [StageKind.checkout]: checkoutStage,
  [StageKind.build]: buildStage,
  [StageKind.test]: testStage,
  [StageKind.approval]: approvalStage,
  [StageKind.deploy]: deployStage,
  [StageKind.verify]: verifyStage,
  [StageKind.switch]: switchStage,
};

/** Why an executor was stopped from outside: a person cancelled, or this server shuts down. */
export const AbortReason = { cancelled: 'cancelled', shutdown: 'shutdown' } as const;

export class RunExecutor {
  private readonly deps: EngineDeps;
  private readonly logger: Logger;

  constructor(
    deps: EngineDeps,
    logger: Logger,
  ) {
    this.deps = deps;
    this.logger = logger;
  }

  async execute(run: Run, signal: AbortSignal): Promise<void> {
    const { store, clock } = this.deps;
    const project = await store.getProject(run.project);
    if (!project) throw new Error(`run ${run.id} belongs to unknown project ${run.project}`);
    const trace = (this.deps.tracing ?? noopTracing).run(run, project.name);
    const sink = new LogSink(this.deps.logs, run, this.deps.redact, { stepMaxBytes: (this.deps.config.runLogs ?? defaultRunLogPolicy).stepMaxBytes });
    const ctx: RunContext = {
      deps: this.deps,
      run,
      project,
      // Loaded (and validated) by the checkout stage, which runs in every attempt.
      spec: null,
      sink,
      signal,
      workspace: workspaceOf(this.deps.config, run.id),
      trace,
      stageSpan: noopStageSpan,
    };
    if (run.attempt > 0) sink.line(null, 'system', `resuming run #${run.number} (attempt ${run.attempt + 1})`);
    if (this.deps.runner.notice) sink.line(null, 'system', this.deps.runner.notice);
    this.deps.onRunState?.(run, 'running', null);
    let outcome: StageResult;
    try {
      outcome = await this.stages(ctx);
    } catch (error) {
      outcome = { state: signal.aborted ? 'cancelled' : 'failed', reason: errorMessage(error) };
      sink.line(null, 'system', `error: ${errorMessage(error)}`);
    }
    // Deploy stages hand the stops of old instances off (their drain overlaps the next stage).
    await this.deps.deployer.settled(run.project);
    await sink.flush();
    await fs.rm(ctx.workspace, { recursive: true, force: true }).catch(() => {});
    const now = clock.now().toISOString();
    if (signal.aborted && signal.reason === AbortReason.shutdown) {
      // This server is stopping: hand the run back so the next server resumes it.
      await store.updateRun(run.id, { state: 'queued', leaseOwner: null, leaseExpiresAt: null }, ['running']);
      await this.resetUnfinished(run.id);
      return;
    }
    this.deps.onRunState?.(run, outcome.state, outcome.state === 'succeeded' ? null : outcome.reason);
    if (outcome.state === 'waiting') {
      await store.updateRun(run.id, { state: 'waiting', reason: outcome.reason, leaseOwner: null, leaseExpiresAt: null }, ['running']);
      const gate = (await store.listStages(run.id)).find((s) => s.state === 'waiting');
      await this.deps.eventLog?.emit(runWaitingEvent(run, gate?.name ?? null, gate?.environment ?? null, outcome.reason));
      return;
    }
    // A person's cancel recorded its own reason ("cancelled by …"): keep it.
    const recorded = outcome.state === 'cancelled' ? (await store.getRun(run.id))?.reason : null;
    const reason = outcome.state === 'succeeded' ? null : (recorded ?? outcome.reason);
    if (outcome.state !== 'succeeded') {
      // Steps that never ran (after a failing step, or in skipped stages) say so; none stays running.
      await endSteps(store, run.id, { state: outcome.state === 'failed' ? 'failed' : 'cancelled', reason: reason ?? outcome.state, at: now });
    }
    // A green release waiting for a switch that will never come is taken down.
    if (outcome.state !== 'succeeded') {
      await this.deps.deployer.abandonRun(run.id, `run #${run.number} ${outcome.state}: ${reason ?? ''}`, outcome.state === 'failed').catch((e) => this.logger.error(`abandoning rollouts of run ${run.id}`, e));
    }
    await store.updateRun(run.id, { state: outcome.state, reason, finishedAt: now, leaseOwner: null, leaseExpiresAt: null }, ['running']);
    // Recorded, not awaited by anyone downstream: emit stores the event and returns (never throws).
    if (outcome.state === 'succeeded' || outcome.state === 'failed') await this.deps.eventLog?.emit(runEndedEvent(run, outcome.state, reason));
    if (outcome.state === 'succeeded' && run.preview !== null) await this.deps.eventLog?.emit(previewReadyEvent(run, this.deps.deployer.urlOf(run.project, `pr-${run.preview}`)));
    // Only now, once: a run that waits or is handed back gets its span from whichever server ends it.
    trace.end({ state: outcome.state, reason, finishedAt: new Date(now) });
  }

  private async stages(ctx: RunContext): Promise<StageResult> {
    const { store, clock } = this.deps;
    if ((await store.listStages(ctx.run.id)).length === 0) {
      const stage = (idx: number, name: string, kind: StageKind, environment: string | null): Stage => ({ id: randomUUID(), runId: ctx.run.id, idx, name, kind, environment, state: 'pending', reason: null, startedAt: null, finishedAt: null });
      // A fork's code runs nothing, not even its checkout, before a deployer approves it.
      const preview = ctx.run.preview !== null && ctx.run.fromFork === 1 ? `pr-${ctx.run.preview}` : null;
      const gate = preview !== null ? [stage(0, `approval:${preview}`, StageKind.approval, preview)] : [];
      await store.addStages([...gate, stage(gate.length, 'checkout', StageKind.checkout, null)]);
    }
    for (let i = 0; ; i++) {
      const stages = await store.listStages(ctx.run.id);
      const stage = stages[i];
      if (!stage) return { state: 'succeeded' };
      // The checkout stage always runs: it loads the pipeline file (cheap, and needed to resume).
      if (stage.state === 'succeeded' && stage.kind !== StageKind.checkout) continue;
      if (ctx.signal.aborted) return this.stop(ctx, stages.slice(i), { state: 'cancelled', reason: String(ctx.signal.reason ?? 'cancelled') });
      const startedAt = clock.now();
      await store.updateStage(stage.id, { state: 'running', startedAt: startedAt.toISOString(), finishedAt: null, reason: null });
      const span = ctx.trace.stage(stage, startedAt);
      ctx.stageSpan = span;
      let result: StageResult;
      try {
        result = await stageImpls[oneOf(`stage ${stage.name}`, 'stage kind', stage.kind, Object.values(StageKind))](ctx, stage);
      } catch (error) {
        // A stage that throws still ends: failed (or cancelled) with the reason, never left running.
        result = { state: ctx.signal.aborted ? 'cancelled' : 'failed', reason: errorMessage(error) };
      }
      const finishedAt = result.state === 'waiting' ? null : clock.now().toISOString();
      if (finishedAt !== null) this.deps.metrics?.observe('stageDuration', { project: ctx.project.name, stage: stage.kind, result: result.state }, (Date.parse(finishedAt) - startedAt.getTime()) / 1000);
      await store.updateStage(stage.id, { state: result.state, reason: result.state === 'succeeded' ? null : result.reason, finishedAt });
      // A stage cut short by this server's shutdown runs again in the next attempt: this span says so.
      const interrupted = result.state !== 'succeeded' && result.state !== 'waiting' && ctx.signal.aborted && ctx.signal.reason === AbortReason.shutdown;
      span.end({ state: interrupted ? 'interrupted' : result.state, reason: result.state === 'succeeded' ? null : result.reason, finishedAt: finishedAt === null ? clock.now() : new Date(finishedAt) });
      ctx.stageSpan = noopStageSpan;
      if (result.state !== 'succeeded') {
        if (result.state !== 'waiting') {
          ctx.sink.line(null, 'system', `${stage.name}: ${result.state}: ${result.reason}`);
          await endSteps(store, ctx.run.id, { state: result.state === 'failed' ? 'failed' : 'cancelled', reason: result.reason, at: finishedAt ?? clock.now().toISOString() }, stage.id);
        }
        return this.stop(ctx, stages.slice(i + 1), result);
      }
    }
  }

  /** Marks the stages after a stopping gate as skipped (they never start). */
  private async stop(ctx: RunContext, later: Stage[], result: StageResult): Promise<StageResult> {
    if (result.state === 'waiting') return result;
    for (const s of later) if (s.state === 'pending') await this.deps.store.updateStage(s.id, { state: 'skipped' });
    return result;
  }

  /** Stages and steps left running by an interrupted attempt go back to pending. */
  async resetUnfinished(runId: string): Promise<void> {
    const { store } = this.deps;
    for (const s of await store.listStages(runId)) if (s.state === 'running') await store.updateStage(s.id, { state: 'pending', startedAt: null });
    for (const s of await store.listSteps(runId)) if (s.state === 'running') await store.updateStep(s.id, { state: 'pending', pid: null, startedAt: null });
  }
}
