// What the dashboard is told changed: small notes, not the state itself. A page that shows the
// thing re-reads it through the ordinary API (the one source of truth and of permission checks);
// only traffic samples carry their figures, because they exist nowhere else.
export const LIVE_KINDS = ['project', 'run', 'environment', 'flag', 'event', 'traffic'] as const;
export type LiveKind = (typeof LIVE_KINDS)[number];

export interface TrafficSample {
  /** ISO time of the sample (the end of its interval). */
  at: string;
  /** Requests per second over the interval. */
  rps: number;
  /** 5xx answers / all answers over the interval; null when there were none. */
  errorRate: number | null;
}

interface Base {
  /** Process-local order; the stream's event id is `BOOT:SEQ`. */
  seq: number;
  at: string;
  project: string;
}

export type LiveChange =
  | (Base & { kind: 'project' })
  /** A run, or one of its stages or steps, was created or changed. */
  | (Base & { kind: 'run'; run: { id: string; number: number | null; state: string | null } })
  /** An environment, its releases, rollouts or preview changed. */
  | (Base & { kind: 'environment'; environment: string })
  | (Base & { kind: 'flag'; environment: string })
  /** A platform event (src/events) was recorded. */
  | (Base & { kind: 'event'; environment: string | null; event: { kind: string; summary: string; seq: number } })
  /** A new traffic sample of each of the project's environments that had traffic. */
  | (Base & { kind: 'traffic'; samples: Array<TrafficSample & { environment: string }> });

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type NewLiveChange = DistributiveOmit<LiveChange, 'seq' | 'at'>;

/** The environment a change concerns (null: the project as a whole), for scoped principals. */
export function environmentOf(change: LiveChange): string | null {
  return change.kind === 'environment' || change.kind === 'flag' || change.kind === 'event' ? change.environment : null;
}
