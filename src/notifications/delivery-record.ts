// One delivery of one event to one target: a row of the outbox. Created (once per event and
// target) when the event is fanned out, claimed by one server at a time with a lease, retried
// with backoff until it is delivered or given up.
import { z } from 'zod';
import { eventKindSchema } from '../events/platform-event.ts';
import { NOTIFICATION_FORMATS } from '../spec/notification-schema.ts';

export const DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export const deliveryRecordSchema = z.object({
  id: z.string().min(1),
  eventId: z.string().min(1),
  eventSeq: z.number().int().positive(),
  project: z.string().min(1),
  kind: eventKindSchema,
  /** Stable key of the target (a hash of format and URL as written): unique with eventId. */
  target: z.string().min(1),
  /** The URL as written in sluice.yaml: an http(s) URL or a `${{ secrets.NAME }}` reference. */
  url: z.string().min(1),
  /** What the delivery log shows: the host, never the path or a resolved secret URL. */
  targetHost: z.string().min(1),
  format: z.enum(NOTIFICATION_FORMATS),
  state: z.enum(DELIVERY_STATES),
  attempts: z.number().int().nonnegative(),
  /** `HTTP 503`, or the error of the last attempt; null before the first. */
  lastStatus: z.string().nullable(),
  /** When the next attempt is due (pending), or null once delivered or given up. */
  nextAttemptAt: z.string().nullable(),
  leaseOwner: z.string().nullable(),
  leaseExpiresAt: z.string().nullable(),
  createdAt: z.string().min(1),
  updatedAt: z.string().min(1),
});
export type DeliveryRecord = z.infer<typeof deliveryRecordSchema>;
export type NewDelivery = Omit<DeliveryRecord, 'state' | 'attempts' | 'lastStatus' | 'leaseOwner' | 'leaseExpiresAt' | 'updatedAt'>;

/** A delivery as the log shows it: with the environment of its event (null: a project-wide event, e.g. a run's). */
export type DeliveryLogEntry = DeliveryRecord & { environment: string | null };

/** What an attempt leaves: the outcome, and when to try again (pending) or null. */
export interface DeliveryOutcome {
  state: DeliveryState;
  attempts: number;
  lastStatus: string;
  nextAttemptAt: string | null;
  updatedAt: string;
}

/** The outbox and the per-project signing secrets, as the store keeps them (src/store implements it). */
export interface NotificationRecords {
  /** The sealed signing secret of a project, or undefined. */
  getNotificationSecret(project: string): Promise<string | undefined>;
  /** Stores the sealed secret unless one is there; returns the one stored (the first writer wins). */
  putNotificationSecret(project: string, sealed: string, now: string): Promise<string>;
  /** The highest event seq fanned out (0: none). */
  notifierCursor(): Promise<number>;
  /** Moves the cursor forward only (two servers may both fan out; neither moves it back). */
  advanceNotifierCursor(seq: number): Promise<void>;
  /** Inserts deliveries; one already there for the same event and target is left as it is. Returns how many were new. */
  addDeliveries(deliveries: readonly NewDelivery[]): Promise<number>;
  /** Pending deliveries due at `now` whose lease is free or lapsed, each taken by compare-and-set: no two owners hold one. */
  claimDeliveries(owner: string, now: string, leaseUntil: string, limit: number): Promise<DeliveryRecord[]>;
  /** Records an attempt and frees the lease; false (nothing written) when `owner` no longer holds it. */
  finishDelivery(id: string, owner: string, outcome: DeliveryOutcome): Promise<boolean>;
  /** Frees the lease without an attempt, the delivery due again at `nextAttemptAt` (its target's rate); false when `owner` no longer holds it. */
  deferDelivery(id: string, owner: string, nextAttemptAt: string): Promise<boolean>;
  /**
   * A project's deliveries, newest first. `environments`: only those of events in these
   * environments (a token limited to environments), project-wide events left out.
   */
  listDeliveries(project: string, limit: number, environments?: readonly string[]): Promise<DeliveryLogEntry[]>;
  /** The earliest nextAttemptAt among pending deliveries, or null. */
  nextDeliveryDue(): Promise<string | null>;
}
