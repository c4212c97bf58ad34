// Search and follow over the SQLite log database (layout: sqlite-log-schema.ts).
//
// Blocks hold consecutive lines and are numbered in id order, so a search reads candidate blocks
// newest first (or oldest first when following) and stops as soon as it has enough lines: no
// merging across blocks. A block is a candidate when its id range meets the query's, its time
// range meets [since, until), it holds a line of the project asked for, and the word index names
// it for every word the text asks for (sqlite-log-words.ts). Its lines are then matched exactly
// (sqlite-log-match.ts).
import type Sqlite from 'better-sqlite3';
import { checkFilter } from '../log-query.ts';
import type { LogEntry, LogFilter, LogText } from '../log-store.ts';
import { decodeBlock, entryAt, type Block, type StoredBlock } from './sqlite-log-block.ts';
import { matchingLines } from './sqlite-log-match.ts';
import { indexedThrough, wordQuery } from './sqlite-log-words.ts';

export type Prepare = (sql: string) => Sqlite.Statement;
export type Order = 'asc' | 'desc';

export interface Query {
  filter: LogFilter;
  text: LogText | undefined;
  /** Inclusive id bounds. */
  lo: number;
  hi: number;
  /** How many lines to find (a page asks for one more than it returns, to know there is a next). */
  want: number;
  order: Order;
}

/** The id range that can hold lines of [since, until): null when none can. */
export function timeBounds(prepare: Prepare, f: LogFilter, lo: number, hi: number): { lo: number; hi: number } | null {
  if (f.since !== undefined) {
    // cum_max_at never falls from one block to the next: the first block reaching `since` bounds the ids from below.
    const row = prepare('select first_id from log_block_meta where cum_max_at >= ? order by cum_max_at limit 1').get(f.since) as { first_id: number } | undefined;
    if (!row) return null;
    lo = Math.max(lo, row.first_id);
  }
  if (f.until !== undefined) {
    const row = prepare('select last_id from log_block_meta where min_at < ? order by id desc limit 1').get(f.until) as { last_id: number } | undefined;
    if (!row) return null;
    hi = Math.min(hi, row.last_id);
  }
  return lo <= hi ? { lo, hi } : null;
}

export function readBlock(prepare: Prepare, id: number): Block {
  return decodeBlock(prepare('select d.id, m.first_id, m.lines, d.heads, d.fields, d.text from log_block_data d join log_block_meta m on m.id = d.id where d.id = ?').get(id) as StoredBlock);
}

export function findLines(prepare: Prepare, q: Query): LogEntry[] {
  checkFilter({ ...q.filter, text: q.text });
  const bounds = timeBounds(prepare, q.filter, q.lo, q.hi);
  if (!bounds) return [];
  const { lo, hi } = bounds;
  const desc = q.order === 'desc';
  const where = ['first_id <= ?', 'last_id >= ?', desc ? 'id < ?' : 'id > ?'];
  const params: unknown[] = [hi, lo];
  if (q.filter.since !== undefined) {
    where.push('max_at >= ?');
    params.push(q.filter.since);
  }
  if (q.filter.until !== undefined) {
    where.push('min_at < ?');
    params.push(q.filter.until);
  }
  if (q.filter.project !== undefined) {
    where.push('id in (select block_id from log_block_projects where project = ?)');
    params.push(q.filter.project);
  }
  const words = wordQuery(q.text);
  if (words !== null) {
    // Blocks the index has not reached yet are read whatever their words (sqlite-log-indexer.ts).
    where.push('(last_id > ? or id in (select rowid from w.log_block_words where log_block_words match ?))');
    params.push(indexedThrough(prepare), words);
  }
  const blocks = prepare(`select id from log_block_meta where ${where.join(' and ')} order by id ${q.order} limit ?`).pluck(true);
  const found: LogEntry[] = [];
  let cursor = desc ? Number.MAX_SAFE_INTEGER : 0;
  // Few blocks first (a page is often in the newest one), more per round after.
  let batch = 4;
  for (;;) {
    const ids = blocks.all(hi, lo, cursor, ...params.slice(2), batch) as number[];
    for (const id of ids) {
      const block = readBlock(prepare, id);
      const lines = matchingLines(block, { filter: q.filter, text: q.text, lo, hi });
      if (desc) lines.reverse();
      for (const i of lines) {
        found.push(entryAt(block, i));
        if (found.length >= q.want) return found;
      }
    }
    if (ids.length < batch) return found;
    cursor = ids[ids.length - 1]!;
    batch = Math.min(batch * 4, 256);
  }
}
