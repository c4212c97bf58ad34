// Overview: every project the session may see, with each environment's health, live release
// (commit and message), the last run's state and live requests/s and error rate; previews under
// their project. All of it is one read, GET /api/overview (1 + 3 reads per project took seconds
// for 50 projects: bench/RESULTS-dashboard.md). Live: a change of a project (docs/decisions/0045)
// re-reads that project only (?project=); traffic samples arrive in the stream and are appended;
// nothing polls.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { OverviewEnvironmentJson, OverviewJson, OverviewProjectJson } from '../../src/api/schemas/overview-schemas.ts';
import type { RunJson } from '../../src/api/schemas/run-schemas.ts';
import type { TrafficSampleJson } from '../../src/api/schemas/live-schemas.ts';
import type { ApiClient } from './api-client.ts';
import { Sparkline } from './charts/sparkline.tsx';
import { environmentPath } from './environment/environment-path.ts';
import { ErrorNote } from './error-note.tsx';
import { useLive } from './live.ts';
import { Link } from './link.tsx';
import './live.css';

/** Samples kept per environment: 15 minutes at 5 s, as the server keeps. */
const keepSamples = 180;

type Traffic = Record<string, Record<string, TrafficSampleJson[]>>;

const enc = encodeURIComponent;

export function runPath(run: Pick<RunJson, 'project' | 'number'>): string {
  return `/projects/${enc(run.project)}/runs/${run.number}`;
}

