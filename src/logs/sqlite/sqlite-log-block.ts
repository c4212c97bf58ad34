// A block of the SQLite log store: up to blockMaxLines consecutive lines of one append (or what
// retention left of them), stored as one row instead of one row per line:
//   text   the lines joined by '\n' (what FTS5 indexes and what searches match in one pass)
//   heads  JSON: the block's distinct [source, project, environment, release, runId, stepId,
//          service, instance, stream] tuples (a block of 1000 lines has a handful)
//   fields per line, as columns of fixed width: at (ms, f64), id - firstId (u32), end of the line
//          in text (UTF-16 units, u32), head index (u16), level rank (u8, 255 = none)
// Read back, a block is checked by hand (sizes, ranges, the heads' shapes) rather than with zod:
// the store opens at server start and zod is not loaded there (docs/decisions/0027-log-blocks.md).
import { ErrorCode, InvalidInputError, SluiceError } from '../../errors.ts';
import type { LogEntry, LogLevel, LogSource, LogStream, NewLogEntry } from '../log-store.ts';
import { checkStoredEntry, isoMillis, levelRank } from '../log-query.ts';
import { logLevels } from '../log-store.ts';

export const blockMaxLines = 1024;
export const blockMaxBytes = 256 * 1024;

/** What a line shares with others of its block: everything but time, level and text. */
export type Head = [source: string, project: string, environment: string | null, release: number | null, runId: string | null, stepId: string | null, service: string | null, instance: string | null, stream: string];

export const noLevel = 255;
const bytesPerLine = 8 + 4 + 4 + 2 + 1;

/** A block in memory: columns by line, in id order. */
export interface Block {
  ids: Column;
  at: Column;
  ends: Column;
  head: Column;
  level: Column;
  heads: Head[];
  text: string;
  /** UTF-8 bytes of text per line (what retention counts; a block read back has them only after withBytes). */
  bytes: Column;
}

/** Arrays while a block is built, typed arrays over the stored fields when read back. */
type Column = { readonly [i: number]: number; readonly length: number };

export interface EncodedBlock {
  firstId: number;
  lastId: number;
  lines: number;
  bytes: number;
  minAt: string;
  maxAt: string;
  heads: string;
  fields: Buffer;
  text: string;
  /** Bytes of text per project (retention by project). */
  projects: Map<string, { lines: number; bytes: number }>;
}

/**
 * The heads of a block being built: a line's head is found among those of its instance (or step)
 * by comparing fields, not by building a string key per line (the key was most of an append).
 */
class HeadIndex {
  readonly heads: Head[] = [];
  readonly #byOwner = new Map<string | null, number[]>();

  of(e: NewLogEntry): number {
    const owner = e.instance ?? e.stepId;
    let list = this.#byOwner.get(owner);
    if (list === undefined) {
      list = [];
      this.#byOwner.set(owner, list);
    }
    for (const h of list) {
      const x = this.heads[h]!;
      if (x[0] === e.source && x[1] === e.project && x[2] === e.environment && x[3] === e.release && x[4] === e.runId && x[5] === e.stepId && x[6] === e.service && x[7] === e.instance && x[8] === e.stream) return h;
    }
    const h = this.heads.length;
    this.heads.push([e.source, e.project, e.environment, e.release, e.runId, e.stepId, e.service, e.instance, e.stream]);
    list.push(h);
    return h;
  }
}

const nonAscii = /[\u0080-\uffff]/;

/**
 * A new block from entries, the i-th numbered idOf(i); `times` are the lines' times in ms when
 * the caller has them already (checkNewEntries), else they are read from `at`.
 */
export function blockOf(entries: readonly NewLogEntry[], idOf: (i: number) => number, times?: readonly number[]): Block {
  const n = entries.length;
  const heads = new HeadIndex();
  const block = { ids: new Array<number>(n), at: new Array<number>(n), ends: new Array<number>(n), head: new Array<number>(n), level: new Array<number>(n), heads: heads.heads, text: '', bytes: new Array<number>(n) };
  const texts = new Array<string>(n);
  let end = -1;
  for (let i = 0; i < n; i++) {
    const e = entries[i]!;
    end += 1 + e.text.length;
    block.ids[i] = idOf(i);
    block.at[i] = times?.[i] ?? atMs(e.at);
    block.ends[i] = end;
    block.head[i] = heads.of(e);
    block.level[i] = e.level === null ? noLevel : levelRank(e.level);
    block.bytes[i] = e.text.length;
    texts[i] = e.text;
  }
  block.text = texts.join('\n');
  // UTF-8 bytes are UTF-16 units for ASCII text: one native scan of the block instead of a count per line.
  if (nonAscii.test(block.text)) for (let i = 0; i < n; i++) block.bytes[i] = Buffer.byteLength(texts[i]!);
  return block;
}

