// The notifier: platform events → outbox → targets. Fan-out reads the events after the stored
// cursor (so an event stored before a crash is still sent) and creates one delivery per event
// and target (idempotent: any server may fan out the same event). The worker claims due
// deliveries with a lease, posts them, and records each attempt; failures retry with backoff
// and jitter until the give-up age. Nothing here is awaited by a run or a rollout.
import { randomUUID } from 'node:crypto';
import { backoffDelay } from '../backoff.ts';
import type { Clock } from '../engine/clock.ts';
import type { Logger } from '../engine/logger.ts';
import type { EventLog, EventRecords } from '../events/event-log.ts';
import type { PlatformEvent } from '../events/platform-event.ts';
import { errorMessage } from '../errors.ts';
import type { NotificationFormat } from '../spec/notification-schema.ts';
import type { NotificationSpec } from '../spec/spec.ts';
import type { DeliveryOutcome, DeliveryRecord, NewDelivery, NotificationRecords } from './delivery-record.ts';
import { bodyOf, type EventLinks } from './notification-body.ts';
import { displayHostOf, subscribes, targetKey } from './notification-target.ts';
import type { PostNotification } from './post-notification.ts';
import { signWebhook } from './standard-webhooks.ts';
import { TargetPacing, type TargetRate } from './target-pacing.ts';

export interface NotifierBackoff {
  initialMs: number;
  maxMs: number;
  /** A delivery not delivered this long after its event is given up (failed). */
  giveUpMs: number;
}

/** 1 s, 2, 4 … capped at 1 h between attempts; given up after 24 h. */
export const defaultNotifierBackoff: NotifierBackoff = { initialMs: 1_000, maxMs: 3_600_000, giveUpMs: 86_400_000 };

export interface NotifierDeps {
  records: NotificationRecords & Pick<EventRecords, 'listEvents'>;
  eventLog: Pick<EventLog, 'subscribe'>;
  /** The targets a project's sluice.yaml declares (its branch's newest checked-out file). */
  targetsOf(project: string): Promise<readonly NotificationSpec[]>;
  /** The project's signing secret (`whsec_…`). */
  signingSecretOf(project: string): Promise<string>;
  /** The URL to post to: a plain URL as is, a secret reference resolved (throws naming the problem). */
  resolveUrl(project: string, url: string): Promise<string>;
  post: PostNotification;
  links(event: PlatformEvent): EventLinks;
  clock: Clock;
  owner: string;
  logger: Logger;
  backoff?: NotifierBackoff;
  random?: () => number;
  /** How long a claim holds a delivery (an attempt times out well within it). */
  leaseMs?: number;
  /** Attempts a minute per target, by format (defaults: target-pacing.ts). */
  rates?: Partial<Record<NotificationFormat, TargetRate>>;
}

/** Events fanned out per read of the event table. */
const BATCH = 200;
/** The stored cursor stays this far behind: a seq taken before a later one may commit after it (PostgreSQL). */
const CURSOR_LAG_MS = 30_000;
/** The worker looks for due deliveries (also those other servers fanned out) at least this often. */
const IDLE_POLL_MS = 5_000;
const CLAIM_LIMIT = 32;

export class Notifier {
  readonly #deps: NotifierDeps;
  readonly #backoff: NotifierBackoff;
  readonly #pacing: TargetPacing;
  #unsubscribe: (() => void) | null = null;
  #stopped = true;
  #fanning: Promise<void> | null = null;
  #fanAgain = false;
  #timer: NodeJS.Timeout | null = null;
  #working: Promise<void> | null = null;
  #workAgain = false;
  /** The last seq this process fanned out; the stored cursor lags it (see CURSOR_LAG_MS). */
  #after: number | null = null;
  #lastRescan = 0;

  constructor(deps: NotifierDeps) {
    this.#deps = deps;
    this.#backoff = deps.backoff ?? defaultNotifierBackoff;
    this.#pacing = new TargetPacing(deps.rates);
  }

