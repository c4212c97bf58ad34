// One append: the lines numbered from log_meta, cut into blocks of consecutive lines (at most
// blockMaxLines / blockMaxBytes), each written as one row. A row per block instead of per line is
// what makes ingest fast; the words of a block are indexed after, off this path
// (sqlite-log-indexer.ts).
import type { NewLogEntry } from '../log-store.ts';
import { blockMaxBytes, blockMaxLines, blockOf, encodeBlock, joinBlocks, withBytes, type Block, type EncodedBlock } from './sqlite-log-block.ts';
import { readBlock, type Prepare } from './sqlite-log-search.ts';

/** Runs inside the caller's transaction; returns the last id. */
export function appendLines(prepare: Prepare, entries: readonly NewLogEntry[], times: readonly number[]): number {
  const meta = prepare("select value from log_meta where key = 'last_id'").get() as { value: number };
  let id = meta.value;
  let start = 0;
  let bytes = 0;
  const blocks: Block[] = [];
  const cut = (end: number): void => {
    const first = id + 1 + start;
    blocks.push(blockOf(entries.slice(start, end), (j) => first + j, times.slice(start, end)));
    start = end;
    bytes = 0;
  };
  for (let i = 0; i < entries.length; i++) {
    // UTF-16 length bounds the UTF-8 bytes from below and by 3× from above: cheap and close enough for a block's size.
    const size = entries[i]!.text.length + 1;
    if (i > start && (i - start >= blockMaxLines || bytes + size > blockMaxBytes)) cut(i);
    bytes += size;
  }
  cut(entries.length);
  id += entries.length;
  prepare("update log_meta set value = ? where key = 'last_id'").run(id);
  const [head, ...rest] = blocks;
  if (!mergeIntoNewest(prepare, head!)) writeBlock(prepare, encodeBlock(head!));
  for (const block of rest) writeBlock(prepare, encodeBlock(block));
  return id;
}

/**
 * Small appends (the ingest flushes every few milliseconds) would make many small blocks, each a
 * few rows and a read of its own: while the newest block is small, a small append joins it. Its
 * rewrite is bounded by mergeMaxBytes, so a trickle of lines costs little more than before.
 */
const mergeMaxLines = 256;
const mergeMaxBytes = 32 * 1024;

function mergeIntoNewest(prepare: Prepare, block: Block): boolean {
  const newest = prepare('select id, lines, bytes, cum_max_at from log_block_meta order by id desc limit 1').get() as { id: number; lines: number; bytes: number; cum_max_at: string } | undefined;
  if (!newest || newest.lines + block.ids.length > mergeMaxLines || newest.bytes + block.text.length > mergeMaxBytes) return false;
  const joined = encodeBlock(joinBlocks(withBytes(readBlock(prepare, newest.id)), block));
  replaceBlock(prepare, newest.id, joined);
  if (joined.maxAt > newest.cum_max_at) prepare('update log_block_meta set cum_max_at = ? where id = ?').run(joined.maxAt, newest.id);
  return true;
}

/** Writes block `id` again (retention took lines from it, or an append joined it). */
export function replaceBlock(prepare: Prepare, id: number, b: EncodedBlock): void {
  prepare('update log_block_meta set first_id = ?, last_id = ?, min_at = ?, max_at = ?, lines = ?, bytes = ? where id = ?').run(b.firstId, b.lastId, b.minAt, b.maxAt, b.lines, b.bytes, id);
  prepare('update log_block_data set heads = ?, fields = ?, text = ? where id = ?').run(b.heads, b.fields, b.text, id);
  prepare('delete from log_block_projects where block_id = ?').run(id);
  writeProjects(prepare, id, b);
}

/** Inserts a new block after every other (its lines are newer than any stored). */
export function writeBlock(prepare: Prepare, b: EncodedBlock): void {
  const previous = prepare('select id, cum_max_at from log_block_meta order by id desc limit 1').get() as { id: number; cum_max_at: string } | undefined;
  const id = (previous?.id ?? 0) + 1;
  const cumMaxAt = previous && previous.cum_max_at > b.maxAt ? previous.cum_max_at : b.maxAt;
  prepare('insert into log_block_meta (id, first_id, last_id, min_at, max_at, cum_max_at, lines, bytes) values (?, ?, ?, ?, ?, ?, ?, ?)').run(id, b.firstId, b.lastId, b.minAt, b.maxAt, cumMaxAt, b.lines, b.bytes);
  prepare('insert into log_block_data (id, heads, fields, text) values (?, ?, ?, ?)').run(id, b.heads, b.fields, b.text);
  writeProjects(prepare, id, b);
}

export function writeProjects(prepare: Prepare, id: number, b: EncodedBlock): void {
  const insert = prepare('insert into log_block_projects (project, block_id, lines, bytes) values (?, ?, ?, ?)');
  for (const [project, p] of b.projects) insert.run(project, id, p.lines, p.bytes);
}
