// Flags: /flags lists every environment the session may see (a link to each one's flags);
// /projects/:name/environments/:env/flags lists that environment's flags with what each serves,
// read again when the live stream announces a change of them.
import type { FlagJson, FlagListJson } from '../../src/api/schemas/flag-schemas.ts';
import type { ApiClient } from './api-client.ts';
import { ErrorNote } from './error-note.tsx';
import { flagsApi, flagsPath } from './flag-paths.ts';
import { Link } from './link.tsx';
import { useLiveReload } from './live.ts';
import { useApiRead, useLoad, useReload } from './use-api-read.ts';
import { TableHead } from './table-parts.tsx';

interface Props {
  api: ApiClient;
  onError: (error: unknown) => boolean;
}

interface Environments {
  project: string;
  environments: string[];
}

async function environmentsOf(api: ApiClient): Promise<Environments[]> {
  const projects = await api.request<Array<{ name: string }>>('GET', '/api/projects');
  return Promise.all(
    projects.map(async ({ name }) => ({
      project: name,
      environments: (await api.request<{ environments: Array<{ name: string }> }>('GET', `/api/projects/${encodeURIComponent(name)}/status`)).environments.map((e) => e.name),
    })),
  );
}

export function FlagsIndexPage({ api, onError }: Props) {
  const read = useLoad(() => environmentsOf(api), onError, 'environments', 0);
  return (
    <section aria-labelledby="flags-title">
      <h1 id="flags-title">Flags</h1>
      {read.state === 'loading' && <p aria-busy="true">Loading…</p>}
      {read.state === 'failed' && <ErrorNote error={read.error} />}
      {read.state === 'ok' && read.data.length === 0 && <p class="muted">No projects yet.</p>}
      {read.state === 'ok' && (
        <ul class="plain">
          {read.data.map(({ project, environments }) => (
            <li key={project}>
              <strong>{project}</strong>:{' '}
              {environments.length === 0 ? (
                <span class="muted">no environments yet</span>
              ) : (
                environments.map((env, i) => (
                  <span key={env}>
                    {i > 0 && ', '}
                    <Link href={flagsPath(project, env)}>{env}</Link>
                  </span>
                ))
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** What a flag serves now, in a few words. */
export function servedSummary(flag: FlagJson): string {
  if (flag.archived || flag.served === null) return 'archived';
  if (flag.served.state === 'DISABLED') return 'disabled (the code default)';
  const rules = flag.served.targeting && Object.keys(flag.served.targeting).length > 0;
  const base = flag.served.defaultVariant === null ? 'the code default' : flag.served.defaultVariant;
  return rules ? `${base}, with targeting rules` : base;
}

export function FlagListPage({ api, onError, project, environment }: Props & { project: string; environment: string }) {
  const [reloads, reload] = useReload();
  useLiveReload(`flag:${project}/${environment}`, reload);
  const read = useApiRead<FlagListJson>(api, onError, flagsApi(project, environment), reloads);
  return (
    <section aria-labelledby="flags-title">
      <h1 id="flags-title">
        Flags of {project} / {environment}
      </h1>
      {read.state === 'loading' && <p aria-busy="true">Loading…</p>}
      {read.state === 'failed' && <ErrorNote error={read.error} />}
      {read.state === 'ok' && (
        <>
          <p class="muted">
            Version {read.data.version}
            {read.data.release !== null && ` · from release ${read.data.release}`}
          </p>
          {read.data.flags.length === 0 ? (
            <p>
              No flags here. A project declares them in a flag file named by <code>flags:</code> in <code>sluice.yaml</code>.
            </p>
          ) : (
            <div class="scroll">
              <table>
                <TableHead columns={['Flag', 'Serves', 'Changed here']} />
                <tbody>
                  {read.data.flags.map((flag) => (
                    <tr key={flag.key}>
                      <td>
                        <Link href={flagsPath(project, environment, flag.key)}>{flag.key}</Link>
                        <span class="muted"> · {flag.type}</span>
                      </td>
                      <td>
                        <span class={flag.served?.state === 'ENABLED' ? 'state state-healthy' : 'state state-empty'}>{servedSummary(flag)}</span>
                      </td>
                      <td>{flag.override ? 'yes' : 'no'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
