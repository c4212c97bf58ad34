// Search and follow over the SQLite log database (layout: sqlite-log-schema.ts).
//
// Without text of three characters or more: the lines table in id order with the filters in SQL
// (and a 1–2 character substring matched here). With such text: the trigram index names the
// blocks that may hold it, newest (or oldest) first; their lines are read with the filters and
// matched exactly. Blocks of one append overlap in id, so a line is only handed out once no block
// still to read can hold a line beyond it (cum_last_id going down, first_id going up).
import type Sqlite from 'better-sqlite3';
import { checkFilter, checkStoredEntry, textMatcher, trigramTerms } from '../log-query.ts';
import { levelRank } from '../log-query.ts';
import { logLevels, type LogEntry, type LogFilter, type LogText } from '../log-store.ts';

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

interface LineRow {
  id: number;
  at: string;
  source: string;
  project: string;
  environment: string | null;
  release: number | null;
  run_id: string | null;
  step_id: string | null;
  service: string | null;
  instance: string | null;
  stream: string;
  level: number | null;
  text: string;
}

interface BlockRow {
  id: number;
  first_id: number;
  last_id: number;
  cum_last_id: number;
  project: string;
  environment: string | null;
  service: string | null;
}

const columns = 'id, at, source, project, environment, release, run_id, step_id, service, instance, stream, level, text';

function toEntry(r: LineRow): LogEntry {
  const entry = {
    id: r.id, at: r.at, source: r.source, project: r.project, environment: r.environment, release: r.release,
    runId: r.run_id, stepId: r.step_id, service: r.service, instance: r.instance, stream: r.stream,
    level: r.level === null ? null : (logLevels[r.level] ?? null), text: r.text,
  } as LogEntry;
  return checkStoredEntry(entry, r.level);
}

/** The filters as SQL over log_lines (the time bounds too: ids only narrow them). */
export function lineConditions(f: LogFilter): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const eq = (column: string, value: unknown): void => {
    if (value === undefined) return;
    where.push(`${column} = ?`);
    params.push(value);
  };
  eq('project', f.project);
  eq('environment', f.environment);
  eq('release', f.release);
  eq('run_id', f.runId);
  eq('step_id', f.stepId);
  eq('service', f.service);
  eq('instance', f.instance);
  eq('source', f.source);
  eq('stream', f.stream);
  if (f.minLevel !== undefined) {
    where.push('level >= ?');
    params.push(levelRank(f.minLevel));
  }
  if (f.since !== undefined) {
    where.push('at >= ?');
    params.push(f.since);
  }
  if (f.until !== undefined) {
    where.push('at < ?');
    params.push(f.until);
  }
  return { where, params };
}

/** The id range that can hold lines of [since, until): null when none can. */
export function timeBounds(prepare: Prepare, f: LogFilter, lo: number, hi: number): { lo: number; hi: number } | null {
  if (f.since !== undefined) {
    const row = prepare('select first_id from log_blocks where cum_max_at >= ? order by cum_max_at limit 1').get(f.since) as { first_id: number } | undefined;
    if (!row) return null;
    lo = Math.max(lo, row.first_id);
  }
  if (f.until !== undefined) {
    const row = prepare('select cum_last_id from log_blocks where min_at < ? order by id desc limit 1').get(f.until) as { cum_last_id: number } | undefined;
    if (!row) return null;
    hi = Math.min(hi, row.cum_last_id);
  }
  return lo <= hi ? { lo, hi } : null;
}

/** Each term as an FTS5 phrase: with the trigram tokenizer, a block holds the phrase when it holds the text (any case). */
export function trigramQuery(terms: string[]): string {
  return [...new Set(terms)].map((t) => `"${t.replaceAll('"', '""')}"`).join(' AND ');
}

export function findLines(prepare: Prepare, q: Query): LogEntry[] {
  checkFilter({ ...q.filter, text: q.text });
  const bounds = timeBounds(prepare, q.filter, q.lo, q.hi);
  if (!bounds) return [];
  const terms = trigramTerms(q.text);
  return terms.length > 0 ? findInBlocks(prepare, { ...q, ...bounds }, trigramQuery(terms)) : findInLines(prepare, { ...q, ...bounds });
}

/** The full rows of the lines found, in the order found. */
function load(prepare: Prepare, ids: number[]): LogEntry[] {
  const stmt = prepare(`select ${columns} from log_lines where id = ?`);
  return ids.map((id) => toEntry(stmt.get(id) as LineRow));
}

function findInLines(prepare: Prepare, q: Query): LogEntry[] {
  const match = textMatcher(q.text);
  const { where, params } = lineConditions(q.filter);
  const range = [...where, 'id between ? and ?'].join(' and ');
  if (!match) {
    const rows = prepare(`select ${columns} from log_lines where ${range} order by id ${q.order} limit ${q.want}`).all(...params, q.lo, q.hi) as LineRow[];
    return rows.map(toEntry);
  }
  const chunk = Math.max(q.want, 4096);
  const stmt = prepare(`select id, text from log_lines where ${range} order by id ${q.order} limit ${chunk}`).raw(true);
  const found: number[] = [];
  let { lo, hi } = q;
  while (lo <= hi) {
    const rows = stmt.all(...params, lo, hi) as Array<[number, string]>;
    for (const [id, text] of rows) if (match(text)) found.push(id);
    if (found.length >= q.want || rows.length < chunk) break;
    const last = rows[rows.length - 1]![0];
    if (q.order === 'desc') hi = last - 1;
    else lo = last + 1;
  }
  return load(prepare, found.slice(0, q.want));
}

