// Moves environments between releases. Deploys to one environment are serialized by a lease
// in the store; an older run that reaches the gate after a newer one is superseded there, so
// an environment never goes back in time by accident. Every move is a rollout (a durable state
// machine, engine/rollout) driven by its strategy; rollbacks create a release and a rollout too.
import type { EventLog } from '../../events/event-log.ts';
import type { EventCommit } from '../../events/platform-event.ts';
import { releaseEventEmitter, type ReleaseEventContext } from './release-event-emitter.ts';
import type { Router } from '../../router/router.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import type { EnvironmentSpec, Spec } from '../../spec/spec.ts';
import type { Release, Rollout, Run } from '../../store/records.ts';
import type { Store } from '../../store/store.ts';
import { ConflictError, InvalidInputError, NotFoundError, errorMessage } from '../../errors.ts';
import { isoAfter, type Clock } from '../clock.ts';
import { isHolderDead, pidAlive } from '../lease-owner.ts';
import type { EngineConfig } from '../engine-config.ts';
import type { Logger } from '../logger.ts';
import type { StageResult } from '../stage-result.ts';
import { abortRequest } from '../rollout/abort-request.ts';
import { RolloutDriver, RolloutWakers, terminalRollout } from '../rollout/rollout-driver.ts';
import type { ReleaseFigures, RolloutDeps } from '../rollout/rollout-deps.ts';
import type { ReleaseEventInput } from '../rollout/release-event.ts';
import { hostsOf, urlOf } from './hosts.ts';
import { checkReferences, domainNamesOf, generationOf, parseReleaseConfig, releaseConfigOf, withOwnInstances } from './release-config.ts';
import type { SecretService } from '../secrets/secret-service.ts';
import { certificateGroupsOf } from '../../spec/secret-groups-named.ts';
import type { DomainClaims } from '../domains/domain-claims.ts';
import type { LogWriter } from '../../logs/log-writer.ts';
import { entryText } from '../../logs/log-entry.ts';
import { retainReleases, type ReleaseRetention } from './release-retention.ts';
import { projectStatus, type ProjectStatus } from './project-status.ts';
import { Retiring } from './retiring.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import type { FlagFile } from '../../flags/flag-file.ts';
import type { FlagService } from '../flags/flag-service.ts';
import { flagsGoLive } from '../rollout/flags-live.ts';

export interface DeployRequest {
  project: string;
  run: Run;
  spec: Spec;
  environment: EnvironmentSpec;
  signal: AbortSignal;
  log: (line: string) => void;
  /** The run's flag file, read and checked at checkout; absent: sluice.yaml names none. */
  flags?: { fileName: string; file: FlagFile };
  /** Told the number of the release this request deploys, once known (its events carry it). */
  onRelease?: (release: number) => void;
  /** The run's commit with its committer time (read once by the deploy stage): platform events carry it. */
  commit?: EventCommit;
}

/** Who asked for a rollback, for its event: `token:NAME` (the default: the actor), `alert:NAME`, `analysis`. */
export interface RollbackOptions {
  cause?: string;
  /** Why, in words (an alert's figures); default: who asked. */
  reason?: string;
  /** Marks the release it replaced failed with `reason` (an alert judged it). */
  failReplaced?: boolean;
}

export interface DeployerDeps {
  store: Store;
  runtime: Runtime;
  router: Router;
  clock: Clock;
  config: EngineConfig;
  logger: Logger;
  artifactExists: (digest: string) => Promise<boolean>;
  secrets: SecretService;
  /** Where deploy events outside runs go (the log store); absent: the server's log only. */
  events?: LogWriter;
  /** Custom domain claims (and the certificates they need); absent: domains are neither claimed nor released. */
  domains?: DomainClaims;
  /** Where rollout outcomes and analysis verdicts are counted; absent: nowhere. */
  metrics?: Metrics;
  /** Where platform events are recorded (notifications, DORA); absent: nowhere. */
  eventLog?: EventLog;
  /** Feature flags: definitions go live with releases, a torn-down environment's flags are withdrawn. Absent: none. */
  flags?: FlagService;
  /** The analysis's figures (Prometheus); absent: the router's. */
  figures?: ReleaseFigures;
}

