// What a flag rollout works with: its records, the flag service (every change versioned,
// audited, published), the router's per-variant figures, time, a log and the event log.
import type { NewPlatformEvent } from '../../events/platform-event.ts';
import type { FlagRolloutRecords } from '../../flags/flag-rollout-records.ts';
import type { Clock } from '../clock.ts';
import type { FlagFigures } from './flag-figures.ts';
import type { FlagService } from './flag-service.ts';

export interface FlagRolloutDeps {
  store: FlagRolloutRecords;
  flags: Pick<FlagService, 'set' | 'restoreOverride' | 'republish'>;
  figures: FlagFigures;
  clock: Clock;
  log: (line: string) => void;
  /** rollout.promoted / rollout.aborted; never throws (EventLog.emit). Absent: none. */
  events?: { emit(event: NewPlatformEvent): Promise<unknown> };
  /**
   * Why no request can be told apart by variant here (the Gateway router counts none): starts
   * are refused with it, and a rollout found active (started before) is aborted (decision 0056).
   */
  unattributed?: string;
}

/** What a refused start and an aborted rollout say when variants cannot be counted. */
export const unattributedReason = (why: string): string => `flag rollouts cannot run on this server: ${why}`;
