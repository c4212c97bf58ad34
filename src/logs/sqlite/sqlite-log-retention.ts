// Deleting lines: by age, by bytes per project, by bytes on disk, by run, by project. A block whose
// lines all go is dropped; a block that keeps some is written again without the others (ids stay;
// its counts and time range follow), so block metadata stays exact. The word index keeps a dropped
// block's row until the indexer sweeps it, and a shrunk block's row as it was: it names a block
// for words it no longer holds, which the exact match rules out (sqlite-log-indexer.ts).
import type { LogRetention } from '../log-store.ts';
import { encodeBlock, keepLines, withBytes, type Block } from './sqlite-log-block.ts';
import { replaceBlock } from './sqlite-log-append.ts';
import { readBlock, type Prepare } from './sqlite-log-search.ts';

/** Runs inside the caller's transaction; returns how many lines went. */
export function retainByAge(prepare: Prepare, olderThan: string): number {
  const cut = Date.parse(olderThan);
  const blocks = prepare('select id, max_at, lines from log_block_meta where min_at < ?').all(olderThan) as Array<{ id: number; max_at: string; lines: number }>;
  let gone = 0;
  for (const b of blocks) gone += b.max_at < olderThan ? dropBlock(prepare, b.id, b.lines) : rewrite(prepare, b.id, (block, i) => block.at[i]! < cut);
  return gone;
}

export function retainPerProject(prepare: Prepare, maxBytes: number): number {
  const over = prepare('select project, sum(bytes) as bytes from log_block_projects group by project having sum(bytes) > ?').all(maxBytes) as Array<{ project: string; bytes: number }>;
  let gone = 0;
  for (const { project, bytes } of over) gone += deleteOldest(prepare, bytes - maxBytes, project);
  return gone;
}

/** Deletes the oldest lines until `excess` bytes of text went; `project` null: whole blocks of any project. */
export function deleteOldest(prepare: Prepare, excess: number, project: string | null): number {
  let left = excess;
  let gone = 0;
  if (project === null) {
    for (const b of prepare('select id, lines, bytes from log_block_meta order by id').all() as Array<{ id: number; lines: number; bytes: number }>) {
      if (left <= 0) break;
      gone += dropBlock(prepare, b.id, b.lines);
      left -= b.bytes;
    }
    return gone;
  }
  const blocks = prepare('select p.block_id as id, p.lines, p.bytes, m.lines as all_lines from log_block_projects p join log_block_meta m on m.id = p.block_id where p.project = ? order by p.block_id').all(project) as Array<{ id: number; lines: number; bytes: number; all_lines: number }>;
  for (const b of blocks) {
    if (left <= 0) break;
    if (b.lines === b.all_lines && b.bytes <= left) {
      gone += dropBlock(prepare, b.id, b.lines);
      left -= b.bytes;
      continue;
    }
    // Part of the block: the project's oldest lines until enough went.
    gone += rewrite(prepare, b.id, (block, i) => {
      if (left <= 0 || block.heads[block.head[i]!]![1] !== project) return false;
      left -= block.bytes[i]!;
      return true;
    });
  }
  return gone;
}

export function removeRun(prepare: Prepare, runId: string): number {
  // Heads are JSON: a block holding the run holds its id as a JSON string.
  const blocks = prepare('select id from log_block_data where instr(heads, ?) > 0').pluck(true).all(JSON.stringify(runId)) as number[];
  let gone = 0;
  for (const id of blocks) gone += rewrite(prepare, id, (block, i) => block.heads[block.head[i]!]![4] === runId);
  return gone;
}

export function removeProject(prepare: Prepare, project: string): number {
  const blocks = prepare('select p.block_id as id, p.lines, m.lines as all_lines from log_block_projects p join log_block_meta m on m.id = p.block_id where p.project = ?').all(project) as Array<{ id: number; lines: number; all_lines: number }>;
  let gone = 0;
  for (const b of blocks) gone += b.lines === b.all_lines ? dropBlock(prepare, b.id, b.lines) : rewrite(prepare, b.id, (block, i) => block.heads[block.head[i]!]![1] === project);
  return gone;
}

function dropBlock(prepare: Prepare, id: number, lines: number): number {
  for (const table of ['log_block_meta', 'log_block_data']) prepare(`delete from ${table} where id = ?`).run(id);
  prepare('delete from log_block_projects where block_id = ?').run(id);
  return lines;
}

/** Writes block `id` again without the lines `drop` names (in id order); returns how many went. */
function rewrite(prepare: Prepare, id: number, drop: (block: Block, i: number) => boolean): number {
  const block = withBytes(readBlock(prepare, id));
  const kept = keepLines(block, (i) => drop(block, i));
  if (kept === null) return dropBlock(prepare, id, block.ids.length);
  const gone = block.ids.length - kept.ids.length;
  if (gone === 0) return 0;
  replaceBlock(prepare, id, encodeBlock(kept));
  return gone;
}

export const noRetention: LogRetention = { olderThan: null, maxBytesPerProject: null, maxBytesTotal: null };
