// The SQLite log database: a file of its own (never the state store's), WAL, incremental
// auto-vacuum so retention can hand pages back to the file system.
//
// log_lines   one row per line (the truth); ids assigned by the store from log_meta, never reused.
// log_blocks  one row per block: the lines of one append with the same project/environment/service
//             (at most blockMaxLines / blockMaxBytes), with their id range and time range.
// log_text    FTS5, trigram, contentless: one row per block (rowid = block id), the block's lines
//             joined. A phrase of trigrams answers "which blocks hold this text" (positions are
//             kept: detail=none would make every block holding the trigrams anywhere a candidate);
//             the lines of those blocks are then matched exactly (src/logs/log-query.ts textMatcher).
//
// Two running maxima make a block list usable as a time index although `at` is not ordered by id:
// cum_max_at (the greatest `at` in this block or any before it) and cum_last_id (the greatest line
// id in this block or any before it). Blocks are numbered in order of their first line id.
import { chmodSync, closeSync, openSync } from 'node:fs';
import Sqlite from 'better-sqlite3';

export const blockMaxLines = 1024;
export const blockMaxBytes = 256 * 1024;

const schema = `
create table if not exists log_meta (key text primary key, value integer not null) strict;
insert or ignore into log_meta (key, value) values ('last_id', 0);
create table if not exists log_lines (
  id integer primary key,
  at text not null,
  source text not null,
  project text not null,
  environment text,
  release integer,
  run_id text,
  step_id text,
  service text,
  instance text,
  stream text not null,
  level integer,
  text text not null,
  bytes integer not null
);
create index if not exists log_lines_project on log_lines (project, environment, id);
create index if not exists log_lines_run on log_lines (run_id, id) where run_id is not null;
create table if not exists log_blocks (
  id integer primary key,
  project text not null,
  environment text,
  service text,
  first_id integer not null,
  last_id integer not null,
  cum_last_id integer not null,
  min_at text not null,
  max_at text not null,
  cum_max_at text not null,
  lines integer not null,
  bytes integer not null
);
create index if not exists log_blocks_cum_max_at on log_blocks (cum_max_at);
create index if not exists log_blocks_project on log_blocks (project, id);
create index if not exists log_blocks_first_id on log_blocks (first_id);
create index if not exists log_blocks_cum_last_id on log_blocks (cum_last_id);
create virtual table if not exists log_text using fts5 (text, content='', contentless_delete=1, tokenize='trigram');
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
