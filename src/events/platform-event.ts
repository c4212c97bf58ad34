// What happened on the platform, once, as a durable record: the one source for notifications
// (each event is delivered to the targets that subscribe to its kind) and for the DORA keys
// (computed from these records, never from logs). Kinds are a closed list: an unknown one read
// back from the store is a validation error, never a silent skip.
import { z } from 'zod';

export const EVENT_KINDS = [
  'run.succeeded',
  'run.failed',
  /** A run waits for an approval; the facts carry the command that approves it. */
  'run.waiting',
  'rollout.promoted',
  'rollout.aborted',
  /** A previous release was put back (by a person, a failed rollout or an alert). */
  'rollback',
  /** A release serves all of an environment's traffic (the end of a deploy; DORA's "deploy"). */
  'release.live',
  'alert.firing',
  'alert.resolved',
  'preview.ready',
  'preview.removed',
  'certificate.failed',
] as const;
export const eventKindSchema = z.enum(EVENT_KINDS);
export type EventKind = z.infer<typeof eventKindSchema>;

export const eventCommitSchema = z.object({
  sha: z.string().min(1),
  message: z.string(),
  author: z.string(),
  /** The commit's committer time (ISO); null when it could not be read. */
  committedAt: z.string().nullable(),
});
export type EventCommit = z.infer<typeof eventCommitSchema>;

export const platformEventSchema = z.object({
  /** Store order: strictly increasing, never reused (a notifier's cursor). */
  seq: z.number().int().positive(),
  /** Unique and stable: the Standard Webhooks `webhook-id` of every delivery of this event. */
  id: z.string().min(1),
  kind: eventKindSchema,
  /** ISO time it happened. */
  at: z.string().min(1),
  project: z.string().min(1),
  environment: z.string().nullable(),
  release: z.number().int().nullable(),
  run: z.object({ id: z.string().min(1), number: z.number().int() }).nullable(),
  commit: eventCommitSchema.nullable(),
  /** Who or what caused it: `token:NAME`, `commit`, `webhook`, `alert:NAME`, `analysis`, `server`. */
  cause: z.string().min(1),
  /** One line for people ("production: release 7 rolled back to 6 (alert errors: 4.1 % > 2 %)"). */
  summary: z.string(),
  /** Kind-specific figures (e.g. an alert's value, threshold, window, samples). JSON only. */
  facts: z.record(z.string(), z.unknown()),
});
export type PlatformEvent = z.infer<typeof platformEventSchema>;
/** What an emitter gives; the store assigns `seq`, the event log `id` and (when absent) `at`. */
export type NewPlatformEvent = Omit<PlatformEvent, 'seq' | 'id' | 'at'> & { id?: string; at?: string };

export interface EventFilter {
  project?: string;
  environment?: string;
  kinds?: readonly EventKind[];
  /** Events at or after this ISO time. */
  since?: string;
  /** Events with a seq above this one (a cursor), in seq order. */
  afterSeq?: number;
  limit: number;
}
