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