export class Deployer {
  private readonly wakers = new RolloutWakers();
  /** Old instances still draining after a rolling update (retiring.ts). */
  private readonly retiring = new Retiring();

  private readonly deps: DeployerDeps;

  constructor(deps: DeployerDeps) {
    this.deps = deps;
  }

  /** A rollout's request changed (abort, promote): its driving loop acts now, not at its next tick. */
  wakeRollout(id: string): void {
    this.wakers.wake(id);
  }

  urlOf(project: string, environment: string): string {
    return urlOf(this.deps.config, project, environment);
  }

  previewUrlOf(project: string, environment: string): string {
    return urlOf(this.deps.config, project, environment).replace('http://', 'http://next.');
  }

  driver(log: (line: string) => void, events: ReleaseEventContext = {}): RolloutDriver {
    const { store, runtime, router, clock, config } = this.deps;
    const secrets = this.deps.secrets;
    const emit = this.emitter(events);
    const deps: RolloutDeps = { store, runtime, router, clock, naming: config, log, secretValues: (c) => secrets.resolve(c.secretRefs ?? []), ...(this.deps.domains ? { domains: this.deps.domains } : {}), ...(this.deps.metrics ? { metrics: this.deps.metrics } : {}), ...(emit ? { emit } : {}), ...(this.deps.flags ? { flags: this.deps.flags } : {}), ...(this.deps.figures ? { figures: this.deps.figures } : {}), retiring: this.retiring };
    return new RolloutDriver(deps, this.wakers);
  }

  private emitter(events: ReleaseEventContext): ReturnType<typeof releaseEventEmitter> | undefined {
    const { eventLog, store, logger } = this.deps;
    return eventLog ? releaseEventEmitter({ eventLog, store, logger }, events) : undefined;
  }

  /** Events of work outside a run (rollback, resume, promote, abort): the server's log and the log store. */
  private logTo(project: string, environment: string): (line: string) => void {
    return (line) => {
      this.deps.logger.info(`[${project}/${environment}] ${line}`);
      this.deps.events?.add({
        at: this.deps.clock.now().toISOString(), source: 'deploy', project, environment, release: null, runId: null, stepId: null,
        service: null, instance: null, stream: 'event', level: null, text: entryText(line),
      });
    };
  }

  /**
   * Waits for the environment's deploy lease, then for the old instances of its last rolling
   * update still draining; false when the signal ends the wait.
   */
  private async lock(project: string, environment: string, holder: string, signal?: AbortSignal): Promise<boolean> {
    if (!(await this.lease(project, environment, holder, signal))) return false;
    await this.retiring.settled(project, environment);
    return true;
  }

  private async lease(project: string, environment: string, holder: string, signal?: AbortSignal): Promise<boolean> {
    const { store, clock, config } = this.deps;
    await store.ensureEnvironment(project, environment, clock.now().toISOString());
    for (;;) {
      if (signal?.aborted) return false;
      if (await store.lockEnvironment(project, environment, `${config.owner}/${holder}`, isoAfter(clock, config.leaseMs), clock.now().toISOString())) return true;
      // A holder on this machine whose process is gone (a SIGKILLed server) need not be waited out.
      const held = (await store.getEnvironment(project, environment))?.lockOwner;
      if (held && isHolderDead(held.split('/')[0]!, config.owner, config.hostname, pidAlive)) {
        if (await store.lockEnvironment(project, environment, `${config.owner}/${holder}`, isoAfter(clock, config.leaseMs), clock.now().toISOString(), held)) return true;
      }
      await clock.sleep(250, signal);
    }
  }

