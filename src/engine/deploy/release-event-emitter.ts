// Turns a rollout's ReleaseEventInput into a platform event: the release's run and commit are
// looked up here (the store, never git): the commit's time comes from the deploy request (read
// once from the mirror by the deploy stage) or, for a release put back, from the event of the
// release that first went live with that commit.
import type { EventLog } from '../../events/event-log.ts';
import type { EventCommit } from '../../events/platform-event.ts';
import type { Release, Run } from '../../store/records.ts';
import type { Store } from '../../store/store.ts';
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../logger.ts';
import type { EmitReleaseEvent, ReleaseEventInput } from '../rollout/release-event.ts';

export interface ReleaseEventDeps {
  eventLog: Pick<EventLog, 'emit' | 'list'>;
  store: Pick<Store, 'getRun' | 'getRunByNumber'>;
  logger: Pick<Logger, 'error'>;
}

/** What the work driving a rollout knows: its commit (with the committer time), the release it puts back, its cause. */
export interface ReleaseEventContext {
  commit?: EventCommit;
  origin?: Release;
  cause?: string;
}

export function releaseEventEmitter(deps: ReleaseEventDeps, context: ReleaseEventContext = {}): EmitReleaseEvent {
  return async (input) => {
    const e = { ...input, origin: input.origin ?? context.origin };
    try {
      const r = e.release;
      const run = r.runId !== null ? await deps.store.getRun(r.runId) : r.runNumber !== null ? await deps.store.getRunByNumber(r.project, r.runNumber) : undefined;
      await deps.eventLog.emit({
        kind: e.kind,
        at: e.at,
        project: r.project,
        environment: r.environment,
        release: r.number,
        run: run ? { id: run.id, number: run.number } : null,
        commit: await commitOf(deps, e, run, context.commit),
        cause: e.cause ?? context.cause ?? (r.runId !== null && run ? causeOfRun(run) : 'server'),
        summary: e.summary,
        facts: e.facts,
      });
    } catch (error) {
      deps.logger.error(`event ${e.kind} of ${e.release.project}/${e.release.environment}#${e.release.number} not recorded: ${errorMessage(error)}`);
    }
  };
}

async function commitOf(deps: ReleaseEventDeps, e: ReleaseEventInput, run: Run | undefined, known: EventCommit | undefined): Promise<EventCommit> {
  const sha = e.release.commitSha;
  if (known?.sha === sha) return known;
  const origin = e.origin ?? e.release;
  // The first events after the origin's creation: its own release.live is among them.
  const earlier = await deps.eventLog.list({ project: origin.project, environment: origin.environment, kinds: ['release.live'], since: origin.createdAt, limit: 200 });
  const found = earlier.find((x) => x.commit?.sha === sha && x.commit.committedAt !== null)?.commit;
  if (found) return found;
  return { sha, message: run?.message ?? '', author: run?.author ?? '', committedAt: null };
}

/** Who started a run: a person's token, a webhook, or a commit the poller saw. */
export function causeOfRun(run: Pick<Run, 'trigger' | 'triggeredBy'>): string {
  if (run.triggeredBy) return `token:${run.triggeredBy}`;
  return run.trigger.startsWith('webhook') ? 'webhook' : 'commit';
}
