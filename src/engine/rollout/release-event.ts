// What a rollout tells the platform's event log (notifications, DORA): the kinds it emits and
// the release each is about. The port is a function that never throws: an event that cannot
// be recorded is logged, and the rollout goes on (an event must never fail or block a deploy).
import type { Release } from '../../store/records.ts';

export type ReleaseEventKind = 'release.live' | 'rollout.promoted' | 'rollout.aborted' | 'rollback';

export interface ReleaseEventInput {
  kind: ReleaseEventKind;
  /** The release the event is about: its run and commit go into the event. */
  release: Release;
  /** When it happened (taken before any lookup, so events keep the order they happened in). */
  at: string;
  /** `token:NAME`, `analysis`, `alert:NAME`, `commit`, `webhook`, `server`; absent: the driving work's (a run's trigger). */
  cause?: string;
  summary: string;
  facts: Record<string, unknown>;
  /** A release that went live earlier with the same commit (a rollback's target): its event has the commit's time. */
  origin?: Release;
}

export type EmitReleaseEvent = (event: ReleaseEventInput) => Promise<void>;

/**
 * Who or what ended a rollout early, from the rollout's `abortRequested` (null: its own checks),
 * and whether the abort judged the change (a failure for DORA) or only made way for other work
 * (a newer run, a rollback or redeploy, a cancelled run, a removed preview).
 */
export function abortCause(abortRequested: string | null): { cause: string; failure: boolean } {
  if (abortRequested === null) return { cause: 'analysis', failure: true };
  const person = /^aborted by (.+)$/.exec(abortRequested);
  if (person) return { cause: `token:${person[1]!}`, failure: true };
  // A run that failed after its deploy (a failed verify) takes its rollout down: the change failed.
  if (/^run #\d+ failed\b/.test(abortRequested)) return { cause: 'run', failure: true };
  return { cause: 'server', failure: false };
}
