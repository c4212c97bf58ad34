// The engine's face to the API: projects, runs, approvals, releases. It owns the scheduler,
// the poller and the deployer, and knows its drivers only through their ports.
import fs from 'node:fs/promises';
import path from 'node:path';
import { ConflictError, IllegalTransitionError, NotFoundError, SluiceError } from '../errors.ts';
import { findRun } from './find-run.ts';
import { planOf } from './rollout/rollout-plan.ts';
import type { Project, Release, Rollout, Run, Stage, Step } from '../store/records.ts';
import { terminalRunStates } from '../store/records.ts';
import type { Deployer, RollbackOptions } from './deploy/deployer.ts';
import type { Router } from '../router/router.ts';
import type { Logger } from './logger.ts';
import { Poller } from './poller.ts';
import { addProject } from './projects.ts';
import type { EngineDeps } from './run-context.ts';
import { Scheduler } from './scheduler.ts';
import { Previews } from './previews/previews.ts';
import { statusTokenGroup, statusTokenKey } from './notify/status-target-of.ts';
import { verifyAndParse } from '../hooks/verify-and-parse.ts';
import type { GitHost, HookRequest } from '../hooks/verify-and-parse.ts';
import { enqueueRun } from './triggers.ts';
import { assertMayApprove, type Approver } from './approvers.ts';
import { newWebhookSecret } from '../hooks/signatures.ts';
import { defaultRunLogPolicy } from './run-log-policy.ts';
import { traceRunEnded } from './tracing.ts';
import { LogSink } from './log-sink.ts';
import { abortRequest } from './rollout/abort-request.ts';

export interface RunDetail {
  run: Run;
  stages: Stage[];
  steps: Step[];
}

/** Runs past the kept ones looked at by one retention pass. */
const pruneWindow = 50;

export class Engine {
  readonly scheduler: Scheduler;
  readonly poller: Poller;
  readonly previews: Previews;
  /** Webhook work, one event after another, so events of one delivery stream keep their order. */
  private hookQueue: Promise<void> = Promise.resolve();
  private reconcileTimer: NodeJS.Timeout | null = null;

  private readonly deps: EngineDeps & { deployer: Deployer; router: Router };
  private readonly logger: Logger;

  constructor(
    deps: EngineDeps & { deployer: Deployer; router: Router },
    logger: Logger,
  ) {
    this.deps = deps;
    this.logger = logger;
    this.scheduler = new Scheduler(deps, logger, (run) => this.retain(run.project));
    this.poller = new Poller(deps, deps.config.pollIntervalMs, logger, () => this.scheduler.poke());
    this.previews = new Previews({
      store: deps.store,
      clock: deps.clock,
      router: deps.router,
      deployer: deps.deployer,
      logger,
      sourceOf: deps.sourceOf,
      ...(deps.eventLog ? { eventLog: deps.eventLog } : {}),
      enqueue: async (project, opts) => {
        const run = await enqueueRun(deps, project, opts);
        this.scheduler.poke();
        return run;
      },
    });
  }

  /**
   * A webhook: verified over its raw body with the project's secret, de-duplicated on its
   * delivery id, answered at once; the work (fetch, queue a run, tear a preview down) follows.
   */
  async receiveHook(name: string, host: GitHost, req: HookRequest): Promise<{ status: 'accepted' | 'duplicate' | 'ignored'; deliveryId: string | null; reason?: string }> {
    try {
      const result = await this.acceptHook(name, host, req);
      this.deps.metrics?.count('webhooks', { host, result: result.status });
      return result;
    } catch (error) {
      // The error's code (not_found, unauthorized, invalid_input…): a closed set, unlike the project name sent.
      this.deps.metrics?.count('webhooks', { host, result: error instanceof SluiceError ? error.code : 'error' });
      throw error;
    }
  }

