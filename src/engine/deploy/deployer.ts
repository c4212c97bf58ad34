// Moves environments between releases. Deploys to one environment are serialized by a lease
// in the store; an older run that reaches the gate after a newer one is superseded there, so
// an environment never goes back in time by accident. Rollbacks create a release too.
import type { Router } from '../../router/router.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import type { EnvironmentSpec, Spec } from '../../spec/spec.ts';
import type { Release, Run } from '../../store/records.ts';
import type { Store } from '../../store/store.ts';
import { ConflictError, InvalidInputError, NotFoundError, errorMessage } from '../../errors.ts';
import { isoAfter, type Clock } from '../clock.ts';
import type { EngineConfig } from '../engine-config.ts';
import type { Logger } from '../logger.ts';
import type { StageResult } from '../run-context.ts';
import { hostsOf, urlOf } from './hosts.ts';
import { parseReleaseConfig, releaseConfigOf } from './release-config.ts';
import { removeRelease, rollingUpdate, type RolloutDeps } from './rolling-update.ts';

export interface DeployRequest {
  project: string;
  run: Run;
  spec: Spec;
  environment: EnvironmentSpec;
  signal: AbortSignal;
  log: (line: string) => void;
}

export interface EnvironmentStatus {
  name: string;
  url: string;
  state: string;
  release: { number: number; commit: string; artifact: string; createdAt: string } | null;
  reason?: string;
}

export interface DeployerDeps {
  store: Store;
  runtime: Runtime;
  router: Router;
  clock: Clock;
  config: EngineConfig;
  logger: Logger;
  artifactExists(digest: string): Promise<boolean>;
}

export class Deployer {
  constructor(private readonly deps: DeployerDeps) {}

  urlOf(project: string, environment: string): string {
    return urlOf(this.deps.config, project, environment);
  }

  private rolloutDeps(log: (line: string) => void): RolloutDeps {
    return {
      runtime: this.deps.runtime,
      router: this.deps.router,
      hostsOf: (p, e, s, first) => hostsOf(this.deps.config, p, e, s, first),
      log,
    };
  }

  /** Waits for the environment's deploy lease; false when the signal ends the wait. */
  private async lock(project: string, environment: string, signal?: AbortSignal): Promise<boolean> {
    const { store, clock, config } = this.deps;
    await store.ensureEnvironment(project, environment, clock.now().toISOString());
    for (;;) {
      if (signal?.aborted) return false;
      if (await store.lockEnvironment(project, environment, config.owner, isoAfter(clock, config.leaseMs), clock.now().toISOString())) return true;
      await clock.sleep(250, signal);
    }
  }

  async deployRun(req: DeployRequest): Promise<StageResult> {
    const { store, clock, config } = this.deps;
    const env = req.environment.name;
    if (!(await this.lock(req.project, env, req.signal))) return { state: 'cancelled', reason: 'cancelled while waiting for the deploy lock' };
    try {
      const record = await store.getEnvironment(req.project, env);
      if (record?.lastRunNumber != null && record.lastRunNumber > req.run.number) {
        return { state: 'superseded', reason: `a newer run (#${record.lastRunNumber}) already deployed to ${env}` };
      }
      const digest = req.run.artifactDigest;
      if (!digest) return { state: 'failed', reason: 'the run has no artifact' };
      if (!(await this.deps.artifactExists(digest))) return { state: 'failed', reason: `artifact ${digest} is missing from the artifact store` };
      const releases = await store.listReleases(req.project, env);
      const release =
        releases.find((r) => r.runId === req.run.id && r.state === 'deploying') ??
        (await store.createRelease({
          project: req.project,
          environment: env,
          runId: req.run.id,
          runNumber: req.run.number,
          commitSha: req.run.commitSha,
          artifactDigest: digest,
          configJson: JSON.stringify(releaseConfigOf(req.spec, req.environment)),
          state: 'deploying',
          reason: null,
          rolledBackFrom: null,
          createdAt: clock.now().toISOString(),
        }));
      await store.updateEnvironment(req.project, env, { desiredRelease: release.number, lastRunNumber: req.run.number, state: 'progressing', updatedAt: clock.now().toISOString() });
      req.log(`deploying release ${release.number} (${release.commitSha.slice(0, 12)}) to ${env} at ${this.urlOf(req.project, env)}`);
      const failure = await this.converge(release, record?.currentRelease ?? null, req.log);
      if (failure) return { state: 'failed', reason: failure };
      req.log(`${env} runs release ${release.number}`);
      return { state: 'succeeded' };
    } finally {
      await store.unlockEnvironment(req.project, env, config.owner);
    }
  }

