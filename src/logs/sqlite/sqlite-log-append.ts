// One append: the lines numbered from log_meta, cut into blocks of consecutive lines (at most
// blockMaxLines / blockMaxBytes), each written as one row with one FTS5 row of its words. A row
// per block instead of per line (and words instead of trigrams) is what makes indexed ingest fast.
import type { NewLogEntry } from '../log-store.ts';
import { blockMaxBytes, blockMaxLines, blockOf, encodeBlock, type Block, type EncodedBlock } from './sqlite-log-block.ts';
import { indexedText } from './sqlite-log-words.ts';
import type { Prepare } from './sqlite-log-search.ts';

/** Runs inside the caller's transaction; returns the last id. */
export function appendLines(prepare: Prepare, entries: readonly NewLogEntry[]): number {
  const meta = prepare("select value from log_meta where key = 'last_id'").get() as { value: number };
  let id = meta.value;
  let start = 0;
  let bytes = 0;
  const blocks: Block[] = [];
  entries.forEach((e, i) => {
    // UTF-16 length bounds the UTF-8 bytes from below and by 3× from above: cheap and close enough for a block's size.
    const size = e.text.length + 1;
    if (i > start && (i - start >= blockMaxLines || bytes + size > blockMaxBytes)) {
      const first = id + 1 + start;
      blocks.push(blockOf(entries.slice(start, i), (j) => first + j));
      start = i;
      bytes = 0;
    }
    bytes += size;
  });
  const first = id + 1 + start;
  blocks.push(blockOf(entries.slice(start), (j) => first + j));
  id += entries.length;
  prepare("update log_meta set value = ? where key = 'last_id'").run(id);
  for (const block of blocks) writeBlock(prepare, encodeBlock(block));
  return id;
}

/** Inserts a new block after every other (its lines are newer than any stored). */
export function writeBlock(prepare: Prepare, b: EncodedBlock): void {
  const previous = prepare('select id, cum_max_at from log_block_meta order by id desc limit 1').get() as { id: number; cum_max_at: string } | undefined;
  const id = (previous?.id ?? 0) + 1;
  const cumMaxAt = previous && previous.cum_max_at > b.maxAt ? previous.cum_max_at : b.maxAt;
  prepare('insert into log_block_meta (id, first_id, last_id, min_at, max_at, cum_max_at, lines, bytes) values (?, ?, ?, ?, ?, ?, ?, ?)').run(id, b.firstId, b.lastId, b.minAt, b.maxAt, cumMaxAt, b.lines, b.bytes);
  prepare('insert into log_block_data (id, heads, fields, text) values (?, ?, ?, ?)').run(id, b.heads, b.fields, b.text);
  writeProjects(prepare, id, b);
  prepare('insert into log_block_words (rowid, text) values (?, ?)').run(id, indexedText(b.text));
}

export function writeProjects(prepare: Prepare, id: number, b: EncodedBlock): void {
  const insert = prepare('insert into log_block_projects (project, block_id, lines, bytes) values (?, ?, ?, ?)');
  for (const [project, p] of b.projects) insert.run(project, id, p.lines, p.bytes);
}
