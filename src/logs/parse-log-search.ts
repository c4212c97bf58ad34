// The search request of `GET …/logs` and `sluice logs --grep`: query parameters in, a checked
// LogSearch out. Every refusal is an InvalidInputError (HTTP 400) naming the parameter or term.
//
// The `q` (`--grep`) syntax, kept small on purpose:
//   error timeout          each bare word must occur in the line as a substring (grep -F -i); all must
//   "connection reset"     a quoted phrase is one substring (\" and \\ inside quotes)
//   word:timeout           a whole word (letters, digits, _), found through the full-text index
//   level:warn service:web instance:… release:3 stream:stderr source:deploy
//                          the same filters as the parameters of the same names
// Anything else of the form `name:value` (name of letters only) is an unknown field: quote it to
// search for it as text ("error:"). Case never matters.
import { InvalidInputError } from '../errors.ts';
import { parseDuration } from '../spec/duration.ts';
import { levelOf } from './log-entry.ts';
import { logLevels, logSources, logStreams, type LogFilter, type LogLevel, type LogSearch, type LogSource, type LogStream, type LogText } from './log-store.ts';

export const maxQueryLength = 1024;
export const maxQueryTerms = 16;
export const maxSearchLimit = 10_000;
export const defaultSearchLimit = 1000;

const queryFields = ['word', 'level', 'service', 'instance', 'release', 'stream', 'source'] as const;
type QueryField = (typeof queryFields)[number];

/** Parameters a search takes (beside the ones an endpoint adds for its own reading modes). */
export const searchParameters = ['q', 'since', 'until', 'release', 'service', 'instance', 'level', 'stream', 'source', 'before', 'limit'] as const;

export interface ParsedText {
  text: LogText;
  fields: Partial<Record<Exclude<QueryField, 'word'>, string>>;
}

const WORD = /^[\p{L}\p{N}_]+$/u;

/** Splits `q` into terms; quoted parts keep their spaces. */
function terms(q: string): Array<{ name: string | null; value: string }> {
  const out: Array<{ name: string | null; value: string }> = [];
  let i = 0;
  const quoted = (): string => {
    const start = i;
    i++; // the opening quote
    let value = '';
    while (i < q.length && q[i] !== '"') {
      if (q[i] === '\\' && i + 1 < q.length) i++;
      value += q[i];
      i++;
    }
    if (i >= q.length) throw new InvalidInputError(`q: the quote opened at character ${start + 1} is not closed`, { q });
    i++; // the closing quote
    if (i < q.length && !/\s/.test(q[i]!)) throw new InvalidInputError(`q: a space must follow the quoted phrase closed at character ${i}`, { q });
    if (value === '') throw new InvalidInputError(`q: the quoted phrase at character ${start + 1} is empty`, { q });
    return value;
  };
  while (i < q.length) {
    if (/\s/.test(q[i]!)) {
      i++;
      continue;
    }
    if (q[i] === '"') {
      out.push({ name: null, value: quoted() });
      continue;
    }
    const field = /^([a-zA-Z]+):/.exec(q.slice(i));
    if (field) {
      const start = i;
      i += field[0].length;
      let value: string;
      if (q[i] === '"') value = quoted();
      else {
        const end = q.slice(i).search(/\s|$/);
        value = q.slice(i, i + end);
        i += end;
      }
      if (value === '') throw new InvalidInputError(`q: ${field[1]}: at character ${start + 1} has no value`, { q });
      out.push({ name: field[1]!.toLowerCase(), value });
      continue;
    }
    const end = q.slice(i).search(/\s|$/);
    const word = q.slice(i, i + end);
    if (word.includes('"')) throw new InvalidInputError(`q: a quote inside ${JSON.stringify(word)}: quote whole phrases ("like this")`, { q });
    out.push({ name: null, value: word });
    i += end;
  }
  return out;
}