function findInBlocks(prepare: Prepare, q: Query, ftsQuery: string): LogEntry[] {
  const match = textMatcher(q.text)!;
  const desc = q.order === 'desc';
  // The blocks that can hold ids in [lo, hi]: from the first whose running maximum reaches lo to
  // the last that starts by hi. Given to FTS5 as a rowid range, so it stops at the edge instead
  // of walking every older (or newer) block that holds the text.
  const low = prepare('select id from log_blocks where cum_last_id >= ? order by cum_last_id limit 1').get(q.lo) as { id: number } | undefined;
  const high = prepare('select id from log_blocks where first_id <= ? order by first_id desc limit 1').get(q.hi) as { id: number } | undefined;
  if (!low || !high || low.id > high.id) return [];
  const edge = desc ? high : low;
  const blockWhere = ['log_text match ?', desc ? 'log_text.rowid <= ?' : 'log_text.rowid >= ?', 'log_text.rowid between ? and ?', 'b.first_id <= ?', 'b.last_id >= ?'];
  const blockParams: unknown[] = [];
  for (const [column, value] of [['b.project', q.filter.project], ['b.environment', q.filter.environment], ['b.service', q.filter.service]] as const) {
    if (value === undefined) continue;
    blockWhere.push(`${column} = ?`);
    blockParams.push(value);
  }
  if (q.filter.since !== undefined) {
    blockWhere.push('b.max_at >= ?');
    blockParams.push(q.filter.since);
  }
  if (q.filter.until !== undefined) {
    blockWhere.push('b.min_at < ?');
    blockParams.push(q.filter.until);
  }
  const blocksStmt = prepare(
    `select b.id, b.first_id, b.last_id, b.cum_last_id, b.project, b.environment, b.service from log_text join log_blocks b on b.id = log_text.rowid where ${blockWhere.join(' and ')} order by log_text.rowid ${q.order} limit ?`,
  );
  const { where, params } = lineConditions(q.filter);
  // One scan of the id range a round of blocks covers (blocks of one append overlap: reading
  // each block's range alone would read the batch once per block), keeping the blocks' keys.
  const linesStmt = prepare(`select id, text, project, environment, service from log_lines where ${[...where, 'id between ? and ?'].join(' and ')}`).raw(true);
  const keyOf = (project: string, environment: string | null, service: string | null): string => `${project}\u0000${environment ?? '\u0001'}\u0000${service ?? '\u0001'}`;
  const seen = new Set<number>();

  const done: number[] = [];
  let pending: number[] = [];
  let cursor = edge.id;
  let batch = 2;
  for (;;) {
    const blocks = blocksStmt.all(ftsQuery, cursor, low.id, high.id, q.hi, q.lo, ...blockParams, batch + 1) as BlockRow[];
    const peek = blocks.length > batch ? blocks[batch] : undefined;
    const round = blocks.slice(0, batch);
    if (round.length > 0) {
      const keys = new Set(round.map((b) => keyOf(b.project, b.environment, b.service)));
      // A line of a key's other block in a range is matched exactly too: right either way; seen keeps it once.
      for (const [from, to] of mergeRanges(round, q.lo, q.hi)) {
        for (const [id, text, project, environment, service] of linesStmt.all(...params, from, to) as Array<[number, string, string, string | null, string | null]>) {
          if (!seen.has(id) && keys.has(keyOf(project, environment, service)) && match(text)) {
            seen.add(id);
            pending.push(id);
          }
        }
      }
    }
    pending.sort(desc ? (x, y) => y - x : (x, y) => x - y);
    // Lines beyond what any block still to read can hold are final, in order.
    const final = peek === undefined ? -1 : pending.findIndex((id) => (desc ? id <= peek.cum_last_id : id >= peek.first_id));
    const cut = final === -1 ? pending.length : final;
    done.push(...pending.slice(0, cut));
    pending = pending.slice(cut);
    if (done.length >= q.want || peek === undefined) break;
    cursor = peek.id;
    batch = Math.min(batch * 2, 64);
  }
  return load(prepare, done.slice(0, q.want));
}

/** The blocks' id ranges (clipped to [lo, hi]), overlapping or touching ones merged: blocks of one append become one scan, distant blocks stay apart. */
function mergeRanges(blocks: BlockRow[], lo: number, hi: number): Array<[number, number]> {
  const ranges = blocks.map((b): [number, number] => [Math.max(lo, b.first_id), Math.min(hi, b.last_id)]).sort((x, y) => x[0] - y[0]);
  const merged: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else merged.push(r);
  }
  return merged;
}
