// Live updates across the servers that share one PostgreSQL store (docs/decisions/0052): each
// server's feed (change-feed.ts) hears only its own writes, so a relay carries them to the others.
// The port the composition root holds; the feed's side of any relay is feed-relay.ts, the carrier
// is PostgreSQL's LISTEN/NOTIFY (postgres/pg-change-relay.ts). A SQLite store has no relay: one
// server by construction.
export interface ChangeRelay {
  /** Connects; resolves after the first attempt (a failed one is retried in the background). */
  start(): Promise<void>;
  /** Stops relaying and closes its connection. */
  close(): Promise<void>;
}