  private async acceptHook(name: string, host: GitHost, req: HookRequest): Promise<{ status: 'accepted' | 'duplicate' | 'ignored'; deliveryId: string | null; reason?: string }> {
    const project = await this.project(name);
    const hook = verifyAndParse(host, req, project.webhookSecret, this.deps.clock.now().getTime());
    if (hook.deliveryId && !(await this.deps.store.recordDelivery(host, name, hook.deliveryId, this.deps.clock.now().toISOString()))) {
      return { status: 'duplicate', deliveryId: hook.deliveryId };
    }
    if (hook.event.kind === 'ignored') {
      this.logger.info(`webhook ${host} for ${name} ignored: ${hook.event.reason}`);
      return { status: 'ignored', deliveryId: hook.deliveryId, reason: hook.event.reason };
    }
    this.hookQueue = this.hookQueue.then(async () => {
      try {
        const outcome = await this.previews.handle(project, hook);
        this.logger.info(`webhook ${host} ${hook.deliveryId ?? ''} for ${name}: ${outcome.action}`);
      } catch (error) {
        this.logger.error(`webhook ${host} ${hook.deliveryId ?? ''} for ${name} failed`, error);
      }
    });
    return { status: 'accepted', deliveryId: hook.deliveryId };
  }

  private pruneTimer: NodeJS.Timeout | null = null;
  /** Retention passes, one after another (runs ending together would race on the same files). */
  private retention: Promise<void> = Promise.resolve();
  private housekeepingTimer: NodeJS.Timeout | null = null;

  async start(): Promise<void> {
    await this.sweepWorkspaces();
    await this.scheduler.start();
    this.poller.start();
    void this.pruneArtifacts();
    this.pruneTimer = setInterval(() => void this.pruneArtifacts(), 10 * 60_000);
    this.housekeepingTimer = setInterval(() => {
      void this.deps.deployer.housekeeping().catch((e) => this.logger.error('rollout housekeeping', e));
      void this.previews.housekeeping().catch((e) => this.logger.error('preview housekeeping', e));
    }, 5_000);
    const reconcile = (): void => void this.previews.reconcile().catch((e) => this.logger.error('preview reconciler', e));
    // The pass at start says what it did (operators and tests can tell it ran).
    void this.previews.reconcile().then(
      (r) => this.logger.info(`preview reconciler at start: ${r.removed} removed, ${r.created} created`),
      (e: unknown) => this.logger.error('preview reconciler', e),
    );
    this.reconcileTimer = setInterval(reconcile, 60_000);
    void this.deps.deployer.resumeUnfinished().catch((e) => this.logger.error('resuming unfinished rollouts', e));
  }

  async stop(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    if (this.housekeepingTimer) clearInterval(this.housekeepingTimer);
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    await this.hookQueue;
    this.poller.stop();
    await this.scheduler.stop();
  }

  /**
   * After each run: artifacts past retention are removed at once (not at the next timer tick),
   * and the project's run logs are trimmed to the newest runs within the age limit.
   */
  retain(project: string): Promise<void> {
    const pass = this.retention.then(async () => {
      await this.pruneArtifacts();
      await this.pruneRunLogs(project);
    });
    this.retention = pass;
    return pass;
  }

  /**
   * Run log retention of one project (the runs stay; their lines go from the log store): the
   * lines of finished runs past the newest keepRuns, or created before maxAgeMs. Each pass looks
   * at a window of runs past the kept ones; a pass follows every run, so the window keeps up.
   */
  async pruneRunLogs(project: string): Promise<number> {
    const policy = this.deps.config.runLogs ?? defaultRunLogPolicy;
    try {
      const before = new Date(this.deps.clock.now().getTime() - policy.maxAgeMs).toISOString();
      const runs = await this.deps.store.listRuns(project, policy.keepRuns + pruneWindow);
      const expired = runs.filter((r, i) => terminalRunStates.has(r.state) && (i >= policy.keepRuns || r.createdAt < before)).map((r) => r.id);
      const removed = expired.length ? await this.deps.logs.removeRuns(expired) : 0;
      if (removed) this.logger.info(`run log retention removed ${removed} line(s) of ${project}`);
      return removed;
    } catch (error) {
      this.logger.error(`run log retention of ${project} failed`, error);
      return 0;
    }
  }


  /**
   * Release and artifact retention: each environment keeps its newest `keepReleases` releases
   * and the ones it can roll back to; the files of the others are removed once no instance uses
   * them. Artifacts go unless a kept release or an unfinished run references them or they are
   * among the newest `keepArtifacts`.
   */
  async pruneArtifacts(): Promise<string[]> {
    try {
      const { digests } = await this.deps.deployer.retainReleases();
      for (const run of await this.deps.store.listRunsInState(['queued', 'running', 'waiting'])) if (run.artifactDigest) digests.add(run.artifactDigest);
      const removed = await this.deps.artifacts.prune({ keep: this.deps.config.keepArtifacts, referenced: digests });
      if (removed.length) this.logger.info(`artifact retention removed ${removed.length} artifact(s)`);
      return removed;
    } catch (error) {
      this.logger.error('artifact retention failed', error);
      return [];
    }
  }