/** The text conditions and field terms of `q`. */
export function parseQueryText(q: string): ParsedText {
  if (q.length > maxQueryLength) throw new InvalidInputError(`q is ${q.length} characters long; at most ${maxQueryLength}`, { q: q.slice(0, 80) });
  const found = terms(q);
  if (found.length > maxQueryTerms) throw new InvalidInputError(`q has ${found.length} terms; at most ${maxQueryTerms}`, { q });
  const tokens: string[] = [];
  const substrings: string[] = [];
  const fields: ParsedText['fields'] = {};
  for (const t of found) {
    if (t.name === null) substrings.push(t.value);
    else if (t.name === 'word') {
      if (!WORD.test(t.value)) throw new InvalidInputError(`q: word:${t.value} must be one whole word (letters, digits, _); search for other text as a quoted substring`, { q });
      tokens.push(t.value);
    } else if ((queryFields as readonly string[]).includes(t.name)) {
      const name = t.name as Exclude<QueryField, 'word'>;
      const before = fields[name];
      if (before !== undefined && before !== t.value) throw new InvalidInputError(`q: ${name} given twice (${before} and ${t.value})`, { q });
      fields[name] = t.value;
    } else {
      throw new InvalidInputError(`q: unknown field "${t.name}" (fields: ${queryFields.join(', ')}); to search for the text, quote it: "${t.name}:${t.value}"`, { q, field: t.name });
    }
  }
  const text: LogText = {};
  if (tokens.length) text.tokens = tokens;
  if (substrings.length) text.substrings = substrings;
  return { text, fields };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** An ISO time, or a duration back from `now` (`1h`, `30m`, `1d12h`). */
export function parseTimeBound(name: string, value: string, now: Date): string {
  const v = value.trim();
  if (ISO_DATE.test(v)) {
    const ms = Date.parse(v);
    if (Number.isNaN(ms)) throw new InvalidInputError(`${name}: ${JSON.stringify(value)} is not a valid time`, { [name]: value });
    return new Date(ms).toISOString();
  }
  let ago: number;
  try {
    ago = parseDuration(v);
  } catch {
    throw new InvalidInputError(`${name}: ${JSON.stringify(value)} is neither an ISO time (2026-12-05T14:00:00Z) nor a duration ago (1h, 30m, 2d)`, { [name]: value });
  }
  return new Date(now.getTime() - ago).toISOString();
}

/** A level name (aliases such as warning, err, crit are taken). */
export function parseLevel(value: string): LogLevel {
  const level = /^\d+$/.test(value.trim()) ? null : levelOf(value);
  if (!level) throw new InvalidInputError(`level: ${JSON.stringify(value)} is not a level (${logLevels.join(', ')})`, { level: value });
  return level;
}

function positiveInt(name: string, value: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1 || n > max) throw new InvalidInputError(`${name} must be an integer from 1 to ${max}, got ${JSON.stringify(value)}`, { [name]: value });
  return n;
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new InvalidInputError(`${name}: ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`, { [name]: value });
  return value as T;
}

/** Refuses parameters outside `known`, naming them. */
export function checkParameters(params: Record<string, unknown>, known: readonly string[]): void {
  const unknown = Object.keys(params).filter((k) => !known.includes(k));
  if (unknown.length) throw new InvalidInputError(`unknown parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => JSON.stringify(u)).join(', ')} (known: ${known.join(', ')})`, { unknown });
}

/** Whether the request asks for a search (any search parameter given). */
export function isSearch(params: Record<string, string | undefined>): boolean {
  return searchParameters.some((p) => params[p] !== undefined);
}

/**
 * A LogSearch from query parameters; `scope` (the endpoint's project and environment, or run)
 * is applied on top and cannot be widened by the parameters.
 */
export function parseLogSearch(params: Record<string, string | undefined>, scope: LogFilter, now: Date): LogSearch {
  const { text, fields } = parseQueryText(params.q ?? '');
  const pick = (name: keyof ParsedText['fields']): string | undefined => {
    const a = params[name];
    const b = fields[name];
    if (a !== undefined && b !== undefined && a !== b) throw new InvalidInputError(`${name} given twice: ${name}=${a} and q's ${name}:${b}`, { [name]: a });
    return a ?? b;
  };
  const search: LogSearch = { ...scope, limit: params.limit === undefined ? defaultSearchLimit : positiveInt('limit', params.limit, maxSearchLimit) };
  const release = pick('release');
  if (release !== undefined) search.release = positiveInt('release', release);
  const service = pick('service');
  if (service !== undefined) search.service = service;
  const instance = pick('instance');
  if (instance !== undefined) search.instance = instance;
  const level = pick('level');
  if (level !== undefined) search.minLevel = parseLevel(level);
  const stream = pick('stream');
  if (stream !== undefined) search.stream = oneOf<LogStream>('stream', stream, logStreams);
  const source = pick('source');
  if (source !== undefined) search.source = oneOf<LogSource>('source', source, logSources);
  if (params.since !== undefined) search.since = parseTimeBound('since', params.since, now);
  if (params.until !== undefined) search.until = parseTimeBound('until', params.until, now);
  if (search.since !== undefined && search.until !== undefined && search.since >= search.until) {
    throw new InvalidInputError(`the time range is reversed: since ${search.since} is not before until ${search.until}`, { since: search.since, until: search.until });
  }
  if (params.before !== undefined) search.before = positiveInt('before', params.before);
  if (text.tokens || text.substrings) search.text = text;
  return search;
}

/** A follow cursor: the id of the last entry seen (Last-Event-ID, or `after`); 0 for none. */
export function parseCursor(name: string, value: string | undefined): number {
  if (value === undefined || value === '' || value === '0') return 0;
  return positiveInt(name, value);
}