  /**
   * Resolves once no old instance of the project's environments is still being stopped: a run
   * ends only then, so that a finished run never leaves the previous release's instances behind.
   */
  settled(project: string): Promise<void> {
    return this.retiring.settled(project);
  }

  private unlock(project: string, environment: string, holder: string): Promise<void> {
    return this.deps.store.unlockEnvironment(project, environment, `${this.deps.config.owner}/${holder}`);
  }

  private outcome(r: Rollout): StageResult {
    if (r.state === 'promoted') return { state: 'succeeded' };
    if (r.state === 'aborted') return { state: 'failed', reason: r.reason ?? 'rollout aborted' };
    return { state: 'succeeded' }; // blue/green: green is ready, the switch comes later
  }

  async deployRun(req: DeployRequest): Promise<StageResult> {
    const { store, clock } = this.deps;
    const env = req.environment.name;
    if (!(await this.lock(req.project, env, req.run.id, req.signal))) return { state: 'cancelled', reason: 'cancelled while waiting for the deploy lock' };
    try {
      const record = await store.getEnvironment(req.project, env);
      if (req.run.preview !== null) {
        // Checked under the lock that teardown also takes: a preview never comes back after its close.
        const pr = await store.getPullRequest(req.project, req.run.preview);
        if (pr?.state === 'closed') return { state: 'cancelled', reason: `pull request #${req.run.preview} is closed` };
      }
      const existing = (await store.listRollouts({ runId: req.run.id })).find((r) => r.environment === env);
      if (!existing && record?.lastRunNumber != null && record.lastRunNumber > req.run.number) {
        return { state: 'superseded', reason: `a newer run (#${record.lastRunNumber}) already deployed to ${env}` };
      }
      const driver = this.driver(req.log, req.commit ? { commit: req.commit } : {});
      let rollout = existing;
      if (!rollout) {
        const digest = req.run.artifactDigest;
        if (!digest) return { state: 'failed', reason: 'the run has no artifact' };
        if (!(await this.deps.artifactExists(digest))) return { state: 'failed', reason: `artifact ${digest} is missing from the artifact store` };
        // Configuration first: an unknown group or a missing key fails here, before any instance starts.
        let config;
        try {
          const groups = req.run.preview !== null ? await this.existingGroups(req.environment.secrets) : req.environment.secrets;
          // Checked at checkout too; again here, since a grant may be revoked while a run waits at a gate.
          await this.deps.secrets.assertGranted(req.project, [...groups, ...certificateGroupsOf([req.environment])]);
          const refs = await this.deps.secrets.snapshot(groups);
          config = releaseConfigOf(req.spec, req.environment, refs, req.run.preview !== null ? req.spec.previews.scaleToZeroMs : null, req.flags);
          checkReferences(config);
        } catch (error) {
          return { state: 'failed', reason: `configuration of ${env}: ${errorMessage(error)}` };
        }
        await this.abortOthers(req.project, env, `superseded by run #${req.run.number}`, req.log);
        // Claimed before any route changes: a domain held elsewhere fails here, and what serves keeps serving.
        try {
          await this.deps.domains?.claim(req.project, env, config, req.log);
        } catch (error) {
          return { state: 'failed', reason: `domains of ${env}: ${errorMessage(error)}` };
        }
        const release = await store.createRelease({
          project: req.project,
          environment: env,
          runId: req.run.id,
          runNumber: req.run.number,
          commitSha: req.run.commitSha,
          artifactDigest: digest,
          image: req.run.image,
          configJson: JSON.stringify(config),
          state: 'deploying',
          reason: null,
          rolledBackFrom: null,
          createdAt: clock.now().toISOString(),
        });
        const current = (await store.getEnvironment(req.project, env))?.currentRelease ?? null;
        const stable = current === null ? null : ((await store.getRelease(req.project, env, current)) ?? null);
        req.onRelease?.(release.number);
        await store.updateEnvironment(req.project, env, { desiredRelease: release.number, lastRunNumber: req.run.number, state: 'progressing', updatedAt: clock.now().toISOString() });
        req.log(`deploying release ${release.number} (${release.commitSha.slice(0, 12)}) to ${env} at ${this.urlOf(req.project, env)} (${stable ? req.environment.strategy.kind : 'first release'})`);
        rollout = await driver.create(release, stable, { strategy: req.environment.strategy, bakeMs: req.environment.bakeMs }, req.run.id);
      }
      req.onRelease?.(rollout.release);
      const done = await driver.drive(rollout.id, { signal: req.signal, until: (r) => r.phase === 'ready' });
      return this.outcome(done);
    } finally {
      await this.unlock(req.project, env, req.run.id);
    }
  }

