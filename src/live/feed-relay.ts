// The feed's side of a relay between servers (change-relay.ts), whatever carries the notes: each
// change this server publishes goes out as a note, each note from another server is published
// into the feed — and not sent back (no echo between servers). Traffic samples stay home: they
// are this server's router's figures, and its sparklines are read from this server.
import type { Logger } from '../engine/logger.ts';
import type { ChangeFeed } from './change-feed.ts';
import type { LiveChange, NewLiveChange } from './live-change.ts';
import { decodeNote, encodeNote, type RelayNote } from './relay-note.ts';

export interface FeedRelayOptions {
  feed: ChangeFeed;
  /** Hands a note to the carrier; false when it cannot take it now (disconnected, too many waiting). */
  send: (payload: string) => boolean;
  /** The carrier's largest payload, in bytes. */
  maxBytes: number;
  logger: Pick<Logger, 'warn'>;
}

/** The change without this feed's numbering (the receiving feed numbers it). */
function unnumbered(change: LiveChange): NewLiveChange {
  const copy: Partial<LiveChange> = { ...change };
  delete copy.seq;
  delete copy.at;
  return copy as NewLiveChange;
}

export class FeedRelay {
  readonly #opts: FeedRelayOptions;
  #unsubscribe: (() => void) | null = null;
  /** Set while a received change is published: the feed's listener must not send it back. */
  #receiving = false;
  /** A change was not delivered to the other servers: they are told to reset once the carrier is back. */
  #unsent = false;

  constructor(opts: FeedRelayOptions) {
    this.#opts = opts;
  }

  start(): void {
    this.#unsubscribe ??= this.#opts.feed.subscribe((c) => this.#send(c));
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }

  #send(change: LiveChange): void {
    if (this.#receiving || change.kind === 'traffic') return;
    const payload = encodeNote({ type: 'change', boot: this.#opts.feed.boot, change }, this.#opts.maxBytes);
    if (payload === null) {
      this.#opts.logger.warn(`live relay: a ${change.kind} change of project ${change.project.slice(0, 100)} is too large to send; other servers' pages see it at their next re-read`);
      return;
    }
    if (!this.#opts.send(payload)) this.#unsent = true;
  }

  /** The carrier failed to deliver a note it had taken. */
  lost(): void {
    this.#unsent = true;
  }

  /** A payload from the carrier: published when it is another server's well-formed note. */
  receive(payload: string): void {
    const decoded = decodeNote(payload);
    if ('problem' in decoded) {
      this.#opts.logger.warn(`live relay: dropped a malformed note (${decoded.problem.slice(0, 300)}): ${payload.slice(0, 200)}`);
      return;
    }
    const note: RelayNote = decoded.note;
    if (note.boot === this.#opts.feed.boot) return;
    if (note.type === 'reset') {
      this.#opts.feed.reset(`another server could not send its changes (${note.reason})`);
      return;
    }
    if (note.change.kind === 'traffic') return;
    this.#receiving = true;
    try {
      this.#opts.feed.publish(unnumbered(note.change));
    } finally {
      this.#receiving = false;
    }
  }

  /**
   * The carrier is back after an outage: what other servers sent meanwhile is lost, so this
   * server's pages re-read; and if this server could not send some of its changes, the others'
   * pages re-read too.
   */
  reconnected(): void {
    this.#opts.feed.reset('live updates from other servers were interrupted');
    if (!this.#unsent) return;
    this.#unsent = false;
    const reset = encodeNote({ type: 'reset', boot: this.#opts.feed.boot, reason: 'its connection to the other servers was interrupted' }, this.#opts.maxBytes);
    if (reset !== null && !this.#opts.send(reset)) this.#unsent = true;
  }
}
