// Webhook events → runs and preview environments. A pull request that opens (or gets new
// commits) builds its head and deploys it to `pr-N`; one that closes is torn down. The
// reconciler compares previews with the known state of pull requests and removes orphans;
// previews idle for `previews.ttl` are removed too.
import type { EventLog } from '../../events/event-log.ts';
import type { VerifiedHook } from '../../hooks/hook-types.ts';
import type { Router } from '../../router/router.ts';
import type { Source } from '../../source/source.ts';
import type { Spec } from '../../spec/spec.ts';
import { SPEC_DEFAULTS } from '../../spec/spec.ts';
import type { Preview, Project, PullRequest, Run } from '../../store/records.ts';
import type { Store } from '../../store/store.ts';
import { errorMessage } from '../../errors.ts';
import type { Clock } from '../clock.ts';
import type { Deployer } from '../deploy/deployer.ts';
import type { Logger } from '../logger.ts';
import type { EnqueueOptions } from '../triggers.ts';
import { shouldRun } from './should-run.ts';
import { fetchPullRequestHead, headGone, listedRefs, type RefLookup } from './pull-request-head.ts';

export interface PreviewDeps {
  store: Store;
  clock: Clock;
  router: Router;
  deployer: Deployer;
  logger: Logger;
  sourceOf: (project: Project) => Source;
  enqueue: (project: Project, opts: EnqueueOptions) => Promise<Run>;
  /** Where preview.removed is recorded; absent: nowhere. */
  eventLog?: EventLog;
}

export interface HookOutcome {
  action: string;
  run?: { id: string; number: number };
}

export function previewName(number: number): string {
  return `pr-${number}`;
}

/** Specs remembered per commit; beyond this many the oldest is forgotten. */
const SPEC_CACHE_SIZE = 512;

export class Previews {
  /**
   * The spec at a commit never changes, so it is read once: housekeeping asks for it for every
   * idle preview every pass, and each read was a fetch plus git reads queued on the project's
   * one source lock, ahead of the runs' checkouts (with 200 previews, deploys stalled behind it).
   */
  private readonly specs = new Map<string, Spec | null>();
  /** The pass under way: a slow pass is not joined by the next timer tick. */
  private housekeepingPass: Promise<void> | null = null;

  private readonly deps: PreviewDeps;

  constructor(deps: PreviewDeps) {
    this.deps = deps;
  }

  private async specAt(project: Project, sha: string): Promise<Spec | null> {
    const key = `${project.name}\n${project.repo}\n${sha}`;
    if (this.specs.has(key)) return this.specs.get(key)!;
    let spec: Spec | null;
    try {
      // readFile fetches when the mirror lacks the commit, and only then.
      const text = await this.deps.sourceOf(project).readFile(sha, 'sluice.yaml');
      // The schema (zod, yaml) loads on the first spec read, not in an idle server.
      const { parseSpec } = await import('../../spec/parse-spec.ts');
      const parsed = text === null ? null : parseSpec(text);
      spec = parsed?.ok ? parsed.spec : null;
    } catch {
      return null; // not remembered: the commit may be fetchable later
    }
    if (/^[0-9a-f]{40}$/i.test(sha)) {
      // Only full SHAs: an abbreviated one could name another commit once the repository grows.
      if (this.specs.size >= SPEC_CACHE_SIZE) this.specs.delete(this.specs.keys().next().value!);
      this.specs.set(key, spec);
    }
    return spec;
  }

  async handle(project: Project, hook: VerifiedHook): Promise<HookOutcome> {
    const event = hook.event;
    const trigger = `webhook:${hook.host}`;
    if (event.kind === 'ignored') return { action: `ignored: ${event.reason}` };
    if (event.kind === 'push') {
      if (event.deleted) return { action: 'ignored: a deleted ref' };
      const tracked = event.branch === project.branch;
      // The head seen last, read now (not as the project was when the delivery arrived): the
      // same commit delivered again under another id (a second hook, another host, the poller
      // first) runs once, even after its first run has ended.
      const seen = tracked ? ((await this.deps.store.getProject(project.name))?.lastSeenSha ?? null) : null;
      if (seen !== null && seen.startsWith(event.after)) return { action: `ignored: ${event.after.slice(0, 12)} is already the known head of ${project.branch}` };
      const spec = await this.specAt(project, event.after);
      const decision = shouldRun(spec?.triggers ?? null, project.branch, event);
      if (!decision.run) {
        // Seen and not to run (e.g. no path matched): the poller must not run it either.
        if (tracked && /^[0-9a-f]{40}$/.test(event.after)) await this.deps.store.updateProject(project.name, { lastSeenSha: event.after });
        return { action: `ignored: ${decision.why}` };
      }
      const run = await this.deps.enqueue(project, { sha: event.after, trigger, ref: event.tag ?? event.branch ?? undefined });
      if (tracked) await this.deps.store.updateProject(project.name, { lastSeenSha: run.commitSha });
      return { action: `run #${run.number} queued (${decision.why})`, run: { id: run.id, number: run.number } };
    }
    const { store, clock } = this.deps;
    const now = clock.now().toISOString();
    const open = event.action !== 'closed' && event.action !== 'merged';
    const known = await store.getPullRequest(project.name, event.number);
    const pr: PullRequest = {
      project: project.name,
      number: event.number,
      state: open ? 'open' : 'closed',
      headSha: event.headSha,
      headRef: event.headRef,
      fromFork: event.fromFork ? 1 : 0,
      updatedAt: now,
      host: hook.host,
      baseRef: event.baseRef,
      headRepo: event.headRepo,
      baseRepo: event.baseRepo,
    };
    await store.upsertPullRequest(pr);
    if (!open) {
      await this.teardown(project.name, event.number, `pull request #${event.number} ${event.action}`);
      return { action: `preview ${previewName(event.number)} removed` };
    }
    if (known?.state === 'open' && known.headSha === event.headSha && event.action === 'updated') return { action: 'ignored: head unchanged' };
    return this.deploy(project, pr, trigger);
  }

