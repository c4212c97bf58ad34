// Deleting lines: by age, by bytes per project, by bytes on disk, by run, by project. Lines go
// first; then every block they belonged to is counted again (and dropped with its trigram row
// when empty), so block counts, bytes and time ranges stay exact for the next search or retain.
import type { LogRetention } from '../log-store.ts';
import type { Prepare } from './sqlite-log-search.ts';
import { timeBounds } from './sqlite-log-search.ts';

/** Runs inside the caller's transaction; returns how many lines went. */
export function retainByAge(prepare: Prepare, olderThan: string): number {
  const bounds = timeBounds(prepare, { until: olderThan }, 1, Number.MAX_SAFE_INTEGER);
  if (!bounds) return 0;
  const gone = prepare('delete from log_lines where id between ? and ? and at < ?').run(bounds.lo, bounds.hi, olderThan).changes;
  if (gone > 0) recount(prepare, bounds.lo, bounds.hi, null);
  return gone;
}

export function retainPerProject(prepare: Prepare, maxBytes: number): number {
  const over = prepare('select project, sum(bytes) as bytes from log_blocks group by project having sum(bytes) > ?').all(maxBytes) as Array<{ project: string; bytes: number }>;
  let gone = 0;
  for (const { project, bytes } of over) gone += deleteOldest(prepare, bytes - maxBytes, project);
  return gone;
}

/** Deletes the oldest lines until `excess` bytes of text went; `project` null: all projects. */
export function deleteOldest(prepare: Prepare, excess: number, project: string | null): number {
  const start = prepare(project === null ? 'select min(first_id) as id from log_blocks' : 'select min(first_id) as id from log_blocks where project = ?').get(...(project === null ? [] : [project])) as { id: number | null };
  if (start.id === null || excess <= 0) return 0;
  const walk = prepare(project === null ? 'select id, bytes from log_lines where id >= ? order by id' : 'select id, bytes from log_lines where id >= ? and +project = ? order by id');
  let sum = 0;
  let cut = 0;
  for (const row of walk.iterate(...(project === null ? [start.id] : [start.id, project])) as IterableIterator<{ id: number; bytes: number }>) {
    sum += row.bytes;
    cut = row.id;
    if (sum >= excess) break;
  }
  if (cut === 0) return 0;
  const gone = (project === null
    ? prepare('delete from log_lines where id between ? and ?').run(start.id, cut)
    : prepare('delete from log_lines where id between ? and ? and +project = ?').run(start.id, cut, project)
  ).changes;
  recount(prepare, start.id, cut, project);
  return gone;
}

export function removeRun(prepare: Prepare, runId: string): number {
  const range = prepare('select min(id) as lo, max(id) as hi from log_lines where run_id = ?').get(runId) as { lo: number | null; hi: number | null };
  if (range.lo === null || range.hi === null) return 0;
  const gone = prepare('delete from log_lines where run_id = ?').run(runId).changes;
  recount(prepare, range.lo, range.hi, null);
  return gone;
}

export function removeProject(prepare: Prepare, project: string): number {
  const gone = prepare('delete from log_lines where project = ?').run(project).changes;
  const blocks = prepare('delete from log_blocks where project = ? returning id').all(project) as Array<{ id: number }>;
  const dropText = prepare('delete from log_text where rowid = ?');
  for (const b of blocks) dropText.run(b.id);
  return gone;
}

/** Counts again the blocks that had lines in [lo, hi] (of one project, or any). */
function recount(prepare: Prepare, lo: number, hi: number, project: string | null): void {
  const blocks = prepare(`select id, first_id, last_id, project, environment, service from log_blocks where first_id <= ? and cum_last_id >= ?${project === null ? '' : ' and project = ?'}`)
    .all(...(project === null ? [hi, lo] : [hi, lo, project])) as Array<{ id: number; first_id: number; last_id: number; project: string; environment: string | null; service: string | null }>;
  const count = prepare('select count(*) as lines, coalesce(sum(bytes), 0) as bytes, min(at) as min_at, max(at) as max_at from log_lines where id between ? and ? and project = ? and environment is ? and service is ?');
  const update = prepare('update log_blocks set lines = ?, bytes = ?, min_at = ?, max_at = ? where id = ?');
  const drop = prepare('delete from log_blocks where id = ?');
  const dropText = prepare('delete from log_text where rowid = ?');
  for (const b of blocks) {
    if (b.last_id < lo) continue;
    const c = count.get(b.first_id, b.last_id, b.project, b.environment, b.service) as { lines: number; bytes: number; min_at: string | null; max_at: string | null };
    if (c.lines === 0) {
      drop.run(b.id);
      dropText.run(b.id);
    } else {
      update.run(c.lines, c.bytes, c.min_at, c.max_at, b.id);
    }
  }
}

export const noRetention: LogRetention = { olderThan: null, maxBytesPerProject: null, maxBytesTotal: null };
