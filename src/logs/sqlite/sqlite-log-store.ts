// The embedded LogStore: one SQLite file of its own (<data>/logs.db), so log volume never slows
// the state store. Layout and indexes: sqlite-log-schema.ts; why blocks: docs/decisions/0023-log-store.md
// and 0027-log-blocks.md.
import { statSync } from 'node:fs';
import type Sqlite from 'better-sqlite3';
import type { LogEntry, LogFilter, LogPage, LogRetention, LogSearch, LogStore, LogStoreStats, LogText, NewLogEntry } from '../log-store.ts';
import { checkFilter, checkLimit, checkNewEntries } from '../log-query.ts';
import { appendLines } from './sqlite-log-append.ts';
import { deleteOldest, removeProject, removeRun, retainByAge, retainPerProject } from './sqlite-log-retention.ts';
import { findLines, type Prepare } from './sqlite-log-search.ts';
import { migrateLogDatabase, migrateWords, openLogDatabase, openLogDatabaseWithWords } from './sqlite-log-schema.ts';
import { BlockIndexer } from './sqlite-log-indexer.ts';
import { wordsFileOf } from './sqlite-log-words.ts';
import { upgradeOldLayout } from './sqlite-log-upgrade.ts';

/** Total-bytes retention aims this far below the cap, so the next writes have room before the next retain. */
const totalHeadroom = 0.9;

export interface SqliteLogStoreOptions {
  /**
   * The cap of the whole store (file + WAL), enforced by append itself: after each batch the
   * store measures itself (three pragmas and a stat) and, beyond the cap, deletes the oldest
   * lines down to 90 % of it. So a writer faster than the caller's retain timer cannot grow the
   * file past the cap by more than one batch and the WAL (docs/decisions/0023-log-store.md).
   */
  maxBytesTotal?: number | null;
  /** How long the word index's worker thread stays up with nothing to index (default 5 s). */
  indexIdleStopMs?: number;
}

export class SqliteLogStore implements LogStore {
  readonly #db: Sqlite.Database;
  /**
   * A second connection, with the word index's file attached, for searches: the writer's stays
   * without it, since a write transaction locks every attached file and would take turns with
   * the indexer (sqlite-log-indexer.ts).
   */
  readonly #reader: Sqlite.Database;
  readonly #file: string;
  readonly #cap: number | null;
  readonly #words: string;
  readonly #indexer: BlockIndexer;
  readonly #prepare: Prepare;

  readonly #read: Prepare;

  constructor(db: Sqlite.Database, reader: Sqlite.Database, file: string, options: SqliteLogStoreOptions = {}) {
    this.#db = db;
    this.#reader = reader;
    this.#prepare = cachedPrepare(db);
    this.#read = cachedPrepare(reader);
    this.#file = file;
    this.#cap = options.maxBytesTotal ?? null;
    this.#words = wordsFileOf(file);
    this.#indexer = new BlockIndexer(this.#read, file, this.#words, options.indexIdleStopMs);
  }

  /** Whether the word index's worker thread is up: it runs while there are lines to index. */
  get indexing(): boolean {
    return this.#indexer.running;
  }