  /** Preview groups are optional (the default `[previews]` may not exist). */
  private async existingGroups(groups: readonly string[]): Promise<string[]> {
    const known = new Set(await this.deps.secrets.groups());
    return groups.filter((g) => known.has(g));
  }

  /** The blue/green switch stage: all traffic to green in one verified step. */
  async switchRun(req: DeployRequest): Promise<StageResult> {
    const env = req.environment.name;
    const rollout = (await this.deps.store.listRollouts({ runId: req.run.id })).find((r) => r.environment === env);
    if (!rollout) return { state: 'failed', reason: `no rollout of run #${req.run.number} to ${env}` };
    req.onRelease?.(rollout.release);
    if (!(await this.lock(req.project, env, req.run.id, req.signal))) return { state: 'cancelled', reason: 'cancelled while waiting for the deploy lock' };
    try {
      if (!terminalRollout.has(rollout.state) && rollout.phase === 'ready') await this.deps.store.updateRollout(rollout.id, { promoteRequested: 'full' });
      return this.outcome(await this.driver(req.log, req.commit ? { commit: req.commit } : {}).drive(rollout.id, { signal: req.signal }));
    } finally {
      await this.unlock(req.project, env, req.run.id);
    }
  }

  /** True while the run's blue/green rollout to the environment waits for its switch. */
  async hasPendingSwitch(runId: string, environment: string): Promise<boolean> {
    const r = (await this.deps.store.listRollouts({ runId })).find((x) => x.environment === environment);
    return r !== undefined && r.phase === 'ready' && !terminalRollout.has(r.state);
  }

  /** A run that stopped (failed verify, cancel) takes its unfinished rollouts down with it; `failed`: the change failed (a failed verify). */
  async abandonRun(runId: string, reason: string, failed: boolean): Promise<void> {
    for (const r of await this.deps.store.listRollouts({ runId, states: ['progressing', 'paused'] })) {
      await this.deps.store.updateRollout(r.id, abortRequest(reason, failed ? 'run' : 'server'));
      await this.driver(this.logTo(r.project, r.environment)).drive(r.id);
    }
  }

  private async abortOthers(project: string, environment: string, reason: string, log: (line: string) => void): Promise<void> {
    for (const r of await this.deps.store.listRollouts({ states: ['progressing', 'paused'] })) {
      if (r.project !== project || r.environment !== environment) continue;
      await this.deps.store.updateRollout(r.id, abortRequest(reason, 'server'));
      await this.driver(log).drive(r.id);
    }
  }

  /**
   * `sluice redeploy`: the live release again, as a new release, with the current versions of
   * its secret groups. Changing a secret never redeploys by itself; this is how a person asks.
   */
  async redeploy(project: string, environment: string, actor: string): Promise<Release> {
    const { store } = this.deps;
    const env = await store.getEnvironment(project, environment);
    if (!env || env.currentRelease === null) throw new InvalidInputError(`${project}/${environment} has no live release to redeploy`);
    const live = (await store.getRelease(project, environment, env.currentRelease))!;
    const old = parseReleaseConfig(live.configJson);
    // New versions of the groups: only while they are still granted (a rollback reuses exact versions and is not checked).
    await this.deps.secrets.assertGranted(project, old.secretGroups ?? []);
    const config = { ...old, secretRefs: await this.deps.secrets.snapshot(old.secretGroups ?? []) };
    checkReferences(config);
    return this.replaceWith(project, environment, { ...live, configJson: JSON.stringify(config) }, `redeploy by ${actor}`, null, `token:${actor}`);
  }