  /**
   * Queues the preview run of a pull request's head. The `previews` settings come from the base
   * branch's sluice.yaml (its newest commit, pinned on the run), never from the head's; the head
   * is fetched through the host's pull request ref (a fork's branch is not in the base repository).
   */
  private async deploy(project: Project, pr: PullRequest, trigger: string): Promise<HookOutcome> {
    const source = this.deps.sourceOf(project);
    const baseRef = pr.baseRef ?? project.branch;
    let baseSha: string;
    try {
      baseSha = await source.resolve(baseRef);
    } catch (error) {
      return { action: `ignored: the base branch ${baseRef} cannot be read: ${errorMessage(error)}` };
    }
    const base = await this.specAt(project, baseSha);
    if (!base) return { action: `ignored: the base branch ${baseRef} has no valid sluice.yaml (at ${baseSha.slice(0, 12)}), which decides previews` };
    if (!base.previews.pullRequests) return { action: `ignored: previews.pullRequests is off on the base branch ${baseRef}` };
    try {
      await fetchPullRequestHead(source, project, pr);
    } catch (error) {
      return { action: `ignored: the head of pull request #${pr.number} cannot be fetched: ${errorMessage(error)}` };
    }
    const { store, clock } = this.deps;
    const now = clock.now().toISOString();
    const number = pr.number;
    const existing = await store.getPreview(project.name, number);
    await store.upsertPreview({
      project: project.name,
      number,
      headSha: pr.headSha,
      headRef: pr.headRef,
      state: 'active',
      reason: null,
      createdAt: existing?.state === 'active' ? existing.createdAt : now,
      updatedAt: now,
      lastRequestAt: existing?.lastRequestAt ?? null,
      requestsSeen: existing?.requestsSeen ?? 0,
      configSha: baseSha,
    });
    const fromFork = pr.fromFork === 1;
    const run = await this.deps.enqueue(project, { sha: pr.headSha, trigger, preview: { number, branch: pr.headRef, configSha: baseSha, fromFork } });
    const waits = fromFork ? ', waiting for a deployer to approve it (a fork)' : '';
    return { action: `preview ${previewName(number)}: run #${run.number} queued${waits}`, run: { id: run.id, number: run.number } };
  }

  async teardown(project: string, number: number, reason: string): Promise<void> {
    const { store, clock } = this.deps;
    // Queued or running preview runs of this pull request have nothing left to deploy to.
    for (const r of await store.listRunsInState(['queued', 'waiting'])) {
      if (r.project === project && r.preview === number) {
        await store.updateRun(r.id, { state: 'cancelled', reason, finishedAt: clock.now().toISOString() }, ['queued', 'waiting']);
      }
    }
    for (const r of await store.listRunsInState(['running'])) {
      if (r.project === project && r.preview === number) await store.updateRun(r.id, { cancelRequested: 1, reason }, ['running']);
    }
    const preview = await store.getPreview(project, number);
    // Whatever the preview's record says: a run that was already deploying when an earlier
    // teardown asked it to stop may have finished its deploy afterwards.
    if (await this.environmentUp(project, number)) await this.deps.deployer.teardown(project, previewName(number), reason);
    if (preview && preview.state !== 'removed') {
      await store.updatePreview(project, number, { state: 'removed', reason, updatedAt: clock.now().toISOString() });
      const environment = previewName(number);
      await this.deps.eventLog?.emit({ kind: 'preview.removed', project, environment, release: null, run: null, commit: null, cause: 'server', summary: `preview ${environment} removed: ${reason}`, facts: { pullRequest: number, reason } });
    }
  }

