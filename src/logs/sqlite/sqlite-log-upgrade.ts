// A logs.db of the layout before blocks (log_lines: one row per line, log_blocks, log_text) is
// moved into blocks in place when migrate() runs: lines keep their ids (followers' cursors stay
// valid) and last_id stays. Each transaction moves a run of lines and deletes them from log_lines,
// so a start killed half-way goes on from where it stopped and no line is in both or neither.
import type Sqlite from 'better-sqlite3';
import type { LogSource, LogStream, NewLogEntry } from '../log-store.ts';
import { logLevels } from '../log-store.ts';
import { blockMaxBytes, blockMaxLines, blockOf, encodeBlock } from './sqlite-log-block.ts';
import { writeBlock } from './sqlite-log-append.ts';
import type { Prepare } from './sqlite-log-search.ts';
import type { StoredLine } from '../log-query.ts';

/** A row of the old one-row-per-line table: the shape both stores read, with SQLite's numeric id. */
type OldLine = StoredLine & { id: number };

const movePerTransaction = 16 * blockMaxLines;

/** Where a test makes the upgrade fail, as a crash would (test/logs/sqlite-log-upgrade.test.ts). */
export interface UpgradeFaults {
  /** Called after each block is written, inside its transaction, with how many blocks were written so far. */
  afterBlock?: (blocks: number) => void;
  /** Called after each move transaction commits, with how many were committed so far. */
  afterTransaction?: (transactions: number) => void;
}

/** Moves every line of the old layout into blocks, then drops the old tables; returns how many lines moved. */
export function upgradeOldLayout(db: Sqlite.Database, prepare: Prepare, faults: UpgradeFaults = {}): number {
  const old = db.prepare("select count(*) as n from sqlite_master where type = 'table' and name = 'log_lines'").get() as { n: number };
  if (old.n === 0) return 0;
  let blocks = 0;
  const moveBlock = (rows: OldLine[]): void => {
    writeBlock(prepare, encodeBlock(blockOf(entriesOf(rows), (i) => rows[i]!.id)));
    faults.afterBlock?.(++blocks);
  };
  const read = db.prepare(`select id, at, source, project, environment, release, run_id, step_id, service, instance, stream, level, text from log_lines order by id limit ${movePerTransaction}`);
  const move = db.transaction((): number => {
    const rows = read.all() as OldLine[];
    let start = 0;
    let bytes = 0;
    rows.forEach((row, i) => {
      const size = row.text.length + 1;
      if (i > start && (i - start >= blockMaxLines || bytes + size > blockMaxBytes)) {
        moveBlock(rows.slice(start, i));
        start = i;
        bytes = 0;
      }
      bytes += size;
    });
    if (rows.length > 0) {
      moveBlock(rows.slice(start));
      prepare('delete from log_lines where id <= ?').run(rows[rows.length - 1]!.id);
    }
    return rows.length;
  });
  let moved = 0;
  for (let n = move.immediate(), done = 1; n > 0; n = move.immediate(), done++) {
    moved += n;
    faults.afterTransaction?.(done);
  }
  db.exec('begin immediate; drop table if exists log_lines; drop table if exists log_blocks; drop table if exists log_text; commit;');
  db.pragma('incremental_vacuum');
  return moved;
}

function entriesOf(rows: OldLine[]): NewLogEntry[] {
  let previousAt = new Date(0).toISOString();
  return rows.map((r): NewLogEntry => {
    // The old layout took any text shaped like a time; one that names no instant keeps the line's place with the time before it.
    const ms = Date.parse(r.at);
    const at = Number.isNaN(ms) ? previousAt : new Date(ms).toISOString();
    previousAt = at;
    return {
      at, source: r.source as LogSource, project: r.project, environment: r.environment, release: r.release, runId: r.run_id, stepId: r.step_id,
      service: r.service, instance: r.instance, stream: r.stream as LogStream, level: r.level === null ? null : (logLevels[r.level] ?? null), text: r.text,
    };
  });
}