  /** Puts an earlier release back, without rebuilding, as a new release. */
  async rollback(project: string, environment: string, to: number | undefined, actor: string, opts: RollbackOptions = {}): Promise<Release> {
    const { store } = this.deps;
    const env = await store.getEnvironment(project, environment);
    if (!env) throw new NotFoundError('environment', `${project}/${environment}`);
    if (env.currentRelease === null) throw new InvalidInputError(`${project}/${environment} has no release to roll back from`);
    const releases = await store.listReleases(project, environment);
    const target =
      to === undefined
        ? releases.find((r) => r.number < env.currentRelease! && r.state !== 'failed' && r.state !== 'deploying')
        : releases.find((r) => r.number === to);
    if (!target) throw new NotFoundError('release', to === undefined ? `before ${env.currentRelease} in ${project}/${environment}` : `${project}/${environment}#${to}`);
    if (target.number === env.currentRelease) throw new ConflictError(`release ${target.number} is already live in ${project}/${environment}`);
    if (target.state === 'failed' || target.state === 'deploying') throw new InvalidInputError(`release ${target.number} never went live (${target.state}); choose another with --to`);
    if (!(await this.deps.artifactExists(target.artifactDigest))) throw new InvalidInputError(`artifact ${target.artifactDigest} of release ${target.number} is no longer in the artifact store`);
    const reason = `rollback to release ${target.number} by ${actor}${opts.reason ? `: ${opts.reason}` : ''}`;
    const cause = opts.cause ?? `token:${actor}`;
    const replaced = env.currentRelease;
    const release = (await this.isWarm(project, environment, target)) ? await this.switchBack(project, environment, target, reason, cause) : await this.replaceWith(project, environment, target, reason, 'rollback', cause);
    if (opts.failReplaced && opts.reason) await store.updateRelease(project, environment, replaced, { state: 'failed', reason: opts.reason });
    return release;
  }

  /** True when every instance of the release still runs and is ready (blue/green's warm window). */
  private async isWarm(project: string, environment: string, release: Release): Promise<boolean> {
    const config = parseReleaseConfig(release.configJson);
    const generation = String(generationOf(release, config));
    const expected = config.services.reduce((n, s) => n + s.instances, 0);
    const ready = (await this.deps.runtime.listInstances()).filter(
      (i) => i.labels.project === project && i.labels.environment === environment && i.labels.release === generation && i.labels.role !== 'baseline' && i.state === 'ready',
    );
    return expected > 0 && ready.length >= expected;
  }

