// The audit trail (admins): entries newest first, filtered by project, time and outcome (the
// filters are in the URL), and the verification of the whole hash chain.
import { useEffect, useState } from 'preact/hooks';
import type { AuditEntryJson, AuditVerificationJson } from '../api-types.ts';
import { ErrorNote } from '../error-note.tsx';
import { ScrollArea } from '../scroll-area.tsx';
import { Options, TableHead } from '../table-parts.tsx';
import { when } from '../format.ts';
import { withSearch } from '../link.tsx';
import { navigate, useLocation } from '../location.ts';
import type { PageProps } from '../page-props.ts';
import { useApiData } from '../use-api-data.ts';
import { ProjectPicker, useProjects } from './project-picker.tsx';
import './admin.css';

const outcomes = ['ok', 'denied', 'failed'] as const;

/** A datetime-local value (the person's time zone) as an ISO time for the API; '' stays ''. */
function isoOf(local: string): string {
  const t = Date.parse(local);
  return local === '' || Number.isNaN(t) ? local : new Date(t).toISOString();
}

function localOf(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const d = new Date(t - new Date(t).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

export function AuditPage({ api, onError }: PageProps) {
  const { search } = useLocation();
  const project = search.get('project') ?? '';
  const since = search.get('since') ?? '';
  const limit = search.get('limit') ?? '';
  const outcome = search.get('outcome') ?? '';
  const entries = useApiData<AuditEntryJson[]>(api, onError, withSearch('/api/audit', { project, since, limit }));
  const verify = useApiData<AuditVerificationJson>(api, onError, '/api/audit/verify');
  const { names } = useProjects({ api, onError });
  const [form, setForm] = useState({ project, since: localOf(since), limit, outcome });
  useEffect(() => setForm({ project, since: localOf(since), limit, outcome }), [project, since, limit, outcome]);
  const shown = entries.data?.filter((e) => outcome === '' || e.outcome === outcome) ?? null;

  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <ChainState verify={verify.data} error={verify.error} />
      <form
        class="filters"
        aria-label="Filters"
        aria-busy={names === null ? 'true' : undefined}
        onSubmit={(e) => {
          e.preventDefault();
          navigate(withSearch('/audit', { project: form.project, since: isoOf(form.since), limit: form.limit, outcome: form.outcome }));
        }}
      >
        {names !== null && <ProjectPicker names={names} value={form.project} onChange={(p) => setForm({ ...form, project: p })} allowAll />}
        <label class="field">
          Since
          <input type="datetime-local" value={form.since} onInput={(e) => setForm({ ...form, since: e.currentTarget.value })} />
        </label>
        <label class="field">
          At most
          <input type="number" min={1} max={10000} placeholder="200" value={form.limit} onInput={(e) => setForm({ ...form, limit: e.currentTarget.value })} />
        </label>
        <label class="field">
          Outcome
          <select value={form.outcome} onChange={(e) => setForm({ ...form, outcome: e.currentTarget.value })}>
            <Options values={[['', 'Any'], ...outcomes]} />
          </select>
        </label>
        <button type="submit">Show</button>
      </form>
      {entries.error !== null && <ErrorNote error={entries.error} />}
      {shown === null && entries.error === null && <p aria-busy="true">Loading…</p>}
      {shown !== null && (
        <ScrollArea label="Audit entries">
          <table>
            <caption class="sr-only">Audit entries, newest first</caption>
            <TableHead columns={['#', 'Time', 'Actor', 'Action', 'Target', 'Outcome', 'Source']} />
            <tbody>
              {shown.map((e) => (
                <tr key={e.id}>
                  <td>{e.id}</td>
                  <td>
                    <time dateTime={e.at}>{when(e.at)}</time>
                  </td>
                  <td>
                    {e.actor}
                    {e.role !== null && <span class="muted-inline"> ({e.role})</span>}
                  </td>
                  <td>
                    <code>{e.action}</code>
                  </td>
                  <td>
                    <code>{e.target}</code>
                  </td>
                  <td>
                    <span class={`state state-${e.outcome}`}>{e.outcome}</span>
                    {e.status !== null && <span class="muted-inline"> {e.status}</span>}
                  </td>
                  <td>{e.source ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {shown.length === 0 && <p class="muted">No entries match.</p>}
        </ScrollArea>
      )}
    </section>
  );
}

function ChainState({ verify, error }: { verify: AuditVerificationJson | null; error: unknown }) {
  if (error !== null) return <ErrorNote error={error} />;
  if (verify === null) return <p aria-busy="true">Verifying the chain…</p>;
  if (verify.ok) {
    return (
      <p class="chain chain-ok" role="status">
        Chain verified: {verify.entries} entries{verify.head ? `, the last #${verify.head.lastId}` : ''}, none edited, removed or reordered.
      </p>
    );
  }
  return (
    <p class="chain chain-broken" role="alert">
      Chain broken{verify.firstBreak ? ` at entry #${verify.firstBreak.id} (${verify.firstBreak.problem}): ${verify.firstBreak.message}` : ''}.
    </p>
  );
}