function atMs(at: string): number {
  const ms = isoMillis(at);
  if (ms === null) throw new InvalidInputError(`log line time ${JSON.stringify(at)} is not an ISO 8601 UTC time with milliseconds`, { at });
  return ms;
}

/** The block without the lines `drop` says go; null when none stay. */
export function keepLines(block: Block, drop: (i: number) => boolean): Block | null {
  const out = { ids: [] as number[], at: [] as number[], ends: [] as number[], head: [] as number[], level: [] as number[], heads: [] as Head[], text: '', bytes: [] as number[] };
  const texts: string[] = [];
  const heads = new Map<number, number>();
  let end = 0;
  for (let i = 0; i < block.ids.length; i++) {
    if (drop(i)) continue;
    const old = block.head[i]!;
    let h = heads.get(old);
    if (h === undefined) {
      h = out.heads.length;
      heads.set(old, h);
      out.heads.push(block.heads[old]!);
    }
    const text = lineText(block, i);
    end += (texts.length === 0 ? 0 : 1) + text.length;
    texts.push(text);
    out.ids.push(block.ids[i]!);
    out.at.push(block.at[i]!);
    out.ends.push(end);
    out.head.push(h);
    out.level.push(block.level[i]!);
    out.bytes.push(block.bytes[i]!);
  }
  if (out.ids.length === 0) return null;
  out.text = texts.join('\n');
  return out;
}

/** Block `a` followed by block `b` (b's lines are newer): one block. Both need their bytes (withBytes). */
export function joinBlocks(a: Block, b: Block): Block {
  const heads = [...a.heads];
  const index = new Map(heads.map((h, i) => [JSON.stringify(h), i]));
  const headOf = b.heads.map((h) => {
    const key = JSON.stringify(h);
    let i = index.get(key);
    if (i === undefined) {
      i = heads.length;
      heads.push(h);
      index.set(key, i);
    }
    return i;
  });
  const shift = a.text.length + 1;
  return {
    ids: [...Array.from(a.ids), ...Array.from(b.ids)],
    at: [...Array.from(a.at), ...Array.from(b.at)],
    ends: [...Array.from(a.ends), ...Array.from(b.ends, (e) => e + shift)],
    head: [...Array.from(a.head), ...Array.from(b.head, (h) => headOf[h]!)],
    level: [...Array.from(a.level), ...Array.from(b.level)],
    heads,
    text: `${a.text}\n${b.text}`,
    bytes: [...Array.from(a.bytes), ...Array.from(b.bytes)],
  };
}

export const lineStart = (block: Block, i: number): number => (i === 0 ? 0 : block.ends[i - 1]! + 1);
export const lineText = (block: Block, i: number): string => block.text.slice(lineStart(block, i), block.ends[i]);

export function encodeBlock(block: Block): EncodedBlock {
  const n = block.ids.length;
  const firstId = block.ids[0]!;
  const buffer = new ArrayBuffer(n * bytesPerLine);
  const at = new Float64Array(buffer, 0, n);
  const idDelta = new Uint32Array(buffer, n * 8, n);
  const ends = new Uint32Array(buffer, n * 12, n);
  const head = new Uint16Array(buffer, n * 16, n);
  const level = new Uint8Array(buffer, n * 18, n);
  let minAt = Infinity;
  let maxAt = -Infinity;
  let bytes = 0;
  // Counted per head (an array index), then summed per project (a block has a handful of heads).
  const headLines = new Array<number>(block.heads.length).fill(0);
  const headBytes = new Array<number>(block.heads.length).fill(0);
  for (let i = 0; i < n; i++) {
    const t = block.at[i]!;
    at[i] = t;
    if (t < minAt) minAt = t;
    if (t > maxAt) maxAt = t;
    idDelta[i] = block.ids[i]! - firstId;
    ends[i] = block.ends[i]!;
    const h = block.head[i]!;
    head[i] = h;
    level[i] = block.level[i]!;
    bytes += block.bytes[i]!;
    headLines[h]! += 1;
    headBytes[h]! += block.bytes[i]!;
  }
  const projects = new Map<string, { lines: number; bytes: number }>();
  block.heads.forEach(([, project], h) => {
    if (headLines[h] === 0) return;
    const p = projects.get(project);
    if (p) {
      p.lines += headLines[h]!;
      p.bytes += headBytes[h]!;
    } else projects.set(project, { lines: headLines[h]!, bytes: headBytes[h]! });
  });
  return {
    firstId,
    lastId: block.ids[n - 1]!,
    lines: n,
    bytes,
    minAt: new Date(minAt).toISOString(),
    maxAt: new Date(maxAt).toISOString(),
    heads: JSON.stringify(block.heads),
    fields: Buffer.from(buffer),
    text: block.text,
    projects,
  };
}

