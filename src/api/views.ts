// The JSON shapes of DESIGN.md's contract, made from store records.
import type { RunDetail } from '../engine/engine.ts';
import type { Project, Release, Rollout } from '../store/records.ts';
import { configChanges, parseReleaseConfig } from '../engine/deploy/release-config.ts';

export function runView({ run, stages, steps }: RunDetail, withSteps: boolean): Record<string, unknown> {
  return {
    id: run.id,
    number: run.number,
    project: run.project,
    commit: run.commitSha,
    branch: run.branch,
    ref: run.ref,
    author: run.author,
    message: run.message,
    state: run.state,
    trigger: run.trigger,
    ...(run.reason ? { reason: run.reason } : {}),
    artifact: run.artifactDigest,
    ...(run.image ? { image: run.image } : {}),
    attempt: run.attempt + 1,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    ...(run.triggeredBy ? { triggeredBy: run.triggeredBy } : {}),
    ...(run.approvedBy ? { approvedBy: run.approvedBy, approvedAt: run.approvedAt } : {}),
    ...(run.preview !== null ? { pullRequest: run.preview, fromFork: run.fromFork === 1 } : {}),
    stages: stages.map((s) => ({
      name: s.name,
      state: s.state,
      startedAt: s.startedAt,
      finishedAt: s.finishedAt,
      ...(s.reason ? { reason: s.reason } : {}),
      ...(withSteps
        ? {
            steps: steps
              .filter((st) => st.stageId === s.id)
              .sort((a, b) => a.idx - b.idx)
              .map((st) => ({ name: st.name, state: st.state, exitCode: st.exitCode, startedAt: st.startedAt, finishedAt: st.finishedAt, ...(st.reason ? { reason: st.reason } : {}) })),
          }
        : {}),
    })),
  };
}

/** `withSecret`: the webhook secret itself (admins, at creation and rotation); otherwise only that it is set. */
export function projectView(p: Project, apiBase: string, withSecret: boolean): Record<string, unknown> {
  const hook = (host: string): string => `${apiBase}/hooks/${host}/${p.name}`;
  return {
    name: p.name,
    repo: p.repo,
    branch: p.branch,
    createdAt: p.createdAt,
    webhooks: { ...(withSecret ? { secret: p.webhookSecret } : {}), secretSet: p.webhookSecret !== '', urls: { github: hook('github'), gitlab: hook('gitlab'), bitbucket: hook('bitbucket'), gitea: hook('gitea') } },
  };
}

/** A release, with what changed in its configuration since the release before it (never secret values). */
export function releaseView(r: Release, previous?: Release): Record<string, unknown> {
  const config = parseReleaseConfig(r.configJson);
  return {
    number: r.number,
    commit: r.commitSha,
    artifact: r.artifactDigest,
    ...(r.image ? { image: r.image } : {}),
    createdAt: r.createdAt,
    state: r.state,
    ...(r.rolledBackFrom !== null ? { rolledBackFrom: r.rolledBackFrom } : {}),
    ...(r.runNumber !== null ? { run: r.runNumber } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
    config,
    changes: { ...configChanges(previous ? parseReleaseConfig(previous.configJson) : null, config), commits: { from: previous?.commitSha ?? null, to: r.commitSha } },
  };
}

export function rolloutView(r: Rollout): Record<string, unknown> {
  const plan = JSON.parse(r.strategyJson) as { strategy: { kind: string; steps?: unknown[] }; bakeMs: number };
  return {
    strategy: plan.strategy.kind,
    state: r.state,
    phase: r.phase,
    step: r.step,
    stepStartedAt: r.stepStartedAt,
    ...(plan.strategy.steps ? { steps: plan.strategy.steps } : {}),
    release: r.release,
    stable: r.stable,
    weights: JSON.parse(r.weightsJson) as unknown,
    decisions: JSON.parse(r.decisionsJson) as unknown,
    ...(r.reason ? { reason: r.reason } : {}),
    ...(r.abortRequested ? { abortRequested: r.abortRequested } : {}),
    ...(r.bakeUntil ? { bakeUntil: r.bakeUntil } : {}),
    bakeMs: plan.bakeMs,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    finishedAt: r.finishedAt,
  };
}
