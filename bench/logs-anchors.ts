// The anchors of bench/logs, measured in the same run on the same lines: plain SQLite inserts (no
// index), an FTS5 row per line inserted explicitly, an FTS5 row per line fed by a trigger
// (external content), and the store's layout before decision 0027 (a row per line with its two
// indexes, a trigram FTS5 row per 1024 lines; without 0023's per-service grouping, so a little
// faster than it was). Same file settings as the log store (WAL, synchronous NORMAL), batches of
// the same size, trigram tokenizer (the one that answers substrings).
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import type { NewLogEntry } from '../src/logs/log-store.ts';

const columns = 'at, source, project, environment, release, run_id, step_id, service, instance, stream, level, text';
const table = `create table lines (id integer primary key, at text, source text, project text, environment text, release integer, run_id text, step_id text, service text, instance text, stream text, level integer, text text)`;

const kinds = {
  'plain SQLite insert, no index': `${table};`,
  'FTS5 row per line, explicit insert': `${table}; create virtual table fts using fts5(text, content='', contentless_delete=1, tokenize='trigram');`,
  'FTS5 row per line, trigger-fed': `${table}; create virtual table fts using fts5(text, content='lines', content_rowid='id', tokenize='trigram');
     create trigger lines_ai after insert on lines begin insert into fts(rowid, text) values (new.id, new.text); end;`,
  'the layout before (0023: row per line, trigram row per block)': `${table}; create index lines_project on lines (project, environment, id);
     create index lines_run on lines (run_id, id) where run_id is not null;
     create virtual table fts using fts5(text, content='', contentless_delete=1, tokenize='trigram');`,
} as const;
export type AnchorKind = keyof typeof kinds;
export const anchorKinds = Object.keys(kinds) as AnchorKind[];

/** Lines per second for one kind over `batches` (each one transaction). */
export function anchorRate(dir: string, kind: AnchorKind, batches: NewLogEntry[][]): number {
  const db = new Sqlite(join(dir, `anchor-${anchorKinds.indexOf(kind)}.db`));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(kinds[kind]);
  const insert = db.prepare(`insert into lines (${columns}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const explicit = kind === 'FTS5 row per line, explicit insert' ? db.prepare('insert into fts (rowid, text) values (?, ?)') : null;
  const perBlock = kind === 'the layout before (0023: row per line, trigram row per block)' ? db.prepare('insert into fts (rowid, text) values (?, ?)') : null;
  let block = 0;
  const write = db.transaction((entries: NewLogEntry[]) => {
    for (const e of entries) {
      const { lastInsertRowid } = insert.run(e.at, e.source, e.project, e.environment, e.release, e.runId, e.stepId, e.service, e.instance, e.stream, e.level === null ? null : 1, e.text);
      explicit?.run(lastInsertRowid, e.text);
    }
    for (let i = 0; perBlock && i < entries.length; i += 1024) perBlock.run(++block, entries.slice(i, i + 1024).map((e) => e.text).join('\n'));
  });
  let lines = 0;
  const t0 = performance.now();
  for (const batch of batches) {
    write.immediate(batch);
    lines += batch.length;
  }
  const rate = lines / ((performance.now() - t0) / 1000);
  db.close();
  return rate;
}
