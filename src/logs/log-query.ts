// What every LogStore implementation shares: checking a query before it reaches a database,
// the exact line matcher (the indexes only narrow the candidates; this decides), and the level
// ranks. One definition, so SQLite and PostgreSQL answer the same query with the same lines.
import { ErrorCode, InvalidInputError, SluiceError } from '../errors.ts';
import { logLevels, logSources, logStreams, type LogEntry, type LogFilter, type LogLevel, type LogText, type NewLogEntry } from './log-store.ts';

export const maxSearchLimit = 10_000;

/** The rank stored for a level: trace 0 … fatal 5, so `minLevel` is a `>=` comparison. */
const ranks = new Map<string, number>(logLevels.map((l, i) => [l, i]));
export const levelRank = (level: LogLevel): number => ranks.get(level) ?? -1;

/** A word character of a token: letters, digits, underscore (any script). */
const nonWord = /[^\p{L}\p{N}_]/u;

export function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > maxSearchLimit) {
    throw new InvalidInputError(`a log search limit must be an integer from 1 to ${maxSearchLimit}, got ${String(limit)}`, { limit });
  }
}

const isoMs = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Refuses what no line could match for a reason the caller should hear about (not an empty answer). */
export function checkFilter(filter: LogFilter & { text?: LogText }): void {
  for (const key of ['since', 'until'] as const) {
    const value = filter[key];
    if (value !== undefined && (!isoMs.test(value) || Number.isNaN(Date.parse(value)))) {
      throw new InvalidInputError(`log filter ${key} must be an ISO 8601 UTC time with milliseconds (2025-01-01T00:00:00.000Z), got ${JSON.stringify(value)}`, { [key]: value });
    }
  }
  if (filter.minLevel !== undefined && !logLevels.includes(filter.minLevel)) {
    throw new InvalidInputError(`unknown log level ${JSON.stringify(filter.minLevel)}: one of ${logLevels.join(', ')}`, { minLevel: filter.minLevel });
  }
  if (filter.source !== undefined && !logSources.includes(filter.source)) {
    throw new InvalidInputError(`unknown log source ${JSON.stringify(filter.source)}: one of ${logSources.join(', ')}`, { source: filter.source });
  }
  if (filter.stream !== undefined && !logStreams.includes(filter.stream)) {
    throw new InvalidInputError(`unknown log stream ${JSON.stringify(filter.stream)}: one of ${logStreams.join(', ')}`, { stream: filter.stream });
  }
  for (const token of filter.text?.tokens ?? []) {
    if (token === '' || nonWord.test(token)) {
      throw new InvalidInputError(`a search token is one whole word (letters, digits, underscore), got ${JSON.stringify(token)}: search for it as a substring instead`, { token });
    }
  }
  for (const substring of filter.text?.substrings ?? []) {
    if (substring === '') throw new InvalidInputError('a search substring must not be empty', { substring });
  }
}

/** The exact text condition of a LogText, or null when there is none. */
export function textMatcher(text: LogText | undefined): ((line: string) => boolean) | null {
  const tokens = text?.tokens ?? [];
  const substrings = (text?.substrings ?? []).map((s) => s.toLowerCase());
  if (tokens.length === 0 && substrings.length === 0) return null;
  // A token is made of word characters only (checkFilter), so it needs no escaping.
  const words = tokens.map((t) => new RegExp(`(?<![\\p{L}\\p{N}_])${t}(?![\\p{L}\\p{N}_])`, 'iu'));
  return (line) => {
    for (const word of words) if (!word.test(line)) return false;
    if (substrings.length > 0) {
      const lower = line.toLowerCase();
      for (const s of substrings) if (!lower.includes(s)) return false;
    }
    return true;
  };
}

/** Every term of a LogText a trigram index can narrow by (at least three characters). */
export function trigramTerms(text: LogText | undefined): string[] {
  return [...(text?.tokens ?? []), ...(text?.substrings ?? [])].filter((t) => Array.from(t).length >= 3);
}

const sources = new Set<string>(logSources);
const streams = new Set<string>(logStreams);