  private async environmentUp(project: string, number: number): Promise<boolean> {
    const env = await this.deps.store.getEnvironment(project, previewName(number));
    return env !== undefined && env.state !== 'removed';
  }

  /** Notices requests to previews (for `lastRequestAt`) and removes those idle beyond their TTL. */
  housekeeping(): Promise<void> {
    this.housekeepingPass ??= this.housekeepingOnce().finally(() => (this.housekeepingPass = null));
    return this.housekeepingPass;
  }

  private async housekeepingOnce(): Promise<void> {
    const { store, clock } = this.deps;
    const active = await store.listPreviews({ state: 'active' });
    if (!active.length) return;
    const metrics = await this.deps.router.metrics().catch(() => []);
    const now = clock.now();
    for (const p of active) {
      const prefix = `${previewName(p.number)}.${p.project}.`;
      const requests = metrics.filter((m) => m.host.startsWith(prefix) || m.host.includes(`.${prefix}`)).reduce((n, m) => n + m.requests, 0);
      if (requests !== p.requestsSeen) {
        await store.updatePreview(p.project, p.number, { requestsSeen: requests, lastRequestAt: now.toISOString() });
        continue;
      }
      const project = await store.getProject(p.project);
      // previews.ttl of the base branch the preview was deployed under (older records: the head's).
      const ttl = (project ? (await this.specAt(project, p.configSha ?? p.headSha))?.previews.ttlMs : undefined) ?? SPEC_DEFAULTS.previewTtlMs;
      const idleSince = Date.parse(p.lastRequestAt ?? p.updatedAt);
      if (now.getTime() - idleSince > ttl) await this.teardown(p.project, p.number, `idle for longer than previews.ttl (${Math.round(ttl / 1000)} s)`);
    }
  }

  /**
   * Previews against the known pull requests: a preview whose pull request is closed or whose
   * head branch is gone is removed; an open pull request without a preview gets one.
   */
  async reconcile(): Promise<{ removed: number; created: number }> {
    const { store } = this.deps;
    let removed = 0;
    let created = 0;
    const refsOf = new Map<string, RefLookup>();
    for (const pr of await store.listPullRequests()) {
      const project = await store.getProject(pr.project);
      if (!project) continue;
      const preview = await store.getPreview(pr.project, pr.number);
      let refs = refsOf.get(project.name);
      if (!refs) {
        refs = listedRefs(this.deps.sourceOf(project));
        refsOf.set(project.name, refs);
      }
      try {
        const gone = pr.state === 'open' ? await headGone(refs, project, pr) : null;
        if (pr.state === 'closed' || gone !== null) {
          // An environment still up behind a removed preview is an orphan too (see teardown).
          if (preview?.state === 'active' || (await this.environmentUp(pr.project, pr.number))) {
            await this.teardown(pr.project, pr.number, gone ?? `pull request #${pr.number} is closed`);
            removed++;
          }
        } else if (await this.missing(pr, preview)) {
          const outcome = await this.deploy(project, pr, 'reconcile');
          if (outcome.run) created++;
        }
      } catch (error) {
        this.deps.logger.warn(`reconciling preview pr-${pr.number} of ${pr.project}: ${errorMessage(error)}`);
      }
    }
    // Previews no pull request record explains (the record was lost): removed.
    for (const p of await store.listPreviews({ state: 'active' })) {
      if (!(await store.getPullRequest(p.project, p.number))) {
        await this.teardown(p.project, p.number, 'no known pull request');
        removed++;
      }
    }
    return { removed, created };
  }

  /**
   * Whether an open pull request lacks the preview of its head. A preview removed on purpose
   * (idle beyond previews.ttl) stays removed until the next push; one active on record whose
   * newest run of the head never deployed it (cancelled, superseded, none) is missing. A head
   * whose run failed is not rebuilt on every pass.
   */
  private async missing(pr: PullRequest, preview: Preview | undefined): Promise<boolean> {
    if (!preview || preview.headSha !== pr.headSha) return true;
    if (preview.state !== 'active') return false;
    const runs = (await this.deps.store.listRuns(pr.project, 500)).filter((r) => r.preview === pr.number && r.commitSha.startsWith(pr.headSha));
    const newest = runs[0];
    // A fork's run that a deployer rejected (or cancelled) stays so until new commits: queuing it
    // again would ask for approval every pass.
    if (newest?.state === 'cancelled' && newest.fromFork === 1) return false;
    return newest === undefined || newest.state === 'cancelled' || newest.state === 'superseded';
  }

  async list(project: string): Promise<Preview[]> {
    return (await this.deps.store.listPreviews({ project })).filter((p) => p.state === 'active');
  }
}