  /** A rollback inside the warm window: one verified switch back to the running instances, no restart. */
  private async switchBack(project: string, environment: string, target: Release, reason: string, cause: string): Promise<Release> {
    const { store, clock } = this.deps;
    const holder = `switch-back-${clock.now().getTime()}`;
    if (!(await this.lock(project, environment, holder))) throw new ConflictError(`could not lock ${project}/${environment}`);
    try {
      const log = this.logTo(project, environment);
      await this.abortOthers(project, environment, reason, log);
      const config = parseReleaseConfig(target.configJson);
      await this.deps.domains?.claim(project, environment, config, log);
      const generation = generationOf(target, config);
      const currentNumber = (await store.getEnvironment(project, environment))?.currentRelease ?? null;
      const release = await store.createRelease({
        project,
        environment,
        runId: null,
        runNumber: target.runNumber,
        commitSha: target.commitSha,
        artifactDigest: target.artifactDigest,
        image: target.image,
        configJson: JSON.stringify({ ...config, servedBy: generation }),
        state: 'deploying',
        reason: `${reason} (switched back to its running instances)`,
        rolledBackFrom: currentNumber,
        createdAt: clock.now().toISOString(),
      });
      const emit = this.emitter({ origin: target, cause });
      await emit?.(rollbackEvent(release, target, currentNumber, reason, cause, clock.now().toISOString()));
      const rollDeps = this.driver(log);
      await rollDeps.switchTo({ project, environment, number: generation, artifactDigest: target.artifactDigest, config });
      // Domains the release switched away from has and the one switched back to has not: out of the routes.
      const from = currentNumber === null ? undefined : await store.getRelease(project, environment, currentNumber);
      const keep = new Set(domainNamesOf(config));
      for (const host of from ? domainNamesOf(parseReleaseConfig(from.configJson)) : []) if (!keep.has(host)) await this.deps.router.removeRoute(host);
      if (currentNumber !== null) await store.updateRelease(project, environment, currentNumber, { state: 'previous' });
      await store.updateRelease(project, environment, release.number, { state: 'live' });
      await store.updateEnvironment(project, environment, { currentRelease: release.number, desiredRelease: release.number, state: 'healthy', reason: null, updatedAt: clock.now().toISOString() });
      for (const r of await store.listRollouts({ states: ['promoted'] })) {
        if (r.project === project && r.environment === environment && r.scaleDownAt) await store.updateRollout(r.id, { scaleDownAt: null });
      }
      log(`switched back to release ${target.number}'s running instances as release ${release.number}`);
      await flagsGoLive({ flags: this.deps.flags, log }, release, config);
      await emit?.({
        kind: 'release.live', release, at: clock.now().toISOString(), summary: `${environment}: release ${release.number} (release ${target.number} switched back) is live`,
        facts: { strategy: 'switchBack', previous: currentNumber, bakeSeconds: 0, ...(currentNumber !== null ? { rollbackOf: currentNumber } : {}) },
      });
      return (await store.getRelease(project, environment, release.number)) ?? release;
    } finally {
      await this.unlock(project, environment, holder);
    }
  }

  /** A new release made of an existing one (its artifact and configuration), rolled out in place of the live one. */
  private async replaceWith(project: string, environment: string, source: Release, reason: string, kind: 'rollback' | null, cause = 'server'): Promise<Release> {
    const { store, clock } = this.deps;
    const holder = `replace-${clock.now().getTime()}`;
    if (!(await this.lock(project, environment, holder))) throw new ConflictError(`could not lock ${project}/${environment}`);
    try {
      const log = this.logTo(project, environment);
      await this.abortOthers(project, environment, reason, log);
      await this.deps.domains?.claim(project, environment, parseReleaseConfig(source.configJson), log);
      const currentNumber = (await store.getEnvironment(project, environment))?.currentRelease ?? null;
      const current = currentNumber === null ? null : ((await store.getRelease(project, environment, currentNumber)) ?? null);
      const release = await store.createRelease({
        project,
        environment,
        runId: null,
        runNumber: source.runNumber,
        commitSha: source.commitSha,
        artifactDigest: source.artifactDigest,
        image: source.image,
        configJson: withOwnInstances(source.configJson),
        state: 'deploying',
        reason,
        rolledBackFrom: kind === 'rollback' ? currentNumber : null,
        createdAt: clock.now().toISOString(),
      });
      await store.updateEnvironment(project, environment, { desiredRelease: release.number, state: 'progressing', updatedAt: clock.now().toISOString() });
      const driver = this.driver(log, { origin: source, cause });
      if (kind === 'rollback') await this.emitter({ origin: source, cause })?.(rollbackEvent(release, source, currentNumber, reason, cause, clock.now().toISOString()));
      const rollout = await driver.create(release, current, { strategy: { kind: 'rolling', maxSurge: 1, maxUnavailable: 0 }, bakeMs: 0 }, null);
      const done = await driver.drive(rollout.id);
      if (done.state !== 'promoted') throw new ConflictError(done.reason ?? 'the new release did not go live');
      return (await store.getRelease(project, environment, release.number)) ?? release;
    } finally {
      await this.unlock(project, environment, holder);
    }
  }

