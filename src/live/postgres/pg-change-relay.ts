// The relay between servers sharing a PostgreSQL store, over LISTEN/NOTIFY (docs/decisions/0052).
// One dedicated connection per server LISTENs on a channel named after the store's schema (two
// installations in one database do not hear each other) and sends this server's changes with
// pg_notify. A lost connection is retried with backoff, logged once per outage; once back, the
// feed is reset (pages re-read what they missed). Loaded only with a PostgreSQL store.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { backoffDelay } from '../../backoff.ts';
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../engine/logger.ts';
import type { ChangeFeed } from '../change-feed.ts';
import type { ChangeRelay } from '../change-relay.ts';
import { FeedRelay } from '../feed-relay.ts';

/** NOTIFY refuses a payload of 8000 bytes or more (PostgreSQL's NOTIFY_PAYLOAD_MAX_LENGTH). */
export const notifyMaxBytes = 7999;
/** Notes handed to the connection and not yet acknowledged; past that they are dropped (a stalled link must not grow memory). */
const maxWaiting = 1000;

export interface PgChangeRelayOptions {
  connectionString: string;
  /** As the store's (openPostgresStore); else the connection string's search_path decides. */
  schema?: string;
  feed: ChangeFeed;
  logger: Pick<Logger, 'info' | 'warn'>;
  /** Reconnection delays (default 200 ms doubling to 5 s). */
  retry?: { initialMs: number; maxMs: number };
}

/** The channel of a schema: an identifier, so at most 63 bytes (a long schema name is hashed). */
export function channelOf(schema: string): string {
  const name = `sluice_live_${schema}`;
  return Buffer.byteLength(name) <= 63 ? name : `sluice_live_${createHash('sha256').update(schema).digest('hex').slice(0, 32)}`;
}

export class PgChangeRelay implements ChangeRelay {
  readonly #opts: PgChangeRelayOptions;
  readonly #relay: FeedRelay;
  #client: pg.Client | null = null;
  #channel: string | null = null;
  #pid: number | null = null;
  #waiting = 0;
  #attempt = 0;
  /** An outage is under way (logged at its start and its end only). */
  #down = false;
  #sendFailing = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(opts: PgChangeRelayOptions) {
    this.#opts = opts;
    this.#relay = new FeedRelay({ feed: opts.feed, send: (p) => this.#send(p), maxBytes: notifyMaxBytes, logger: opts.logger });
  }

  /** The channel, once the first connection learnt the schema. */
  get channel(): string | null {
    return this.#channel;
  }

  /** The listening connection's backend pid; null while disconnected. */
  get pid(): number | null {
    return this.#client ? this.#pid : null;
  }

  async start(): Promise<void> {
    this.#relay.start();
    await this.#connect();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#relay.stop();
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const { connectionString, schema } = this.#opts;
    // keepAlive: an idle listener on a dead network is found by TCP, not never; a connection
    // attempt into a black hole gives up, so the next one is tried.
    const client = new pg.Client({ connectionString, keepAlive: true, connectionTimeoutMillis: 10_000, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
    client.on('error', (e) => this.#lost(client, e));
    client.on('end', () => this.#lost(client, new Error('the connection ended')));
    client.on('notification', (n) => {
      if (n.channel === this.#channel && n.payload !== undefined) this.#relay.receive(n.payload);
    });
    try {
      await client.connect();
      const { rows } = await client.query<{ schema: string | null; pid: number }>('select current_schema() as schema, pg_backend_pid() as pid');
      this.#channel ??= channelOf(rows[0]?.schema ?? 'public');
      this.#pid = rows[0]?.pid ?? null;
      await client.query(`listen ${client.escapeIdentifier(this.#channel)}`);
    } catch (error) {
      this.#discard(client);
      this.#outage(error);
      this.#retry();
      return;
    }
    if (this.#closed) {
      this.#discard(client);
      return;
    }
    this.#client = client;
    this.#attempt = 0;
    if (this.#down) {
      this.#down = false;
      this.#opts.logger.info('live updates: listening to the other servers again; open pages re-read');
      this.#relay.reconnected();
    }
  }

  #lost(client: pg.Client, error: unknown): void {
    if (client !== this.#client || this.#closed) return;
    this.#client = null;
    this.#discard(client);
    this.#outage(error);
    this.#retry();
  }

  #discard(client: pg.Client): void {
    client.removeAllListeners();
    client.on('error', () => {});
    void client.end().catch(() => {});
  }

  #outage(error: unknown): void {
    if (this.#down) return;
    this.#down = true;
    this.#opts.logger.warn(`live updates: lost the PostgreSQL connection that hears the other servers (${errorMessage(error)}); their changes reach this dashboard again once it is back`);
  }

  #retry(): void {
    if (this.#closed) return;
    const { initialMs, maxMs } = this.#opts.retry ?? { initialMs: 200, maxMs: 5000 };
    this.#timer = setTimeout(() => void this.#connect(), backoffDelay(this.#attempt++, initialMs, maxMs));
  }

  #send(payload: string): boolean {
    const client = this.#client;
    if (!client || this.#channel === null || this.#waiting >= maxWaiting) return false;
    this.#waiting++;
    client.query('select pg_notify($1, $2)', [this.#channel, payload]).then(
      () => {
        this.#waiting--;
        this.#sendFailing = false;
      },
      (error: unknown) => {
        this.#waiting--;
        if (this.#closed) return;
        this.#relay.lost();
        // A lost connection is told by #outage; any other refusal once until a send succeeds.
        if (!this.#sendFailing && client === this.#client) this.#opts.logger.warn(`live updates: a change was not sent to the other servers: ${errorMessage(error)}`);
        this.#sendFailing = true;
      },
    );
    return true;
  }
}

export async function openPgChangeRelay(opts: PgChangeRelayOptions): Promise<PgChangeRelay> {
  const relay = new PgChangeRelay(opts);
  await relay.start();
  return relay;
}
