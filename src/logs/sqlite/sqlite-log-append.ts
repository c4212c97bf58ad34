// One append: the lines in order with ids from log_meta, then one block (and one trigram row) per
// run of up to blockMaxLines / blockMaxBytes lines of the same project/environment/service.
// A trigram row per block instead of per line is what makes indexed ingest fast: FTS5's cost is
// mostly per row (segment writes, merges), and a block of ~1000 lines is one row.
import type { NewLogEntry } from '../log-store.ts';
import { levelRank } from '../log-query.ts';
import { blockMaxBytes, blockMaxLines } from './sqlite-log-schema.ts';
import type { Prepare } from './sqlite-log-search.ts';

interface Block {
  project: string;
  environment: string | null;
  service: string | null;
  ids: number[];
  texts: string[];
  bytes: number;
  minAt: string;
  maxAt: string;
}

// Null and '' differ: a null is a character no name can hold.
const keyOf = (e: NewLogEntry): string => `${e.project}\u0000${e.environment ?? '\u0001'}\u0000${e.service ?? '\u0001'}`;

/** Runs inside the caller's transaction; returns the last id. */
export function appendLines(prepare: Prepare, entries: readonly NewLogEntry[]): number {
  const meta = prepare("select value from log_meta where key = 'last_id'").get() as { value: number };
  const insert = prepare('insert into log_lines (id, at, source, project, environment, release, run_id, step_id, service, instance, stream, level, text, bytes) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const open = new Map<string, Block>();
  const blocks: Block[] = [];
  let id = meta.value;
  let maxAt = '';
  for (const e of entries) {
    id += 1;
    const bytes = Buffer.byteLength(e.text);
    insert.run(id, e.at, e.source, e.project, e.environment, e.release, e.runId, e.stepId, e.service, e.instance, e.stream, e.level === null ? null : levelRank(e.level), e.text, bytes);
    if (e.at > maxAt) maxAt = e.at;
    const key = keyOf(e);
    let block = open.get(key);
    if (!block || block.ids.length >= blockMaxLines || block.bytes + bytes > blockMaxBytes) {
      block = { project: e.project, environment: e.environment, service: e.service, ids: [], texts: [], bytes: 0, minAt: e.at, maxAt: e.at };
      open.set(key, block);
      blocks.push(block);
    }
    block.ids.push(id);
    block.texts.push(e.text);
    block.bytes += bytes;
    if (e.at < block.minAt) block.minAt = e.at;
    if (e.at > block.maxAt) block.maxAt = e.at;
  }
  prepare("update log_meta set value = ? where key = 'last_id'").run(id);
  writeBlocks(prepare, blocks, maxAt);
  return id;
}

function writeBlocks(prepare: Prepare, blocks: Block[], batchMaxAt: string): void {
  const previous = prepare('select id, cum_max_at, cum_last_id from log_blocks order by id desc limit 1').get() as { id: number; cum_max_at: string; cum_last_id: number } | undefined;
  const cumMaxAt = previous && previous.cum_max_at > batchMaxAt ? previous.cum_max_at : batchMaxAt;
  const insertBlock = prepare('insert into log_blocks (id, project, environment, service, first_id, last_id, cum_last_id, min_at, max_at, cum_max_at, lines, bytes) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const insertText = prepare('insert into log_text (rowid, text) values (?, ?)');
  let blockId = previous?.id ?? 0;
  let cumLastId = previous?.cum_last_id ?? 0;
  // Blocks are pushed when opened, so they are already in order of their first id (a block's
  // number orders its first line). Every block of a batch gets the batch's greatest time (a
  // running maximum by line would need the lines sorted by block); the last id is exact.
  for (const b of blocks) {
    blockId += 1;
    const last = b.ids[b.ids.length - 1]!;
    cumLastId = Math.max(cumLastId, last);
    insertBlock.run(blockId, b.project, b.environment, b.service, b.ids[0], last, cumLastId, b.minAt, b.maxAt, cumMaxAt, b.ids.length, b.bytes);
    insertText.run(blockId, b.texts.join('\n'));
  }
}