  start(): void {
    this.#stopped = false;
    this.#unsubscribe = this.#deps.eventLog.subscribe(() => this.fanOut());
    this.fanOut();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    if (this.#timer) clearTimeout(this.#timer);
    await this.#fanning;
    await this.#working;
  }

  /** Fans out what the outbox has not seen; coalesced: a call during a pass makes one more pass. */
  fanOut(): void {
    if (this.#stopped) return;
    if (this.#fanning) {
      this.#fanAgain = true;
      return;
    }
    this.#fanning = (async () => {
      do {
        this.#fanAgain = false;
        try {
          await this.#fanOutOnce();
        } catch (error) {
          this.#deps.logger.error(`notifications: fan-out failed: ${errorMessage(error)}`);
        }
      } while (this.#fanAgain && !this.#stopped);
    })().finally(() => {
      this.#fanning = null;
    });
  }

  async #fanOutOnce(): Promise<void> {
    const { records, clock } = this.#deps;
    // From this process's own position; from the stored cursor at start and every CURSOR_LAG_MS,
    // to pick up an event whose seq committed late (fan-out is idempotent, so rereading is harmless).
    const rescan = this.#after === null || clock.now().getTime() - this.#lastRescan >= CURSOR_LAG_MS;
    let after = rescan || this.#after === null ? await records.notifierCursor() : this.#after;
    if (rescan) this.#lastRescan = clock.now().getTime();
    for (;;) {
      const events = await records.listEvents({ afterSeq: after, limit: BATCH });
      if (events.length === 0) break;
      const targets = new Map<string, readonly NotificationSpec[]>();
      const now = clock.now();
      let settled: number | null = null;
      let contiguous = true;
      for (const event of events) {
        let list = targets.get(event.project);
        if (!list) {
          list = await this.#deps.targetsOf(event.project).catch((error: unknown) => {
            this.#deps.logger.warn(`notifications: the targets of ${event.project} could not be read: ${errorMessage(error)}`);
            return [];
          });
          targets.set(event.project, list);
        }
        const deliveries: NewDelivery[] = list
          .filter((t) => subscribes(t, event.kind))
          .map((t) => ({ id: randomUUID(), eventId: event.id, eventSeq: event.seq, project: event.project, kind: event.kind, target: targetKey(t), url: t.url, targetHost: displayHostOf(t.url), format: t.format, nextAttemptAt: now.toISOString(), createdAt: now.toISOString() }));
        if (deliveries.length) await records.addDeliveries(deliveries);
        if (contiguous && now.getTime() - Date.parse(event.at) >= CURSOR_LAG_MS) settled = event.seq;
        else contiguous = false;
      }
      if (settled !== null) await records.advanceNotifierCursor(settled);
      after = events[events.length - 1]?.seq ?? after;
      this.#after = Math.max(this.#after ?? 0, after);
      if (events.length < BATCH) break;
    }
    this.wake();
  }

  /** Runs the worker now (new deliveries, or a test's clock moved). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#working) {
      this.#workAgain = true;
      return;
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#working = (async () => {
      do {
        this.#workAgain = false;
        try {
          await this.#deliverDue();
        } catch (error) {
          this.#deps.logger.error(`notifications: delivery pass failed: ${errorMessage(error)}`);
        }
      } while (this.#workAgain && !this.#stopped);
    })().finally(() => {
      this.#working = null;
      void this.#schedule();
    });
  }

  async #schedule(): Promise<void> {
    if (this.#stopped) return;
    const due = await this.#deps.records.nextDeliveryDue().catch(() => null);
    if (this.#stopped || this.#working) return;
    const wait = due === null ? IDLE_POLL_MS : Math.min(IDLE_POLL_MS, Math.max(0, Date.parse(due) - this.#deps.clock.now().getTime()));
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      if (this.#deps.clock.now().getTime() - this.#lastRescan >= CURSOR_LAG_MS) this.fanOut();
      this.wake();
    }, wait);
    this.#timer.unref();
  }

  async #deliverDue(): Promise<void> {
    const { records, clock, owner } = this.#deps;
    for (;;) {
      const now = clock.now();
      const claimed = await records.claimDeliveries(owner, now.toISOString(), new Date(now.getTime() + (this.#deps.leaseMs ?? 60_000)).toISOString(), CLAIM_LIMIT);
      if (claimed.length === 0) return;
      const go: DeliveryRecord[] = [];
      for (const d of claimed) {
        const later = this.#pacing.take(d.target, d.format, now.getTime());
        if (later === null) go.push(d);
        else if (!(await records.deferDelivery(d.id, owner, new Date(later).toISOString()))) this.#deps.logger.warn(`notifications: the lease on delivery ${d.id} lapsed before it was put off`);
      }
      await Promise.all(go.map((d) => this.#attempt(d)));
      if (this.#stopped) return;
    }
  }

  async #attempt(delivery: DeliveryRecord): Promise<void> {
    const { records, clock } = this.#deps;
    const attempts = delivery.attempts + 1;
    let status: string;
    let ok = false;
    try {
      const event = (await records.listEvents({ afterSeq: delivery.eventSeq - 1, limit: 1 }))[0];
      if (!event || event.id !== delivery.eventId) throw new Error(`event ${delivery.eventId} is no longer stored`);
      const url = await this.#deps.resolveUrl(delivery.project, delivery.url);
      const body = bodyOf(delivery.format, event, this.#deps.links(event));
      const headers: Record<string, string> = {};
      if (delivery.format === 'webhook') {
        const timestamp = Math.floor(clock.now().getTime() / 1000);
        headers['webhook-id'] = event.id;
        headers['webhook-timestamp'] = String(timestamp);
        headers['webhook-signature'] = signWebhook(await this.#deps.signingSecretOf(delivery.project), event.id, timestamp, body);
      }
      const res = await this.#deps.post({ url, headers, body });
      status = `HTTP ${res.status}`;
      ok = res.status >= 200 && res.status < 300;
    } catch (error) {
      status = this.#scrub(errorMessage(error), delivery);
    }
    const now = clock.now();
    let outcome: DeliveryOutcome;
    if (ok) {
      outcome = { state: 'delivered', attempts, lastStatus: status, nextAttemptAt: null, updatedAt: now.toISOString() };
    } else {
      const next = now.getTime() + backoffDelay(attempts - 1, this.#backoff.initialMs, this.#backoff.maxMs, this.#deps.random);
      const givenUp = next - Date.parse(delivery.createdAt) > this.#backoff.giveUpMs;
      outcome = givenUp
        ? { state: 'failed', attempts, lastStatus: status, nextAttemptAt: null, updatedAt: now.toISOString() }
        : { state: 'pending', attempts, lastStatus: status, nextAttemptAt: new Date(next).toISOString(), updatedAt: now.toISOString() };
    }
    if (!(await records.finishDelivery(delivery.id, this.#deps.owner, outcome))) {
      this.#deps.logger.warn(`notifications: the lease on delivery ${delivery.id} lapsed before its attempt was recorded`);
    }
  }

  /** An error may quote the URL it failed on: the delivery log shows the host only. */
  #scrub(message: string, delivery: DeliveryRecord): string {
    let text = message;
    for (const word of text.match(/https?:\/\/\S+/g) ?? []) {
      let host = 'the target';
      try {
        host = new URL(word).host;
      } catch {
        // not a URL after all: still removed
      }
      text = text.replace(word, host);
    }
    return text.length > 300 ? `${text.slice(0, 300)}…` : text || `delivery to ${delivery.targetHost} failed`;
  }
}
