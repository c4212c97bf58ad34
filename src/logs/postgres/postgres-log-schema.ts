// The PostgreSQL log tables. One row per line; pg_trgm's GIN index answers both substrings
// (ILIKE) and whole words (a case-insensitive regular expression, which pg_trgm also narrows).
// Ids come from log_meta under its row lock, so they commit in order: a follower never sees id
// 11 before 10 commits.
//
// PostgreSQL text cannot hold U+0000; a NUL is stored as U+E000 U+E001 and U+E000 itself as
// U+E000 U+E000 (both ways in postgres-log-text.ts), so every line round-trips exactly.

/** Any constant: one server migrates at a time. */
export const migrateLockKey = 0x51_1c_e1_06;

export const logSchemaSql = `
create extension if not exists pg_trgm;
create table if not exists log_meta (key text primary key, value bigint not null);
insert into log_meta (key, value) values ('last_id', 0), ('peak_size', 0), ('peak_text', 0) on conflict do nothing;
create table if not exists log_lines (
  id bigint primary key,
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
  level smallint,
  text text not null,
  bytes integer not null
);
create index if not exists log_lines_project on log_lines (project, environment, id);
create index if not exists log_lines_run on log_lines (run_id, id) where run_id is not null;
create index if not exists log_lines_at on log_lines (at);
create index if not exists log_lines_text on log_lines using gin (text gin_trgm_ops);
`;