export interface StoredBlock {
  id: number;
  first_id: number;
  lines: number;
  heads: string;
  fields: Buffer;
  text: string;
}

const invalid = (id: number, what: string): SluiceError =>
  new SluiceError(ErrorCode.storedDataInvalid, `log block ${id} is not as this code writes it: ${what}`, { details: { block: id } });

const optionalString = (v: unknown): boolean => v === null || typeof v === 'string';

/** A stored block, checked: field sizes, increasing ids and line ends within the text, heads of the right shape. */
export function decodeBlock(row: StoredBlock): Block {
  const n = row.lines;
  if (!Number.isSafeInteger(n) || n < 1 || !Buffer.isBuffer(row.fields) || row.fields.length !== n * bytesPerLine || typeof row.text !== 'string') throw invalid(row.id, 'line count, fields or text');
  let heads: unknown;
  try {
    heads = JSON.parse(row.heads);
  } catch {
    throw invalid(row.id, 'heads are not JSON');
  }
  if (!Array.isArray(heads) || heads.length === 0) throw invalid(row.id, 'heads');
  for (const h of heads as unknown[]) {
    if (!Array.isArray(h) || h.length !== 9 || typeof h[0] !== 'string' || typeof h[1] !== 'string' || !optionalString(h[2]) || !(h[3] === null || Number.isSafeInteger(h[3])) || !h.slice(4, 8).every(optionalString) || typeof h[8] !== 'string') {
      throw invalid(row.id, 'a head');
    }
  }
  // A copy: SQLite's buffer need not be aligned for a Float64Array.
  const buffer = new Uint8Array(row.fields).buffer;
  const at = new Float64Array(buffer, 0, n);
  const idDelta = new Uint32Array(buffer, n * 8, n);
  const ends = new Uint32Array(buffer, n * 12, n);
  const head = new Uint16Array(buffer, n * 16, n);
  const level = new Uint8Array(buffer, n * 18, n);
  const ids = new Float64Array(n);
  let start = 0;
  for (let i = 0; i < n; i++) {
    ids[i] = row.first_id + idDelta[i]!;
    const end = ends[i]!;
    if ((i > 0 && idDelta[i]! <= idDelta[i - 1]!) || end < start || end > row.text.length || head[i]! >= heads.length || (level[i]! !== noLevel && level[i]! >= logLevels.length) || !Number.isFinite(at[i]!)) {
      throw invalid(row.id, `line ${i}`);
    }
    start = end + 1;
  }
  if (ends[n - 1] !== row.text.length) throw invalid(row.id, 'the text does not end with the last line');
  return { ids, at, ends, head, level, heads: heads as Head[], text: row.text, bytes: [] };
}

/** UTF-8 bytes of every line (only retention needs them, so decode leaves them out). */
export function withBytes(block: Block): Block {
  if (block.bytes.length === block.ids.length) return block;
  block.bytes = Array.from({ length: block.ids.length }, (_, i) => Buffer.byteLength(lineText(block, i)));
  return block;
}

export function entryAt(block: Block, i: number): LogEntry {
  const [source, project, environment, release, runId, stepId, service, instance, stream] = block.heads[block.head[i]!]!;
  const rank = block.level[i]!;
  const entry: LogEntry = {
    id: block.ids[i]!,
    at: new Date(block.at[i]!).toISOString(),
    source: source as LogSource,
    project,
    environment,
    release,
    runId,
    stepId,
    service,
    instance,
    stream: stream as LogStream,
    level: rank === noLevel ? null : (logLevels[rank] as LogLevel),
    text: lineText(block, i),
  };
  // The closed unions: a source or stream outside them was not written by this code.
  return checkStoredEntry(entry, rank === noLevel ? null : rank);
}
