// What every LogStore implementation shares: checking a query before it reaches a database,
// the exact line matcher (the indexes only narrow the candidates; this decides), and the level
// ranks. One definition, so SQLite and PostgreSQL answer the same query with the same lines.
import { ErrorCode, InvalidInputError, SluiceError } from '../errors.ts';
import { logLevels, logSources, logStreams, type LogEntry, type LogFilter, type LogLevel, type LogText, type NewLogEntry } from './log-store.ts';

export const maxSearchLimit = 10_000;

/** The rank stored for a level: trace 0 … fatal 5, so `minLevel` is a `>=` comparison. */
export const levelRank = (level: LogLevel): number => logLevels.indexOf(level);

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

/** Refuses a batch holding a line this code would not write (the log-entry module builds them; this is the last guard). */
export function checkNewEntries(entries: readonly NewLogEntry[]): void {
  entries.forEach((e, i) => {
    const bad =
      !isoMs.test(e.at) ? 'at' :
      !sources.has(e.source) ? 'source' :
      !streams.has(e.stream) ? 'stream' :
      e.level !== null && !logLevels.includes(e.level) ? 'level' :
      typeof e.project !== 'string' || e.project === '' ? 'project' :
      typeof e.text !== 'string' ? 'text' :
      e.release !== null && !Number.isSafeInteger(e.release) ? 'release' : null;
    if (bad) throw new InvalidInputError(`log line ${i} of the batch has an invalid ${bad}: ${JSON.stringify(e[bad as keyof NewLogEntry])}`, { index: i, field: bad });
  });
}
