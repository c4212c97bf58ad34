// The Logs page's search form: the scope (project and environment, or a run) and the filters the
// API takes. Submitting changes the URL; the page searches what the URL says. A refused search
// shows the API's message beside the field it is about.
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from './api-client.ts';
import { errorIdOf, type FieldError } from './field-error.ts';
import { Link } from './link.tsx';
import { logPagePath, type LogFilter, type LogQuery } from './log-query.ts';
import { navigate } from './location.ts';
import { Options } from './table-parts.tsx';

const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
const streams = ['stdout', 'stderr', 'event', 'access'] as const;
const sources = ['step', 'deploy', 'instance', 'router'] as const;
const form = 'logs';

interface Choices {
  projects: string[];
  environments: string[];
}

function useChoices(api: ApiClient, project: string): Choices {
  const [choices, setChoices] = useState<Choices>({ projects: [], environments: [] });
  useEffect(() => {
    let stopped = false;
    void (async () => {
      const projects = (await api.request<Array<{ name: string }>>('GET', '/api/projects')).map((p) => p.name);
      const environments = project && projects.includes(project) ? (await api.request<{ environments: Array<{ name: string }> }>('GET', `/api/projects/${encodeURIComponent(project)}/status`)).environments.map((e) => e.name) : [];
      if (!stopped) setChoices({ projects, environments });
    })().catch(() => undefined); // the choices only help: the search itself reports what is wrong
    return () => {
      stopped = true;
    };
  }, [api, project]);
  return choices;
}

export function LogSearchForm({ api, query, error }: { api: ApiClient; query: LogQuery; error: FieldError | null }) {
  const [draft, setDraft] = useState<LogQuery>(query);
  useEffect(() => setDraft(query), [query]);
  const choices = useChoices(api, draft.project);
  const set = (f: LogFilter) => (e: Event) => setDraft((d) => ({ ...d, filters: { ...d.filters, [f]: (e.currentTarget as HTMLInputElement | HTMLSelectElement).value } }));
  const described = (f: string): { 'aria-describedby'?: string; 'aria-invalid'?: boolean } => (error?.field === f ? { 'aria-describedby': errorIdOf(form, f), 'aria-invalid': true } : {});
  const note = (f: string) =>
    error?.field === f ? (
      <span class="field-error" id={errorIdOf(form, f)} role="alert">
        {error.message}
      </span>
    ) : null;
  const text = (f: LogFilter, label: string, placeholder: string, wide = false) => (
    <div class={wide ? 'field wide' : 'field'}>
      <label>
        {label}
        <input name={f} value={draft.filters[f]} placeholder={placeholder} onInput={set(f)} {...described(f)} />
      </label>
      {note(f)}
    </div>
  );
  const select = (f: LogFilter, label: string, options: readonly string[], any: string) => (
    <div class="field">
      <label>
        {label}
        <select name={f} value={draft.filters[f]} onChange={set(f)} {...described(f)}>
          <option value="">{any}</option>
          <Options values={options} />
        </select>
      </label>
      {note(f)}
    </div>
  );

  return (
    <form
      class="fields"
      role="search"
      aria-label="Search logs"
      onSubmit={(e) => {
        e.preventDefault();
        navigate(logPagePath(draft));
      }}
    >
      {query.run ? (
        <p class="wide">
          Lines of run <code>{query.run}</code> · <Link href={logPagePath({ ...query, run: '' })}>all environments</Link>
        </p>
      ) : (
        <>
          <label>
            Project
            <select name="project" value={draft.project} onChange={(e) => setDraft((d) => ({ ...d, project: e.currentTarget.value, env: '' }))}>
              <option value="">choose…</option>
              <Options values={[...new Set([...choices.projects, ...(draft.project ? [draft.project] : [])])]} />
            </select>
          </label>
          <label>
            Environment
            <select name="env" value={draft.env} onChange={(e) => setDraft((d) => ({ ...d, env: e.currentTarget.value }))}>
              <option value="">choose…</option>
              <Options values={[...new Set([...choices.environments, ...(draft.env ? [draft.env] : [])])]} />
            </select>
          </label>
        </>
      )}
      {text('q', 'Text', 'error "connection reset" word:OOM', true)}
      {text('service', 'Service', 'web')}
      {text('release', 'Release', '7')}
      {select('level', 'Level at least', levels, 'any')}
      {select('stream', 'Stream', streams, 'any')}
      {select('source', 'Source', sources, 'any')}
      {text('since', 'Since', '1h or 2026-12-05T14:00Z')}
      {text('until', 'Until', '10m or an ISO time')}
      <div class="wide actions">
        <button type="submit">Search</button>
        <button type="button" onClick={() => navigate(logPagePath({ ...draft, follow: !query.follow }))}>
          {query.follow ? 'Stop following' : 'Follow live'}
        </button>
      </div>
      {error !== null && error.field === null && (
        <p class="error wide" role="alert">
          {error.message}
        </p>
      )}
    </form>
  );
}
