// The one way the platform records an event: stored first (durable, ordered), then listeners
// (the notifier's outbox) are woken. Emitting never throws into the run or rollout that emits:
// a store failure is logged and the deploy goes on (notifications must never block a deploy).
import { randomUUID } from 'node:crypto';
import type { Clock } from '../engine/clock.ts';
import type { Logger } from '../engine/logger.ts';
import type { EventFilter, NewPlatformEvent, PlatformEvent } from './platform-event.ts';

/** The part of the Store the event log needs (src/store/store.ts implements it). */
export interface EventRecords {
  /** Inserts the event with the next seq; an id already stored is a ConflictError. */
  appendEvent(event: Omit<PlatformEvent, 'seq'>): Promise<PlatformEvent>;
  /** In seq order; newest last. */
  listEvents(filter: EventFilter): Promise<PlatformEvent[]>;
}

export type EventListener = (event: PlatformEvent) => void;

export class EventLog {
  readonly #records: EventRecords;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #listeners = new Set<EventListener>();

  constructor(records: EventRecords, clock: Clock, log: Logger) {
    this.#records = records;
    this.#clock = clock;
    this.#log = log;
  }

  /** Stores the event and wakes listeners; undefined (and a logged error) when it could not be stored. */
  async emit(event: NewPlatformEvent): Promise<PlatformEvent | undefined> {
    let stored: PlatformEvent;
    try {
      stored = await this.#records.appendEvent({ ...event, id: event.id ?? `evt_${randomUUID()}`, at: event.at ?? this.#clock.now().toISOString() });
    } catch (err) {
      this.#log.error(`event ${event.kind} of ${event.project} not recorded: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
    for (const listener of this.#listeners) {
      try {
        listener(stored);
      } catch (err) {
        this.#log.error(`event listener failed on ${stored.kind}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return stored;
  }

  list(filter: EventFilter): Promise<PlatformEvent[]> {
    return this.#records.listEvents(filter);
  }

  /** Returns the function that removes the listener. */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
