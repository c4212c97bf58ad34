// Overview: every project the session may see, with each environment's state, live release and
// URL (what `sluice status` reads). The API has no stream for these yet, so it re-reads every
// 10 s while the page is visible (never faster than every 5 s).
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from './api-client.ts';
import { environmentPath, followLink } from './environment/environment-path.ts';
import { ErrorNote } from './error-note.tsx';

interface Project {
  name: string;
  repo: string;
  branch: string;
}

interface EnvironmentStatus {
  name: string;
  url: string;
  state: string;
  release: { number: number; commit: string } | null;
}

interface ProjectStatus {
  project: Project;
  environments: EnvironmentStatus[];
}

const refreshMs = 10_000;

async function load(api: ApiClient): Promise<ProjectStatus[]> {
  const projects = await api.request<Project[]>('GET', '/api/projects');
  return Promise.all(
    projects.map(async (project) => {
      const status = await api.request<{ environments: EnvironmentStatus[] }>('GET', `/api/projects/${encodeURIComponent(project.name)}/status`);
      return { project, environments: status.environments };
    }),
  );
}

export function OverviewPage({ api, onError }: { api: ApiClient; onError: (error: unknown) => boolean }) {
  const [data, setData] = useState<ProjectStatus[] | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = (): void => {
      load(api).then(
        (d) => {
          if (stopped) return;
          setData(d);
          setError(null);
          timer = setTimeout(tick, refreshMs);
        },
        (e: unknown) => {
          if (stopped || onError(e)) return;
          setError(e);
          timer = setTimeout(tick, refreshMs);
        },
      );
    };
    tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [api, onError]);

  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      {error !== null && <ErrorNote error={error} />}
      {data === null && error === null && <p aria-busy="true">Loading…</p>}
      {data !== null && data.length === 0 && (
        <p>
          No projects yet. Add one with <code>sluice project add NAME --repo PATH</code>.
        </p>
      )}
      {data?.map(({ project, environments }) => (
        <article class="project" key={project.name} aria-labelledby={`p-${project.name}`}>
          <h2 id={`p-${project.name}`}>{project.name}</h2>
          <p class="muted">
            {project.repo} · {project.branch}
          </p>
          {environments.length === 0 ? (
            <p class="muted">No environments yet.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Environment</th>
                  <th scope="col">Health</th>
                  <th scope="col">Release</th>
                </tr>
              </thead>
              <tbody>
                {environments.map((env) => (
                  <tr key={env.name}>
                    <td>
                      <a href={environmentPath(project.name, env.name)} onClick={(e) => followLink(e, environmentPath(project.name, env.name))}>
                        {env.name}
                      </a>{' '}
                      <a href={env.url} rel="noreferrer" class="muted" aria-label={`${env.name} site`}>
                        ↗
                      </a>
                    </td>
                    <td>
                      <span class={`state state-${env.state}`}>{env.state}</span>
                    </td>
                    <td>{env.release ? `#${env.release.number} · ${env.release.commit.slice(0, 7)}` : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </article>
      ))}
    </section>
  );
}