function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(rate < 0.1 ? 1 : 0)} %`;
}

function TrafficCell({ samples, env }: { samples: TrafficSampleJson[] | undefined; env: string }) {
  if (!samples || samples.length === 0) return <span class="muted">no traffic yet</span>;
  const last = samples[samples.length - 1]!;
  return (
    <span class="traffic">
      <span>
        <Sparkline values={samples.map((s) => s.rps)} label={`${env}: requests per second, last ${samples.length} samples`} /> {last.rps.toFixed(1)} req/s
      </span>
      <span>
        <Sparkline values={samples.map((s) => s.errorRate)} max={0.05} tone="bad" label={`${env}: error rate, last ${samples.length} samples`} /> {percent(last.errorRate)} errors
      </span>
    </span>
  );
}

function EnvironmentRows({ project, envs, traffic }: { project: string; envs: OverviewEnvironmentJson[]; traffic: Record<string, TrafficSampleJson[]> | undefined }) {
  return (
    <table class="envs">
      <thead>
        <tr>
          <th scope="col">Environment</th>
          <th scope="col">Health</th>
          <th scope="col">Release</th>
          <th scope="col">Traffic</th>
        </tr>
      </thead>
      <tbody>
        {envs.map((env) => {
          const run = env.run;
          return (
            <tr key={env.name}>
              <td data-label="Environment">
                <Link href={environmentPath(project, env.name)}>{env.name}</Link>{' '}
                <a href={env.url} rel="noreferrer" class="muted" aria-label={`${env.name} site`}>
                  ↗
                </a>
              </td>
              <td data-label="Health">
                <span class={`state state-${env.state}`}>{env.state}</span>
              </td>
              <td data-label="Release">
                {env.release ? (
                  <>
                    #{env.release.number} · <code>{env.release.commit.slice(0, 7)}</code>
                    {run && (
                      <>
                        {' '}
                        · <Link href={runPath({ project, number: run.number })}>run #{run.number}</Link>
                        <span class="release-message">{run.message.split('\n')[0]}</span>
                      </>
                    )}
                  </>
                ) : (
                  '—'
                )}
              </td>
              <td data-label="Traffic">
                <TrafficCell samples={traffic?.[env.name]} env={env.name} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function ProjectCard({ detail, traffic }: { detail: OverviewProjectJson; traffic: Record<string, TrafficSampleJson[]> | undefined }) {
  const { project, environments: main, previews, lastRun: last } = detail;
  const id = `p-${project.name}`;
  return (
    <article class="project" aria-labelledby={id} data-loaded="true">
      <h2 id={id}>{project.name}</h2>
      <p class="muted">
        {project.repo} · {project.branch}
        {last && (
          <>
            {' '}
            · last run{' '}
            <Link href={runPath({ project: project.name, number: last.number })}>#{last.number}</Link> <span class={`state state-${last.state}`}>{last.state}</span>
          </>
        )}
      </p>
      {main.length === 0 && previews.length === 0 ? (
        <p class="muted">No environments yet.</p>
      ) : (
        <>
          {main.length > 0 && <EnvironmentRows project={project.name} envs={main} traffic={traffic} />}
          {previews.length > 0 && (
            <>
              <h3>Previews</h3>
              <EnvironmentRows project={project.name} envs={previews} traffic={traffic} />
            </>
          )}
        </>
      )}
    </article>
  );
}

const trafficOf = (p: OverviewProjectJson): Record<string, TrafficSampleJson[]> => Object.fromEntries(p.traffic.map((e) => [e.environment, e.samples]));

export function OverviewPage({ api, onError }: { api: ApiClient; onError: (error: unknown) => boolean }) {
  const [projects, setProjects] = useState<OverviewProjectJson[] | null>(null);
  const [traffic, setTraffic] = useState<Traffic>({});
  const [error, setError] = useState<unknown>(null);

  const fail = useCallback(
    (e: unknown) => {
      if (!onError(e)) setError(e);
    },
    [onError],
  );

  // Every project (on load and on a live reset) is one read.
  const loadAll = useCallback(() => {
    api.request<OverviewJson>('GET', '/api/overview').then((o) => {
      setProjects(o.projects);
      setTraffic(Object.fromEntries(o.projects.map((p) => [p.project.name, trafficOf(p)])));
      setError(null);
    }, fail);
  }, [api, fail]);

  // A changed project is re-read alone; it keeps its place in the list.
  const loadProject = useCallback(
    (name: string) =>
      api.request<OverviewJson>('GET', `/api/overview?project=${enc(name)}`).then((o) => {
        const fresh = o.projects[0];
        setProjects((all) => all && (fresh ? all.map((p) => (p.project.name === name ? fresh : p)) : all.filter((p) => p.project.name !== name)));
        if (fresh) setTraffic((t) => ({ ...t, [name]: trafficOf(fresh) }));
      }, fail),
    [api, fail],
  );

  useEffect(loadAll, [loadAll]);

  // Changes are gathered for a moment, then each changed project is read once.
  const pending = useRef<Set<string> | null>(null);
  useEffect(() => () => void (pending.current = null), []);
  const later = (what: string): void => {
    if (pending.current) {
      pending.current.add(what);
      return;
    }
    const set = (pending.current = new Set([what]));
    setTimeout(() => {
      if (pending.current !== set) return;
      pending.current = null;
      if (set.has('*')) loadAll();
      else for (const name of set) void loadProject(name);
    }, 250);
  };

  useLive('*', (c) => {
    if (c === null || c.kind === 'project') return later('*');
    if (c.kind === 'flag') return; // not shown here
    if (c.kind !== 'traffic') return later(c.project);
    setTraffic((all) => {
      const mine = { ...all[c.project] };
      for (const s of c.samples) mine[s.environment] = [...(mine[s.environment] ?? []), { at: s.at, rps: s.rps, errorRate: s.errorRate }].slice(-keepSamples);
      return { ...all, [c.project]: mine };
    });
  });

  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      {error !== null && <ErrorNote error={error} />}
      {projects === null && error === null && <p aria-busy="true">Loading…</p>}
      {projects !== null && projects.length === 0 && (
        <p>
          No projects yet. Add one with <code>sluice project add NAME --repo PATH</code>.
        </p>
      )}
      {projects?.map((p) => <ProjectCard key={p.project.name} detail={p} traffic={traffic[p.project.name]} />)}
    </section>
  );
}