  /** Removes workspaces of runs that are not running here (left by a crash). */
  private async sweepWorkspaces(): Promise<void> {
    const dir = path.join(this.deps.config.dataDir, 'workspaces');
    const entries = await fs.readdir(dir).catch(() => [] as string[]);
    const running = new Set((await this.deps.store.listRunsInState(['running'])).map((r) => r.id));
    for (const name of entries) {
      if (!running.has(name)) await fs.rm(path.join(dir, name), { recursive: true, force: true });
    }
  }

  async addProject(input: { name: string; repo: string; branch: string }): Promise<Project> {
    const project = await addProject(this.deps, input);
    // Through pollAll, which never overlaps itself: a direct poll() racing the interval's
    // poll of the same new project queued its first commit twice.
    void this.poller.pollAll();
    return project;
  }

  /** A new webhook secret: deliveries signed with the old one are refused from now on. */
  async rotateWebhookSecret(name: string): Promise<Project> {
    await this.project(name);
    await this.deps.store.updateProject(name, { webhookSecret: newWebhookSecret() });
    return this.project(name);
  }

  async project(name: string): Promise<Project> {
    const p = await this.deps.store.getProject(name);
    if (!p) throw new NotFoundError('project', name);
    return p;
  }

  listProjects(): Promise<Project[]> {
    return this.deps.store.listProjects();
  }

  /** Where run states are posted back; the token is stored as a secret. */
  async setStatusTarget(name: string, t: { host: string; repo: string; apiUrl: string | null; token: string }, actor: string): Promise<void> {
    await this.project(name);
    await this.deps.secrets.set(statusTokenGroup, statusTokenKey(name), t.token, actor);
    await this.deps.store.updateProject(name, { statusHost: t.host, statusRepo: t.repo, statusApiUrl: t.apiUrl });
  }

  /** `by`: the token that asked (recorded for approvers.allowSelf). */
  async trigger(name: string, ref: string | undefined, trigger: string, by: string | null = null): Promise<Run> {
    const project = await this.project(name);
    const run = await enqueueRun(this.deps, project, { ref, trigger, triggeredBy: by });
    // A manual run of the tracked branch's head counts as seen, so the poller does not queue it again.
    if (run.branch === project.branch && (ref === undefined || ref === project.branch)) await this.deps.store.updateProject(name, { lastSeenSha: run.commitSha });
    this.scheduler.poke();
    return run;
  }

  async runs(name: string, limit = 50): Promise<RunDetail[]> {
    await this.project(name);
    const runs = await this.deps.store.listRuns(name, limit);
    return Promise.all(runs.map((r) => this.detailOf(r)));
  }

  /** `ref`: the run's id or PROJECT#NUMBER. */
  async run(ref: string): Promise<RunDetail> {
    return this.detailOf(await findRun(this.deps.store, ref));
  }

  private async detailOf(run: Run): Promise<RunDetail> {
    const [stages, steps] = await Promise.all([this.deps.store.listStages(run.id), this.deps.store.listSteps(run.id)]);
    return { run, stages, steps };
  }

  async cancel(ref: string, actor: string, why?: string): Promise<Run> {
    const { run } = await this.run(ref);
    const id = run.id;
    const { store, clock } = this.deps;
    const reason = `cancelled by ${actor}${why ? `: ${why}` : ''}`;
    if (terminalRunStates.has(run.state)) throw new IllegalTransitionError(`run #${run.number}`, run.state, 'cancelled');
    if (run.state === 'queued' || run.state === 'waiting') {
      const at = clock.now();
      if (await store.updateRun(id, { state: 'cancelled', reason, finishedAt: at.toISOString() }, ['queued', 'waiting'])) {
        for (const s of await store.listStages(id)) if (s.state === 'pending' || s.state === 'waiting') await store.updateStage(s.id, { state: s.state === 'waiting' ? 'cancelled' : 'skipped', reason });
        traceRunEnded(this.deps.tracing, run, { state: 'cancelled', reason, finishedAt: at });
        return (await this.run(id)).run;
      }
    }
    // Running: the holder of its lease sees the flag at its next heartbeat and stops the step.
    await store.updateRun(id, { cancelRequested: 1, reason }, ['running']);
    return (await this.run(id)).run;
  }

