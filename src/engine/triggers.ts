// Turns a commit into a queued run. When several commits land while a run is queued, only
// the newest is built: older queued runs of the same branch are superseded.
import { randomUUID } from 'node:crypto';
import type { Project, Run } from '../store/records.ts';
import type { CommitInfo, Source } from '../source/source.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from './clock.ts';

export interface TriggerDeps {
  store: Store;
  clock: Clock;
  sourceOf: (project: Project) => Source;
}

export interface EnqueueOptions {
  ref?: string;
  sha?: string;
  trigger: string;
  /**
   * A pull request's preview run: its number and head branch, the base-branch commit whose
   * `previews` settings apply, and whether the head comes from a fork.
   */
  preview?: { number: number; branch: string; configSha: string; fromFork: boolean };
  /** The token that asked for the run (manual triggers). */
  triggeredBy?: string | null;
}

export async function enqueueRun(deps: TriggerDeps, project: Project, opts: EnqueueOptions): Promise<Run> {
  const { store, clock } = deps;
  const source = deps.sourceOf(project);
  const ref = opts.ref ?? project.branch;
  let sha: string;
  let info: CommitInfo | null = null;
  if (opts.sha) {
    // commit() fetches only when the mirror lacks the commit: a burst of webhooks for commits
    // already fetched costs no fetch each. A webhook may name the commit by an abbreviated hash
    // (Bitbucket's 12 hex): runs, releases and the one-run-per-commit check key on the full SHA.
    info = await source.commit(opts.sha);
    sha = info.sha;
  } else sha = await source.resolve(ref);
  if (opts.trigger !== 'manual') {
    // The same commit already has a live run (a manual trigger, a webhook and the poller can all see it): one is enough.
    const active = await store.listRunsInState(['queued', 'running', 'waiting']);
    const twin = active.find((r) => r.project === project.name && r.commitSha === sha && r.preview === (opts.preview?.number ?? null));
    if (twin) return twin;
  }
  info ??= await source.commit(sha);
  const branch = opts.preview?.branch ?? (opts.ref && !/^[0-9a-f]{7,40}$/i.test(opts.ref) ? opts.ref.replace(/^refs\/heads\//, '') : project.branch);
  const run = await store.createRun({
    id: randomUUID(),
    project: project.name,
    commitSha: sha,
    branch,
    ref,
    author: info.author,
    message: info.message,
    trigger: opts.trigger,
    preview: opts.preview?.number ?? null,
    configSha: opts.preview?.configSha ?? null,
    fromFork: opts.preview?.fromFork ? 1 : 0,
    triggeredBy: opts.triggeredBy ?? null,
    state: 'queued',
    createdAt: clock.now().toISOString(),
  });
  if (opts.trigger !== 'manual') {
    // The check above and the insert are not atomic: if an older live run of this commit
    // appeared meanwhile (a webhook and the poller at once), this one steps aside.
    const twin = (await store.listRunsInState(['queued', 'running', 'waiting'])).find(
      (r) => r.project === project.name && r.commitSha === sha && r.preview === run.preview && r.number < run.number,
    );
    if (twin) {
      await store.updateRun(run.id, { state: 'superseded', reason: `run #${twin.number} already runs this commit`, finishedAt: clock.now().toISOString() }, ['queued']);
      return twin;
    }
  }
  for (const older of await store.listRunsInState(['queued'])) {
    if (older.project !== project.name || older.number >= run.number) continue;
    if (run.preview !== null ? older.preview !== run.preview : older.preview !== null || older.branch !== branch) continue;
    await store.updateRun(older.id, { state: 'superseded', reason: `superseded by run #${run.number} (${sha.slice(0, 12)})`, finishedAt: clock.now().toISOString() }, ['queued']);
  }
  return run;
}