  /** Rolls the environment to `release`; on failure puts `previous` back and returns the reason. */
  private async converge(release: Release, previous: number | null, log: (line: string) => void): Promise<string | null> {
    const { store, clock } = this.deps;
    const { project, environment } = release;
    const rollout = this.rolloutDeps(log);
    try {
      await rollingUpdate(rollout, { project, environment, release: release.number, artifactDigest: release.artifactDigest, config: parseReleaseConfig(release.configJson) });
    } catch (error) {
      const reason = `rollout of release ${release.number} to ${environment} stopped: ${errorMessage(error)}`;
      log(reason);
      await store.updateRelease(project, environment, release.number, { state: 'failed', reason });
      const prev = previous === null ? undefined : await store.getRelease(project, environment, previous);
      if (prev) {
        log(`putting release ${prev.number} back in full`);
        try {
          await rollingUpdate(rollout, { project, environment, release: prev.number, artifactDigest: prev.artifactDigest, config: parseReleaseConfig(prev.configJson) });
        } catch (restoreError) {
          this.deps.logger.error(`restoring release ${prev.number} of ${project}/${environment} failed`, restoreError);
        }
      } else {
        await removeRelease(rollout, { project, environment, release: release.number });
      }
      await store.updateEnvironment(project, environment, { desiredRelease: previous, state: prev ? 'healthy' : 'empty', reason, updatedAt: clock.now().toISOString() });
      return reason;
    }
    if (previous !== null && previous !== release.number) await store.updateRelease(project, environment, previous, { state: 'previous' });
    await store.updateRelease(project, environment, release.number, { state: 'live' });
    await store.updateEnvironment(project, environment, { currentRelease: release.number, desiredRelease: release.number, state: 'healthy', reason: null, updatedAt: clock.now().toISOString() });
    return null;
  }

  /** Puts an earlier release back, without rebuilding, as a new release. */
  async rollback(project: string, environment: string, to: number | undefined, actor: string): Promise<Release> {
    const { store, clock, config } = this.deps;
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
    if (!(await this.lock(project, environment))) throw new ConflictError(`could not lock ${project}/${environment}`);
    try {
      const current = (await store.getEnvironment(project, environment))?.currentRelease ?? null;
      const release = await store.createRelease({
        project,
        environment,
        runId: null,
        runNumber: target.runNumber,
        commitSha: target.commitSha,
        artifactDigest: target.artifactDigest,
        configJson: target.configJson,
        state: 'deploying',
        reason: `rollback to release ${target.number} by ${actor}`,
        rolledBackFrom: current,
        createdAt: clock.now().toISOString(),
      });
      await store.updateEnvironment(project, environment, { desiredRelease: release.number, state: 'progressing', updatedAt: clock.now().toISOString() });
      const log = (line: string): void => this.deps.logger.info(`[${project}/${environment}] ${line}`);
      const failure = await this.converge(release, current, log);
      if (failure) throw new ConflictError(failure);
      return (await store.getRelease(project, environment, release.number)) ?? release;
    } finally {
      await store.unlockEnvironment(project, environment, config.owner);
    }
  }

  /** Every environment of a project with its URL, state and live release. */
  async status(project: string): Promise<{ project: string; environments: EnvironmentStatus[] }> {
    const { store } = this.deps;
    const envs = await store.listEnvironments(project);
    const instances = await this.deps.runtime.listInstances().catch(() => null);
    const out: EnvironmentStatus[] = [];
    for (const env of envs) {
      const release = env.currentRelease === null ? undefined : await store.getRelease(project, env.name, env.currentRelease);
      let state = env.currentRelease === null && env.state !== 'progressing' ? 'empty' : env.state;
      if (state === 'healthy' && release && instances) {
        const mine = instances.filter((i) => i.labels.project === project && i.labels.environment === env.name && i.labels.release === String(release.number));
        const expected = parseReleaseConfig(release.configJson).services.reduce((n, s) => n + s.instances, 0);
        if (mine.filter((i) => i.state === 'ready').length < expected) state = 'degraded';
      }
      out.push({
        name: env.name,
        url: this.urlOf(project, env.name),
        state,
        release: release ? { number: release.number, commit: release.commitSha, artifact: release.artifactDigest, createdAt: release.createdAt } : null,
        ...(env.reason ? { reason: env.reason } : {}),
      });
    }
    return { project, environments: out };
  }

  /** Log files of the environment's instances (the runtime keeps them), newest release first. */
  async instanceLogFiles(project: string, environment: string): Promise<string[]> {
    const instances = await this.deps.runtime.listInstances();
    return instances
      .filter((i) => i.labels.project === project && i.labels.environment === environment)
      .map((i) => this.deps.runtime.logFileOf(i.id))
      .filter((f): f is string => f !== null);
  }

  /** After a crash: finish any environment whose desired release is not yet its current one. */
  async resumeUnfinished(): Promise<void> {
    const { store } = this.deps;
    for (const env of await store.listEnvironments()) {
      if (env.desiredRelease === null || env.desiredRelease === env.currentRelease) continue;
      const release = await store.getRelease(env.project, env.name, env.desiredRelease);
      if (!release || release.runId !== null) continue; // a run's deploy is resumed with its run
      if (!(await this.lock(env.project, env.name))) continue;
      try {
        await this.converge(release, env.currentRelease, (line) => this.deps.logger.info(`[${env.project}/${env.name}] ${line}`));
      } finally {
        await store.unlockEnvironment(env.project, env.name, this.deps.config.owner);
      }
    }
  }
}
