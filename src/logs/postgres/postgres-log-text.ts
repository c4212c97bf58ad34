// Lines and search terms as PostgreSQL stores them (see postgres-log-schema.ts for the NUL
// escape), and the text conditions as SQL. The escape maps each character to a fixed string, so
// a term is found in a stored line exactly when its stored form is found there.
import { levelRank } from '../log-query.ts';
import type { LogFilter, LogText } from '../log-store.ts';

const escapeChar = '\uE000';

export const toStored = (text: string): string =>
  text.includes('\u0000') || text.includes(escapeChar) ? text.replaceAll(escapeChar, '\uE000\uE000').replaceAll('\u0000', '\uE000\uE001') : text;

export const fromStored = (text: string): string =>
  text.includes(escapeChar) ? text.replace(/\uE000([\uE000\uE001])/g, (_, c: string) => (c === '\uE001' ? '\u0000' : '\uE000')) : text;

/** LIKE's wildcards and its escape character taken literally. */
const likeLiteral = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export interface Sql {
  where: string[];
  params: unknown[];
}

/** Filters and text as conditions with $n placeholders, numbered after `params` already given. */
export function conditions(f: LogFilter, text: LogText | undefined, sql: Sql = { where: [], params: [] }): Sql {
  const add = (condition: (n: string) => string, value: unknown): void => {
    sql.params.push(value);
    sql.where.push(condition(`$${sql.params.length}`));
  };
  const eq = (column: string, value: unknown): void => {
    if (value !== undefined) add((n) => `${column} = ${n}`, value);
  };
  eq('project', f.project);
  eq('environment', f.environment);
  eq('release', f.release);
  eq('run_id', f.runId);
  eq('step_id', f.stepId);
  eq('service', f.service);
  eq('instance', f.instance);
  eq('source', f.source);
  eq('stream', f.stream);
  if (f.minLevel !== undefined) add((n) => `level >= ${n}`, levelRank(f.minLevel));
  if (f.since !== undefined) add((n) => `at >= ${n}`, f.since);
  if (f.until !== undefined) add((n) => `at < ${n}`, f.until);
  for (const s of text?.substrings ?? []) add((n) => `text ilike ${n}`, `%${likeLiteral(toStored(s))}%`);
  // A token is word characters only (checkFilter); [[:alnum:]_] is the same class in a UTF-8 ctype.
  for (const t of text?.tokens ?? []) add((n) => `text ~* ${n}`, `(^|[^[:alnum:]_])${t}($|[^[:alnum:]_])`);
  return sql;
}
