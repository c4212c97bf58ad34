// The Logs page's state lives in its URL (/logs?project=shop&env=production&q=timeout&follow=1,
// or /logs?run=ID): every view can be shared and reloaded. This turns the URL into the API path
// of the same search (GET …/environments/:env/logs or /api/runs/:id/logs) and back.

/** The search parameters the API takes (src/logs/parse-log-search.ts), as the page's fields. */
export const logFilters = ['q', 'service', 'release', 'level', 'stream', 'source', 'since', 'until'] as const;
export type LogFilter = (typeof logFilters)[number];

export interface LogQuery {
  project: string;
  env: string;
  run: string;
  filters: Record<LogFilter, string>;
  follow: boolean;
}

/** Lines a search page asks for, and the tail starts with. */
export const pageSize = 200;

export function logQueryOf(search: URLSearchParams): LogQuery {
  const filters = Object.fromEntries(logFilters.map((f) => [f, search.get(f) ?? ''])) as Record<LogFilter, string>;
  return { project: search.get('project') ?? '', env: search.get('env') ?? '', run: search.get('run') ?? '', filters, follow: search.get('follow') === '1' };
}

/** The page's own URL for a query (empty fields left out). */
export function logPagePath(query: LogQuery): string {
  const p = new URLSearchParams();
  if (query.run) p.set('run', query.run);
  else {
    if (query.project) p.set('project', query.project);
    if (query.env) p.set('env', query.env);
  }
  for (const f of logFilters) if (query.filters[f].trim() !== '') p.set(f, query.filters[f].trim());
  if (query.follow) p.set('follow', '1');
  const s = p.toString();
  return s ? `/logs?${s}` : '/logs';
}

/** The API path of the query's lines with `extra` parameters, or null while no scope is chosen. */
export function logApiPath(query: LogQuery, extra: Record<string, string>): string | null {
  const base = query.run
    ? `/api/runs/${encodeURIComponent(query.run)}/logs`
    : query.project && query.env
      ? `/api/projects/${encodeURIComponent(query.project)}/environments/${encodeURIComponent(query.env)}/logs`
      : null;
  if (base === null) return null;
  const p = new URLSearchParams();
  for (const f of logFilters) if (query.filters[f].trim() !== '') p.set(f, query.filters[f].trim());
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return `${base}?${p.toString()}`;
}