  async approve(ref: string, who: Approver): Promise<Run> {
    const { store, clock } = this.deps;
    const { run, stages } = await this.run(ref);
    const id = run.id;
    const actor = who.name;
    if (run.state !== 'waiting') throw new IllegalTransitionError(`run #${run.number}`, run.state, 'approved');
    const gate = stages.find((s) => s.state === 'waiting');
    if (gate?.environment) assertMayApprove(run, gate.environment, who, 'approve');
    const now = clock.now().toISOString();
    if (!(await store.updateRun(id, { state: 'queued', reason: null, approvedBy: actor, approvedAt: now }, ['waiting']))) {
      throw new ConflictError(`run #${run.number} changed while approving it`);
    }
    if (gate) await store.updateStage(gate.id, { state: 'succeeded', reason: `approved by ${actor} at ${now}`, finishedAt: now });
    new LogSink(this.deps.logs, run).line(null, 'system', `approved by ${actor}`, new Date(now));
    this.scheduler.poke();
    return (await this.run(id)).run;
  }

  async reject(ref: string, who: Approver, why: string | undefined): Promise<Run> {
    const { store, clock } = this.deps;
    const { run, stages } = await this.run(ref);
    const id = run.id;
    const actor = who.name;
    if (run.state !== 'waiting') throw new IllegalTransitionError(`run #${run.number}`, run.state, 'rejected');
    const gate = stages.find((s) => s.state === 'waiting');
    if (gate?.environment) assertMayApprove(run, gate.environment, who, 'reject');
    const reason = `rejected by ${actor}${why ? `: ${why}` : ''}`;
    const now = clock.now().toISOString();
    if (!(await store.updateRun(id, { state: 'cancelled', reason, finishedAt: now }, ['waiting']))) throw new ConflictError(`run #${run.number} changed while rejecting it`);
    for (const s of stages) {
      if (s.state === 'waiting') await store.updateStage(s.id, { state: 'cancelled', reason, finishedAt: now });
      else if (s.state === 'pending') await store.updateStage(s.id, { state: 'skipped' });
    }
    traceRunEnded(this.deps.tracing, run, { state: 'cancelled', reason, finishedAt: new Date(now) });
    return (await this.run(id)).run;
  }

  async releases(name: string, environment: string): Promise<Release[]> {
    await this.project(name);
    return this.deps.store.listReleases(name, environment);
  }

  async rollout(name: string, environment: string): Promise<Rollout> {
    await this.project(name);
    const r = await this.deps.store.latestRollout(name, environment);
    if (!r) throw new NotFoundError('rollout of', `${name}/${environment}`);
    return r;
  }

  /** `sluice promote`: the next canary step (or all the way), or the blue/green switch. */
  async promote(name: string, environment: string, full: boolean, actor: string): Promise<Rollout> {
    const r = await this.rollout(name, environment);
    if (r.state === 'promoted' || r.state === 'aborted') throw new IllegalTransitionError(`the rollout of release ${r.release}`, r.state, 'promoted');
    if (r.abortRequested) throw new ConflictError(`the rollout of release ${r.release} is being aborted (${r.abortRequested}); it cannot be promoted`);
    const kind = planOf(r.strategyJson, `rollout ${r.id}`).strategy.kind;
    if (kind === 'rolling') throw new ConflictError(`the rollout of release ${r.release} is rolling: it has no steps to promote`);
    const request = kind === 'blueGreen' || full ? 'full' : 'next';
    await this.deps.store.updateRollout(r.id, { promoteRequested: request, reason: `promote (${request}) requested by ${actor}` });
    this.deps.deployer.wakeRollout(r.id);
    return this.rollout(name, environment);
  }

  async abort(name: string, environment: string, actor: string): Promise<Rollout> {
    const r = await this.rollout(name, environment);
    if (r.state === 'promoted' || r.state === 'aborted') throw new IllegalTransitionError(`the rollout of release ${r.release}`, r.state, 'aborted');
    if (!r.abortRequested) await this.deps.store.updateRollout(r.id, abortRequest(`aborted by ${actor}`, `token:${actor}`));
    this.deps.deployer.wakeRollout(r.id);
    return this.rollout(name, environment);
  }

  async rollback(name: string, environment: string, to: number | undefined, actor: string, opts: RollbackOptions = {}): Promise<Release> {
    await this.project(name);
    const release = await this.deps.deployer.rollback(name, environment, to, actor, opts);
    void this.retain(name); // the replaced release may now be past retention
    return release;
  }
}
