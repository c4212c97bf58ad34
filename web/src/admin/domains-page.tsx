// Custom domains of a project and the state of their certificates (GET /api/projects/NAME/domains).
import { useCallback } from 'preact/hooks';
import type { DomainJson } from '../api-types.ts';
import { ErrorNote } from '../error-note.tsx';
import { ScrollArea } from '../scroll-area.tsx';
import { TableHead } from '../table-parts.tsx';
import { when } from '../format.ts';
import { withSearch } from '../link.tsx';
import { navigate, useLocation } from '../location.ts';
import type { PageProps } from '../page-props.ts';
import { useApiData } from '../use-api-data.ts';
import { ProjectPicker, useChosenProject } from './project-picker.tsx';
import './admin.css';

// Certificates change state over minutes (ACME orders, renewals): a slow re-read is enough.
const refreshMs = 30_000;

export function DomainsPage(props: PageProps) {
  const { api, onError } = props;
  const { search } = useLocation();
  const asked = search.get('project');
  const choose = useCallback((project: string) => navigate(withSearch('/domains', { project }), true), []);
  const { names, project, note } = useChosenProject(props, asked, choose);
  const domains = useApiData<DomainJson[]>(api, onError, project ? `/api/projects/${encodeURIComponent(project)}/domains` : null, refreshMs);

  return (
    <section aria-labelledby="domains-title">
      <h1 id="domains-title">Domains and certificates</h1>
      {note}
      {names !== null && project !== null && (
        <form class="filters" aria-label="Project" onSubmit={(e) => e.preventDefault()}>
          <ProjectPicker names={names} value={project} onChange={(p) => navigate(withSearch('/domains', { project: p }))} />
        </form>
      )}
      {domains.error !== null && <ErrorNote error={domains.error} />}
      {project !== null && domains.data === null && domains.error === null && <p aria-busy="true">Loading…</p>}
      {domains.data !== null && domains.data.length === 0 && (
        <p>
          No custom domains for {project}. Name them under an environment's <code>domains:</code> in sluice.yaml.
        </p>
      )}
      {domains.data !== null && domains.data.length > 0 && (
        <ScrollArea label={`Domains of ${project}`}>
          <table>
            <caption class="sr-only">Domains of {project}</caption>
            <TableHead columns={['Domain', 'Environment', 'Certificate', 'Valid until', 'Issuer']} />
            <tbody>
              {domains.data.map((d) => (
                <tr key={d.domain}>
                  <td>
                    <code>{d.domain}</code>
                  </td>
                  <td>{d.environment}</td>
                  <td>
                    <span class={`state state-${d.certificate.state}`}>{d.certificate.state}</span> <span class="muted-inline">({d.certificate.source === 'acme' ? 'ACME' : 'provided'})</span>
                    {d.certificate.lastError !== null && <p class="error">{d.certificate.lastError}</p>}
                  </td>
                  <td>{when(d.certificate.notAfter)}</td>
                  <td>{d.certificate.issuer ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollArea>
      )}
    </section>
  );
}
