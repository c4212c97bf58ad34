// Claims queued runs under leases, keeps the leases alive, and recovers runs whose holder
// died: their recorded step process groups are ended first, then the run is resumed (or,
// after repeated interruptions, failed with the reason `interrupted`). No run stays running
// forever, none is lost, none runs twice at once.
import { runEndedEvent } from './run-events.ts';
import { errorMessage } from '../errors.ts';
import type { Run } from '../store/records.ts';
import { isoAfter } from './clock.ts';
import { endSteps } from './end-steps.ts';
import { isHolderDead, pidAlive } from './lease-owner.ts';
import type { Logger } from './logger.ts';
import { LogSink } from './log-sink.ts';
import type { EngineDeps } from './run-context.ts';
import { AbortReason, RunExecutor } from './run-executor.ts';
import { traceRunEnded } from './tracing.ts';

const maxAttempts = 3;
const claimEveryMs = 500;

export class Scheduler {
  private readonly active = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private timers: NodeJS.Timeout[] = [];
  private stopping = false;
  private ticking = false;
  private readonly executor: RunExecutor;

  private readonly deps: EngineDeps;
  private readonly logger: Logger;
  private readonly afterRun: (run: Run) => Promise<void>;

  constructor(
    deps: EngineDeps,
    logger: Logger,
    /** Called after each run this scheduler executed has ended here (retention). */
    afterRun: (run: Run) => Promise<void> = async () => {},
  ) {
    this.deps = deps;
    this.logger = logger;
    this.afterRun = afterRun;
    this.executor = new RunExecutor(deps, logger);
  }

  async start(): Promise<void> {
    await this.recover();
    this.timers.push(setInterval(() => void this.tick(), claimEveryMs));
    this.timers.push(setInterval(() => void this.heartbeat(), this.deps.config.heartbeatMs));
    void this.tick();
  }

  /** Claims work now instead of at the next tick. */
  poke(): void {
    void this.tick();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const { controller } of this.active.values()) controller.abort(AbortReason.shutdown);
    await Promise.allSettled([...this.active.values()].map((a) => a.done));
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stopping) return;
    this.ticking = true;
    try {
      const { store, clock, config } = this.deps;
      while (!this.stopping && this.active.size < config.maxRuns) {
        const run = await store.claimRun(config.owner, isoAfter(clock, config.leaseMs), clock.now().toISOString());
        if (!run) break;
        this.launch(run);
      }
    } catch (error) {
      this.logger.error('claiming runs failed', error);
    } finally {
      this.ticking = false;
    }
  }

  private launch(run: Run): void {
    const controller = new AbortController();
    const done = this.executor
      .execute(run, controller.signal)
      .catch((error) => this.logger.error(`run ${run.id} crashed the executor: ${errorMessage(error)}`, error))
      .then(() => this.afterRun(run))
      .catch((error) => this.logger.error(`after run ${run.id}: ${errorMessage(error)}`, error))
      .finally(() => {
        this.active.delete(run.id);
        void this.tick();
      });
    this.active.set(run.id, { controller, done });
  }

  private async heartbeat(): Promise<void> {
    const { store, clock, config } = this.deps;
    try {
      await store.renewLeases(config.owner, isoAfter(clock, config.leaseMs));
      for (const [id, { controller }] of this.active) {
        const run = await store.getRun(id);
        if (run?.cancelRequested) controller.abort(AbortReason.cancelled);
      }
      await this.recover();
    } catch (error) {
      this.logger.error('heartbeat failed', error);
    }
  }

  /** Finds runs whose lease holder is gone and ends or requeues them. */
  async recover(): Promise<void> {
    const { store, clock, config } = this.deps;
    const now = clock.now().toISOString();
    for (const run of await store.listRunsInState(['running'])) {
      if (this.active.has(run.id)) continue;
      const lapsed = run.leaseExpiresAt === null || run.leaseExpiresAt < now;
      const dead = run.leaseOwner !== null && isHolderDead(run.leaseOwner, config.owner, config.hostname, pidAlive);
      if (!lapsed && !dead) continue;
      // Take the run over first (compare-and-set on its lease), so two recovering servers act once.
      const took = await store.updateRun(run.id, { leaseOwner: config.owner, leaseExpiresAt: isoAfter(clock, config.leaseMs) }, ['running'], run.leaseOwner);
      if (!took) continue;
      this.deps.metrics?.count('leaseTakeovers', { project: run.project });
      await this.endOrphans(run);
      const attempt = run.attempt + 1;
      if (attempt >= maxAttempts || run.cancelRequested) {
        const reason = run.cancelRequested ? 'cancelled' : 'interrupted';
        await store.updateRun(run.id, { state: run.cancelRequested ? 'cancelled' : 'failed', reason, attempt, finishedAt: now, leaseOwner: null, leaseExpiresAt: null }, ['running'], config.owner);
        for (const s of await store.listStages(run.id)) {
          if (s.state === 'running') await store.updateStage(s.id, { state: 'failed', reason, finishedAt: now });
          else if (s.state === 'pending') await store.updateStage(s.id, { state: 'skipped' });
        }
        await endSteps(store, run.id, { state: run.cancelRequested ? 'cancelled' : 'failed', reason, at: now });
        traceRunEnded(this.deps.tracing, run, { state: run.cancelRequested ? 'cancelled' : 'failed', reason, finishedAt: new Date(now) });
        if (!run.cancelRequested) await this.deps.eventLog?.emit(runEndedEvent(run, 'failed', reason));
        this.logger.warn(`run ${run.id} ${reason} after ${attempt} attempt(s)`);
      } else {
        await this.executor.resetUnfinished(run.id);
        new LogSink(this.deps.logs, run).line(null, 'system', `the server running this run stopped (${run.leaseOwner}); the run resumes`, new Date(now));
        await store.updateRun(run.id, { state: 'queued', attempt, leaseOwner: null, leaseExpiresAt: null }, ['running'], config.owner);
        this.logger.warn(`run ${run.id} was interrupted; requeued (attempt ${attempt + 1})`);
      }
    }
  }

  /** Ends step processes a dead server left behind, by their recorded process groups. */
  private async endOrphans(run: Run): Promise<void> {
    const [host] = (run.leaseOwner ?? '').split(':');
    if (host !== this.deps.config.hostname) return;
    for (const step of await this.deps.store.listSteps(run.id)) {
      if (step.pid) this.deps.runner.endOrphan(step.pid);
    }
  }
}
