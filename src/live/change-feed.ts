// The in-process feed of what changed, in order: publishers are the store decorator
// (watch-changes.ts), the event log and the traffic sampler; subscribers are the dashboard's
// streams. The last `capacity` changes are kept so that a client that reconnects with
// Last-Event-ID gets what it missed; older than that (or after a restart: another boot id),
// the client is told to re-read everything. Changes made by another server sharing a
// PostgreSQL store come in through a relay (change-relay.ts, docs/decisions/0052), which calls
// reset() when it may have missed some.
import { randomUUID } from 'node:crypto';
import type { LiveChange, NewLiveChange } from './live-change.ts';

export type ChangeListener = (change: LiveChange) => void;
/** `seq`: the feed's sequence after the reset (a cursor at or past it resumes). */
export type ResetListener = (reset: { seq: number; reason: string }) => void;

export class ChangeFeed {
  /** Names this process's sequence: a cursor of another boot cannot be resumed. */
  readonly boot = randomUUID().slice(0, 8);
  readonly #ring: LiveChange[] = [];
  readonly #capacity: number;
  readonly #listeners = new Set<ChangeListener>();
  readonly #resetListeners = new Set<ResetListener>();
  readonly #now: () => Date;
  #seq = 0;

  constructor(opts: { capacity?: number; now?: () => Date } = {}) {
    this.#capacity = opts.capacity ?? 2000;
    this.#now = opts.now ?? ((): Date => new Date());
  }

  get seq(): number {
    return this.#seq;
  }

  publish(change: NewLiveChange): LiveChange {
    const stored: LiveChange = { ...change, seq: ++this.#seq, at: this.#now().toISOString() };
    this.#ring.push(stored);
    if (this.#ring.length > this.#capacity) this.#ring.shift();
    for (const listener of this.#listeners) listener(stored);
    return stored;
  }

  /** The changes after `seq`, oldest first; null when some of them are no longer kept. */
  since(seq: number): LiveChange[] | null {
    if (seq > this.#seq) return null;
    if (seq === this.#seq) return [];
    const first = this.#ring[0];
    if (!first || first.seq > seq + 1) return null;
    return this.#ring.slice(seq + 1 - first.seq);
  }

  /**
   * Changes may have been missed (the relay lost its connection): every subscriber is told to
   * re-read, and no cursor from before can be resumed. The reset takes a sequence number of its
   * own, so a client that saw the last change but not the reset is reset when it resumes.
   */
  reset(reason: string): void {
    this.#ring.length = 0;
    const seq = ++this.#seq;
    for (const listener of this.#resetListeners) listener({ seq, reason });
  }

  /** Returns the function that removes the listeners. */
  subscribe(listener: ChangeListener, onReset?: ResetListener): () => void {
    this.#listeners.add(listener);
    if (onReset) this.#resetListeners.add(onReset);
    return () => {
      this.#listeners.delete(listener);
      if (onReset) this.#resetListeners.delete(onReset);
    };
  }
}
