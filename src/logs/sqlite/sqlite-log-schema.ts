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
// log_block_words     FTS5, unicode61 words (letters, digits, underscore, as tokens are) with
//                     positions, contentless: "which blocks hold these words (in this order)".
//                     Words are cheap to index where trigrams were most of an append
//                     (docs/decisions/0027-log-blocks.md).
//
// A file of the layout before (log_lines, one row per line) is moved into blocks by
// sqlite-log-upgrade.ts when migrate() runs.
import { chmodSync, closeSync, openSync } from 'node:fs';
import Sqlite from 'better-sqlite3';

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
create virtual table if not exists log_block_words using fts5 (text, content='', contentless_delete=1, tokenize="unicode61 remove_diacritics 0 categories 'L* N*' tokenchars '_'");
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
