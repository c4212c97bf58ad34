// Which lines of a block a query matches. Field filters by head (a block has a handful), then the
// text over the whole block at once: one toLowerCase and indexOf per substring, one global regular
// expression per token, each hit mapped to its line by the line ends. Native string work on
// ~256 KiB instead of a JavaScript step per line (the server runs without a JIT). The result is
// the same as log-query.ts textMatcher line by line; where lowercasing changes the text's length
// (İ), positions would not map, and the block is matched line by line.
import type { LogFilter, LogText } from '../log-store.ts';
import { levelRank, textMatcher } from '../log-query.ts';
import { lineStart, lineText, noLevel, type Block, type Head } from './sqlite-log-block.ts';

export interface LineQuery {
  filter: LogFilter;
  text: LogText | undefined;
  /** Inclusive id bounds. */
  lo: number;
  hi: number;
}

const headFields: ReadonlyArray<readonly [keyof LogFilter, number]> = [
  ['source', 0], ['project', 1], ['environment', 2], ['release', 3], ['runId', 4], ['stepId', 5], ['service', 6], ['instance', 7], ['stream', 8],
];

/** Line indexes of the block that match, in id order. */
export function matchingLines(block: Block, q: LineQuery): number[] {
  const f = q.filter;
  const heads = block.heads.map((h: Head) => headFields.every(([key, i]) => f[key] === undefined || f[key] === h[i]));
  const minLevel = f.minLevel === undefined ? -1 : levelRank(f.minLevel);
  const since = f.since === undefined ? -Infinity : Date.parse(f.since);
  const until = f.until === undefined ? Infinity : Date.parse(f.until);
  const lines: number[] = [];
  for (let i = 0; i < block.ids.length; i++) {
    const id = block.ids[i]!;
    if (id < q.lo || id > q.hi || !heads[block.head[i]!]) continue;
    const level = block.level[i]!;
    if (minLevel >= 0 && (level === noLevel || level < minLevel)) continue;
    const at = block.at[i]!;
    if (at < since || at >= until) continue;
    lines.push(i);
  }
  const tokens = q.text?.tokens ?? [];
  const substrings = q.text?.substrings ?? [];
  if (lines.length === 0 || (tokens.length === 0 && substrings.length === 0)) return lines;
  // Few lines left: matching them one by one reads less than the whole block.
  if (lines.length * 8 < block.ids.length) return byLine(block, lines, q.text);
  const hits = new Uint8Array(block.ids.length);
  let terms = 0;
  // An ASCII substring is found by a case-insensitive regular expression (no lowercased copy of
  // the block): the same as lowercase `includes` unless the text holds one of the two characters
  // that lowercase into ASCII (İ, K).
  const plain = substrings.filter(isAscii);
  const folding = plain.length > 0 && lowersIntoAscii.test(block.text);
  for (const x of folding ? [] : plain) {
    const pattern = new RegExp(x.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'), 'gi');
    markAll(block, hits, terms++, (from) => next(pattern, block.text, from));
  }
  const rest = folding ? substrings : substrings.filter((x) => !isAscii(x));
  if (rest.length > 0) {
    const lower = block.text.toLowerCase();
    if (lower.length !== block.text.length) return byLine(block, lines, q.text);
    for (const x of rest) markAll(block, hits, terms++, (from) => find(lower, x.toLowerCase(), from));
  }
  for (const t of tokens) {
    // A token is word characters only (checkFilter): nothing to escape.
    const word = new RegExp(`(?<![\\p{L}\\p{N}_])${t}(?![\\p{L}\\p{N}_])`, 'giu');
    markAll(block, hits, terms++, (from) => next(word, block.text, from));
  }
  return lines.filter((i) => hits[i] === terms);
}

const nonAscii = /[\u0080-\uffff]/;
const isAscii = (s: string): boolean => !nonAscii.test(s);
const lowersIntoAscii = /[\u0130\u212A]/;

function next(pattern: RegExp, text: string, from: number): [number, number] | null {
  pattern.lastIndex = from;
  const m = pattern.exec(text);
  return m ? [m.index, m[0].length] : null;
}

function find(text: string, s: string, from: number): [number, number] | null {
  const at = text.indexOf(s, from);
  return at < 0 ? null : [at, s.length];
}

/** Counts term `term` once in every line that holds a hit of it (hits[i] reaches the number of terms when all hold). */
function markAll(block: Block, hits: Uint8Array, term: number, next: (from: number) => [number, number] | null): void {
  let from = 0;
  for (let hit = next(from); hit; hit = next(from)) {
    const [at, length] = hit;
    const i = lineEnding(block, at + length);
    if (i < block.ids.length && lineStart(block, i) <= at) {
      if (hits[i] === term) hits[i] = term + 1;
      from = block.ends[i]! + 1;
    } else from = at + 1;
    if (from > block.text.length) break;
  }
}

/** The first line whose end is at or after `position`. */
function lineEnding(block: Block, position: number): number {
  let lo = 0;
  let hi = block.ends.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (block.ends[mid]! < position) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function byLine(block: Block, lines: number[], text: LogText | undefined): number[] {
  const match = textMatcher(text)!;
  return lines.filter((i) => match(lineText(block, i)));
}