  /** Takes an environment down (a preview): rollouts aborted, routes removed, instances stopped. */
  async teardown(project: string, environment: string, reason: string): Promise<void> {
    const { store, clock } = this.deps;
    const log = this.logTo(project, environment);
    const holder = `teardown-${clock.now().getTime()}`;
    if (!(await this.lock(project, environment, holder))) return;
    try {
      await this.abortOthers(project, environment, reason, log);
      const services = new Set<string>();
      const domains = new Set<string>();
      for (const r of await store.listReleases(project, environment)) {
        const config = parseReleaseConfig(r.configJson);
        for (const svc of config.services) services.add(svc.name);
        for (const d of domainNamesOf(config)) domains.add(d);
      }
      const instances = (await this.deps.runtime.listInstances()).filter((i) => i.labels.project === project && i.labels.environment === environment);
      for (const i of instances) services.add(i.labels.service ?? '');
      const hosts = [...services].filter(Boolean).flatMap((svc, i) => hostsOf(this.deps.config, project, environment, svc, i === 0));
      hosts.push(`${environment}.${project}.${this.deps.config.baseDomain}`);
      for (const host of new Set([...hosts, ...hosts.map((h) => `next.${h}`), ...domains])) await this.deps.router.removeRoute(host);
      await this.deps.domains?.release(project, environment);
      await Promise.all(instances.map((i) => this.deps.runtime.stopInstance(i.id)));
      await this.deps.flags?.withdraw(project, environment).catch((error: unknown) => log(`warning: flags of ${environment} not withdrawn: ${errorMessage(error)}`));
      await store.updateEnvironment(project, environment, { currentRelease: null, desiredRelease: null, state: 'removed', reason, updatedAt: clock.now().toISOString() });
      log(`removed: ${reason}`);
    } finally {
      await this.unlock(project, environment, holder);
    }
  }

  /** Every environment of a project with its URL, state and live release. */
  status(project: string): Promise<ProjectStatus> {
    return projectStatus(this.deps, project, (environment) => this.urlOf(project, environment));
  }

  /** After a crash: finish rollouts no run drives (rollbacks), and stop blue instances past their window. */
  async resumeUnfinished(): Promise<void> {
    for (const r of await this.deps.store.listRollouts({ states: ['progressing', 'paused'] })) {
      if (r.runId !== null) continue; // a run's rollout is resumed with its run
      const holder = `resume-${r.id}`;
      if (!(await this.lock(r.project, r.environment, holder))) continue;
      try {
        await this.driver(this.logTo(r.project, r.environment)).drive(r.id);
      } finally {
        await this.unlock(r.project, r.environment, holder);
      }
    }
  }

  /** Release retention: the digests of the kept releases; unpacked files of the others that no instance uses are removed. */
  async retainReleases(): Promise<ReleaseRetention> {
    const retention = await retainReleases(this.deps, this.deps.config.keepReleases);
    if (retention.removed.length) this.deps.logger.info(`release retention removed the files of ${retention.removed.length} release(s)`);
    return retention;
  }

  async housekeeping(): Promise<void> {
    await this.driver((line) => this.deps.logger.info(line)).scaleDownDue();
  }
}

/** The `rollback` event: from the live release, to the one put back, as the new release. */
function rollbackEvent(release: Release, target: Release, from: number | null, reason: string, cause: string, at: string): ReleaseEventInput {
  return {
    kind: 'rollback',
    release,
    origin: target,
    at,
    cause,
    summary: `${release.environment}: release ${from ?? '(none)'} rolled back to ${target.number} as release ${release.number} (${reason})`,
    facts: { from, to: target.number, release: release.number, reason, automatic: !cause.startsWith('token:'), ...(cause.startsWith('token:') ? { by: cause.slice('token:'.length) } : {}) },
  };
}