  async migrate(): Promise<void> {
    migrateLogDatabase(this.#db);
    migrateWords(this.#reader);
    if (upgradeOldLayout(this.#db, this.#prepare) > 0) this.#shrinkMain();
    // The store that migrates is the one that writes: it keeps the word index (a reader only searches).
    this.#indexer.start(this.#reader);
  }

  /** Resolves once every line appended so far is in the word index (bench/logs, tests). */
  async indexed(): Promise<void> {
    // The newest block's last line (log_meta's last_id may be past it: the newest lines removed).
    const newest = this.#prepare('select coalesce(max(last_id), 0) as id from log_block_meta').get() as { id: number };
    await this.#indexer.caughtUp(newest.id);
  }

  async append(entries: readonly NewLogEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    const times = checkNewEntries(entries);
    const last = this.#db.transaction(() => appendLines(this.#prepare, entries, times)).immediate();
    if (this.#cap !== null && this.#usedBytes() > this.#cap && this.#retainTotal(this.#cap) > 0) await this.#shrink();
    this.#indexer.pump();
    // The index may lag by maxLagLines at most: beyond, the writer waits for it (searches read what it has not reached).
    await this.#indexer.keepUp(last);
    return last;
  }

  async search(query: LogSearch): Promise<LogPage> {
    checkLimit(query.limit);
    const { before, limit, text, ...filter } = query;
    const found = findLines(this.#read, { filter, text, lo: 1, hi: before === undefined ? Number.MAX_SAFE_INTEGER : before - 1, want: limit + 1, order: 'desc' });
    const entries = found.slice(0, limit);
    return { entries, next: found.length > limit ? entries[entries.length - 1]!.id : null };
  }

  async readAfter(query: LogFilter & { text?: LogText }, afterId: number, limit: number): Promise<LogEntry[]> {
    checkLimit(limit);
    const { text, ...filter } = query;
    return findLines(this.#read, { filter, text, lo: Math.max(1, afterId + 1), hi: Number.MAX_SAFE_INTEGER, want: limit, order: 'asc' });
  }

  async retain(policy: LogRetention): Promise<number> {
    if (policy.olderThan !== null) checkFilter({ since: policy.olderThan });
    let gone = this.#db.transaction(() => {
      let n = 0;
      if (policy.olderThan !== null) n += retainByAge(this.#prepare, policy.olderThan);
      if (policy.maxBytesPerProject !== null) n += retainPerProject(this.#prepare, policy.maxBytesPerProject);
      return n;
    }).immediate();
    if (policy.maxBytesTotal !== null) gone += this.#retainTotal(policy.maxBytesTotal);
    if (gone > 0) await this.#shrink();
    return gone;
  }

  /**
   * The file's size only follows the text through a ratio (indexes, page slack), so the lines to
   * delete are estimated from the bytes each byte of text costs now, aiming below the cap.
   */
  #retainTotal(maxBytes: number): number {
    const used = this.#usedBytes();
    if (used <= maxBytes) return 0;
    return this.#db.transaction(() => {
      const text = (this.#prepare('select coalesce(sum(bytes), 0) as bytes from log_block_meta').get() as { bytes: number }).bytes;
      if (text === 0) return 0;
      const keepText = Math.floor(((maxBytes * totalHeadroom) / used) * text);
      return deleteOldest(this.#prepare, text - keepText, null);
    }).immediate();
  }

  /** Pages in use (the file less its free list) plus the WAL and the word index: what the next writes grow from. */
  #usedBytes(): number {
    const pages = this.#db.pragma('main.page_count', { simple: true }) as number;
    const free = this.#db.pragma('main.freelist_count', { simple: true }) as number;
    const size = this.#db.pragma('main.page_size', { simple: true }) as number;
    return (pages - free) * size + this.#sideBytes();
  }

  /** The WAL and the word index's file and WAL. */
  #sideBytes(): number {
    let bytes = 0;
    for (const f of [`${this.#file}-wal`, this.#words, `${this.#words}-wal`]) {
      try {
        bytes += statSync(f).size;
      } catch {
        // not there yet
      }
    }
    return bytes;
  }

  /** Hands freed pages back to the file system and cuts the WAL back; the indexer drops the rows of blocks gone and does the same. */
  async #shrink(): Promise<void> {
    this.#shrinkMain();
    await this.#indexer.sweep();
  }

  #shrinkMain(): void {
    this.#db.pragma('main.incremental_vacuum');
    this.#db.pragma('main.wal_checkpoint(TRUNCATE)');
  }

  async remove(scope: { runId: string } | { project: string }): Promise<number> {
    const gone = this.#db.transaction(() => ('runId' in scope ? removeRun(this.#prepare, scope.runId) : removeProject(this.#prepare, scope.project))).immediate();
    if (gone > 0) await this.#shrink();
    return gone;
  }

  async stats(): Promise<LogStoreStats> {
    const row = this.#prepare("select coalesce(sum(lines), 0) as lines, min(min_at) as oldest, (select value from log_meta where key = 'last_id') as last_id from log_block_meta").get() as { lines: number; oldest: string | null; last_id: number };
    const pages = this.#db.pragma('main.page_count', { simple: true }) as number;
    const size = this.#db.pragma('main.page_size', { simple: true }) as number;
    return { lines: row.lines, bytesOnDisk: pages * size + this.#sideBytes(), oldestAt: row.oldest, lastId: row.last_id };
  }

  async close(): Promise<void> {
    await this.#indexer.close();
    if (this.#reader.open) this.#reader.close();
    if (this.#db.open) this.#db.close();
  }
}

/** Prepares each statement once per connection. */
function cachedPrepare(db: Sqlite.Database): Prepare {
  const statements = new Map<string, Sqlite.Statement>();
  return (sql) => {
    let stmt = statements.get(sql);
    if (!stmt) statements.set(sql, (stmt = db.prepare(sql)));
    return stmt;
  };
}

/** The composition root's factory: the log database at `file` (e.g. <data>/logs.db), created 0600 in WAL mode. */
export function openSqliteLogStore(file: string, options: SqliteLogStoreOptions = {}): SqliteLogStore {
  return new SqliteLogStore(openLogDatabase(file), openLogDatabaseWithWords(file), file, options);
}
