// The SQLite log database: a file of its own (never the state store's), WAL, incremental
// auto-vacuum so retention can hand pages back to the file system.
//
// log_meta            last_id: ids are assigned by the store from it and never reused.
// log_block_meta      one row per block (sqlite-log-block.ts): id range, time range, line and
//                     byte counts, and cum_max_at, the greatest `at` of this block or any before
//                     it. Blocks hold consecutive lines of one append, so their id ranges are
//                     disjoint and ordered by block id; small rows, so scanning them is cheap.
// log_block_data      the block itself: heads, fields, text (apart, so the metadata stays dense).
// log_block_projects  lines and bytes per project and block (filters and retention by project).
// w.log_block_words   in a file of its own (logs.db-words), attached as `w`: FTS5, unicode61
//                     words (letters, digits, underscore, as tokens are) with positions,
//                     contentless: "which blocks hold these words (in this order)". Written by a
//                     worker thread off the append path (sqlite-log-indexer.ts; decisions 0027, 0036).
//                     A logs.db of decision 0027 kept it in the main file: dropped, rebuilt there.
//
// A file of the layout before (log_lines, one row per line) is moved into blocks by
// sqlite-log-upgrade.ts when migrate() runs.
import { chmodSync, closeSync, openSync } from 'node:fs';
import Sqlite from 'better-sqlite3';
import { wordsFileOf, wordsSchema } from './sqlite-log-words.ts';

const schema = `
create table if not exists log_meta (key text primary key, value integer not null) strict;
insert or ignore into log_meta (key, value) values ('last_id', 0);
create table if not exists log_block_meta (
  id integer primary key,
  first_id integer not null,
  last_id integer not null,
  min_at text not null,
  max_at text not null,
  cum_max_at text not null,
  lines integer not null,
  bytes integer not null
) strict;
create index if not exists log_block_meta_first_id on log_block_meta (first_id);
create index if not exists log_block_meta_cum_max_at on log_block_meta (cum_max_at);
create table if not exists log_block_data (
  id integer primary key,
  heads text not null,
  fields blob not null,
  text text not null
) strict;
create table if not exists log_block_projects (
  project text not null,
  block_id integer not null,
  lines integer not null,
  bytes integer not null,
  primary key (project, block_id)
) strict, without rowid;
create index if not exists log_block_projects_block on log_block_projects (block_id);
drop table if exists main.log_block_words;
`;

/** Opens (creating with mode 0600) the log database and sets the connection's pragmas. */
export function openLogDatabase(file: string): Sqlite.Database {
  // Created before SQLite sees it, so it never exists with a wider mode; -wal and -shm take the file's mode.
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
  const db = new Sqlite(file);
  // Only takes effect before the first table exists, which is the point: a new file gets it.
  db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 10000');
  // After a checkpoint the WAL file is cut back to this size instead of staying at its peak.
  db.pragma(`journal_size_limit = ${4 * 1024 * 1024}`);
  db.pragma('cache_size = -16000');
  return db;
}

export function migrateLogDatabase(db: Sqlite.Database): void {
  db.exec(`begin immediate; ${schema} commit;`);
}

/** The word index's tables, through a connection that has its file attached as `w`. */
export function migrateWords(db: Sqlite.Database): void {
  // Pragmas outside a transaction, as the main file's; auto_vacuum before the first table.
  db.pragma('w.auto_vacuum = INCREMENTAL');
  db.pragma('w.journal_mode = WAL');
  db.pragma(`w.journal_size_limit = ${4 * 1024 * 1024}`);
  // Immediate: the schema's reads then its insert would upgrade a read lock to a write lock, which
  // fails at once (SQLITE_BUSY, no busy wait) when the index worker committed in between, as it
  // does while it indexes (a second migrate of a running store, test/logs/sqlite-log-upgrade).
  db.exec(`begin immediate; ${wordsSchema} commit;`);
}

/** Opens the log database at `file` with its words file attached as `w`. */
export function openLogDatabaseWithWords(file: string): Sqlite.Database {
  const db = openLogDatabase(file);
  const words = wordsFileOf(file);
  closeSync(openSync(words, 'a', 0o600));
  chmodSync(words, 0o600);
  db.prepare('attach database ? as w').run(words);
  return db;
}
