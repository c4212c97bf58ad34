// Logs: search an environment's lines (or a run's) with the API's filters, page back through older
// matches, or follow them live over SSE. Everything the page shows is in its URL
// (/logs?project=shop&env=production&q=timeout&follow=1). Lines link to their run and release.
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { LogEntryJson, LogPageJson } from '../../src/api/schemas/observe-schemas.ts';
import { ApiError, type ApiClient } from './api-client.ts';
import { ErrorNote } from './error-note.tsx';
import { fieldError, type FieldError } from './field-error.ts';
import { LogLine } from './log-line.tsx';
import { logApiPath, logFilters, logQueryOf, pageSize, type LogQuery } from './log-query.ts';
import { LogSearchForm } from './log-search-form.tsx';
import { useLogTail } from './log-tail.ts';

interface Found {
  /** Oldest first. */
  entries: LogEntryJson[];
  next: number | null;
  warning: string | null;
}

type Result = { state: 'idle' } | { state: 'loading' } | { state: 'found'; found: Found } | { state: 'failed'; error: unknown };

function oldestFirst(page: LogPageJson): LogEntryJson[] {
  return [...page.entries].reverse();
}

/** Keeps the end of the list in view while lines arrive, unless the reader scrolled up. */
function useStickToBottom(count: number): (el: HTMLOListElement | null) => void {
  const el = useRef<HTMLOListElement | null>(null);
  const stuck = useRef(true);
  useEffect(() => {
    const list = el.current;
    if (list && stuck.current) list.scrollTop = list.scrollHeight;
  }, [count]);
  return useCallback((list: HTMLOListElement | null) => {
    el.current = list;
    list?.addEventListener('scroll', () => (stuck.current = list.scrollTop + list.clientHeight >= list.scrollHeight - 8));
  }, []);
}

function Lines({ entries, label }: { entries: readonly LogEntryJson[]; label: string }) {
  const ref = useStickToBottom(entries.length);
  if (entries.length === 0) return <p class="muted">No lines match.</p>;
  return (
    <ol class="log-lines" aria-label={label} ref={ref} tabIndex={0}>
      {entries.map((e) => (
        <LogLine key={e.id} entry={e} />
      ))}
    </ol>
  );
}

function LiveLines({ query, found }: { query: LogQuery; found: Found }) {
  const url = logApiPath(query, { follow: '1' });
  const tail = useLogTail(url, found.entries.at(-1)?.id ?? 0, found.entries);
  return (
    <>
      {tail.state === 'lost' && (
        <p class="notice" role="alert">
          The live tail lost its connection to the server. Reconnecting; the lines written meanwhile will follow.
        </p>
      )}
      <p class="muted" role="status">
        {tail.state === 'live' ? 'Following live.' : tail.state === 'ended' ? 'The run has ended: no more lines will come.' : tail.state === 'connecting' ? 'Connecting…' : ''}
      </p>
      <Lines entries={tail.lines} label="Log lines, live" />
    </>
  );
}

export function LogsPage({ api, onError, search }: { api: ApiClient; onError: (error: unknown) => boolean; search: URLSearchParams }) {
  const query = useMemo(() => logQueryOf(search), [search]);
  const [result, setResult] = useState<Result>({ state: 'idle' });
  const [older, setOlder] = useState<'idle' | 'loading'>('idle');

  useEffect(() => {
    const path = logApiPath(query, { limit: String(pageSize) });
    if (path === null) return setResult({ state: 'idle' });
    let stopped = false;
    setResult({ state: 'loading' });
    api.request<LogPageJson>('GET', path).then(
      (page) => !stopped && setResult({ state: 'found', found: { entries: oldestFirst(page), next: page.next, warning: page.warning ?? null } }),
      (error: unknown) => !stopped && !onError(error) && setResult({ state: 'failed', error }),
    );
    return () => {
      stopped = true;
    };
  }, [api, onError, query]);

  const loadOlder = (found: Found): void => {
    const path = found.next === null ? null : logApiPath(query, { limit: String(pageSize), before: String(found.next) });
    if (path === null) return;
    setOlder('loading');
    api.request<LogPageJson>('GET', path).then(
      (page) => {
        setOlder('idle');
        setResult({ state: 'found', found: { ...found, entries: [...oldestFirst(page), ...found.entries], next: page.next } });
      },
      (error: unknown) => {
        setOlder('idle');
        if (!onError(error)) setResult({ state: 'failed', error });
      },
    );
  };

  const refused: FieldError | null = result.state === 'failed' && result.error instanceof ApiError && result.error.status === 400 ? fieldError(result.error, ['project', 'env', ...logFilters]) : null;
  return (
    <section aria-labelledby="logs-title">
      <h1 id="logs-title">Logs</h1>
      <LogSearchForm api={api} query={query} error={refused} />
      {result.state === 'idle' && <p class="muted">Choose a project and an environment.</p>}
      {result.state === 'loading' && <p aria-busy="true">Searching…</p>}
      {result.state === 'failed' && refused === null && <ErrorNote error={result.error} />}
      {result.state === 'found' && (
        <>
          {result.found.warning && (
            <p class="notice" role="status">
              {result.found.warning}
            </p>
          )}
          {!query.follow && result.found.next !== null && (
            <button type="button" disabled={older === 'loading'} onClick={() => loadOlder(result.found)}>
              Show older lines
            </button>
          )}
          {query.follow ? <LiveLines key={logApiPath(query, {})} query={query} found={result.found} /> : <Lines entries={result.found.entries} label="Log lines" />}
        </>
      )}
    </section>
  );
}