/** A row read back: its closed unions checked (a row outside them was not written by this code). */
export function checkStoredEntry(entry: LogEntry, rawLevel: number | null): LogEntry {
  if (!sources.has(entry.source) || !streams.has(entry.stream) || (rawLevel !== null && logLevels[rawLevel] === undefined)) {
    throw new SluiceError(ErrorCode.storedDataInvalid, `log line ${entry.id} holds an unknown source, stream or level (${entry.source}, ${entry.stream}, ${String(rawLevel)})`, { details: { id: entry.id } });
  }
  return entry;
}

const digits = (s: string, from: number, count: number): number => {
  let n = 0;
  for (let i = from; i < from + count; i++) n = n * 10 + s.charCodeAt(i) - 48;
  return n;
};

/**
 * Milliseconds since the epoch of an ISO time with milliseconds, or null when the text is not one
 * or names no real instant (2025-02-30, 24:00): what `new Date(ms).toISOString()` gives back, read
 * without Date (this runs for every line appended).
 */
export function isoMillis(at: string): number | null {
  if (!isoMs.test(at)) return null;
  const year = digits(at, 0, 4);
  const month = digits(at, 5, 2);
  const day = digits(at, 8, 2);
  const hour = digits(at, 11, 2);
  const minute = digits(at, 14, 2);
  const second = digits(at, 17, 2);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  if (month < 1 || month > 12 || day < 1 || day > monthDays || hour > 23 || minute > 59 || second > 59) return null;
  // Days from the civil date (H. Hinnant's algorithm): years 0000–9999 alike, unlike Date.UTC.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  const days = era * 146097 + dayOfEra - 719468;
  return days * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000 + digits(at, 20, 3);
}

const levels = new Set<string>(logLevels);

/**
 * Refuses a batch holding a line this code would not write (the log-entry module builds them; this
 * is the last guard). Returns each line's time in milliseconds, which the SQLite store keeps.
 */
export function checkNewEntries(entries: readonly NewLogEntry[]): number[] {
  const times = new Array<number>(entries.length);
  // A plain loop: this runs for every line appended.
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const ms = isoMillis(e.at);
    const bad =
      ms === null ? 'at' :
      !sources.has(e.source) ? 'source' :
      !streams.has(e.stream) ? 'stream' :
      e.level !== null && !levels.has(e.level) ? 'level' :
      typeof e.project !== 'string' || e.project === '' ? 'project' :
      typeof e.text !== 'string' ? 'text' :
      e.release !== null && !Number.isSafeInteger(e.release) ? 'release' : null;
    if (bad) throw new InvalidInputError(`log line ${i} of the batch has an invalid ${bad}: ${JSON.stringify(e[bad as keyof NewLogEntry])}`, { index: i, field: bad });
    times[i] = ms!;
  }
  return times;
}

/** A line as both stores return it (snake_case columns; PostgreSQL gives bigint ids as text). */
export interface StoredLine {
  id: number | string;
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

export function entryOf(r: StoredLine, id: number, text: string): LogEntry {
  const entry = {
    id, at: r.at, source: r.source, project: r.project, environment: r.environment, release: r.release,
    runId: r.run_id, stepId: r.step_id, service: r.service, instance: r.instance, stream: r.stream,
    level: r.level === null ? null : (logLevels[r.level] ?? null), text,
  } as LogEntry;
  return checkStoredEntry(entry, r.level);
}

/** The field filters as SQL conditions; `param` records a value and returns its placeholder. */
export function filterConditions(f: LogFilter, param: (value: unknown) => string): string[] {
  const where: string[] = [];
  const fields = [['project', f.project], ['environment', f.environment], ['release', f.release], ['run_id', f.runId], ['step_id', f.stepId], ['service', f.service], ['instance', f.instance], ['source', f.source], ['stream', f.stream]] as const;
  for (const [column, value] of fields) if (value !== undefined) where.push(`${column} = ${param(value)}`);
  if (f.minLevel !== undefined) where.push(`level >= ${param(levelRank(f.minLevel))}`);
  if (f.since !== undefined) where.push(`at >= ${param(f.since)}`);
  if (f.until !== undefined) where.push(`at < ${param(f.until)}`);
  return where;
}
