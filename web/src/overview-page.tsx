// Overview: every project the session may see, with each environment's health, live release
// (commit and message), the last run's state and live requests/s and error rate; previews under
// their project. Live: a change of a project (docs/decisions/0045) re-reads that project only;
// traffic samples arrive in the stream and are appended; nothing polls.
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { ProjectJson, ProjectStatusJson } from '../../src/api/schemas/project-schemas.ts';
import type { RunJson } from '../../src/api/schemas/run-schemas.ts';
import type { TrafficJson, TrafficSampleJson } from '../../src/api/schemas/live-schemas.ts';
import type { ApiClient } from './api-client.ts';
import { Sparkline } from './charts/sparkline.tsx';
import { ErrorNote } from './error-note.tsx';
import { useLive } from './live.ts';
import { navigate } from './location.ts';
import './live.css';

type EnvironmentStatus = ProjectStatusJson['environments'][number];

interface Detail {
  status: ProjectStatusJson;
  runs: RunJson[];
}

/** Samples kept per environment: 15 minutes at 5 s, as the server keeps. */
const keepSamples = 180;
/** Runs read per project: enough to find the commit message of each live release. */
const runsRead = 10;

type Traffic = Record<string, Record<string, TrafficSampleJson[]>>;

const enc = encodeURIComponent;

export function runPath(run: Pick<RunJson, 'project' | 'number'>): string {
  return `/projects/${enc(run.project)}/runs/${run.number}`;
}

function Link({ href, children, label }: { href: string; children: ComponentChildren; label?: string }) {
  return (
    <a
      href={href}
      aria-label={label}
      onClick={(e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
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

function EnvironmentRows({ envs, runs, traffic }: { envs: EnvironmentStatus[]; runs: RunJson[]; traffic: Record<string, TrafficSampleJson[]> | undefined }) {
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
          const run = env.release ? runs.find((r) => r.commit === env.release!.commit) : undefined;
          return (
            <tr key={env.name}>
              <td data-label="Environment">
                <a href={env.url} rel="noreferrer">
                  {env.name}
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
                        · <Link href={runPath(run)}>run #{run.number}</Link>
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

function ProjectCard({ project, detail, traffic }: { project: ProjectJson; detail: Detail | undefined; traffic: Record<string, TrafficSampleJson[]> | undefined }) {
  const envs = detail?.status.environments ?? [];
  const main = envs.filter((e) => !e.name.startsWith('pr-'));
  const previews = envs.filter((e) => e.name.startsWith('pr-'));
  const last = detail?.runs[0];
  const id = `p-${project.name}`;
  return (
    <article class="project" aria-labelledby={id} data-loaded={detail ? 'true' : undefined}>
      <h2 id={id}>{project.name}</h2>
      <p class="muted">
        {project.repo} · {project.branch}
        {last && (
          <>
            {' '}
            · last run{' '}
            <Link href={runPath(last)}>#{last.number}</Link> <span class={`state state-${last.state}`}>{last.state}</span>
          </>
        )}
      </p>
      {!detail ? (
        <p class="muted" aria-busy="true">
          Loading…
        </p>
      ) : main.length === 0 && previews.length === 0 ? (
        <p class="muted">No environments yet.</p>
      ) : (
        <>
          {main.length > 0 && <EnvironmentRows envs={main} runs={detail.runs} traffic={traffic} />}
          {previews.length > 0 && (
            <>
              <h3>Previews</h3>
              <EnvironmentRows envs={previews} runs={detail.runs} traffic={traffic} />
            </>
          )}
        </>
      )}
    </article>
  );
}

export function OverviewPage({ api, onError }: { api: ApiClient; onError: (error: unknown) => boolean }) {
  const [projects, setProjects] = useState<ProjectJson[] | null>(null);
  const [details, setDetails] = useState<Record<string, Detail>>({});
  const [traffic, setTraffic] = useState<Traffic>({});
  const [error, setError] = useState<unknown>(null);

  const fail = useCallback(
    (e: unknown) => {
      if (!onError(e)) setError(e);
    },
    [onError],
  );

  // Answers are applied once per animation frame: 50 projects' answers are one render, not 100.
  const arrived = useRef<{ details: Record<string, Detail>; traffic: Traffic; frame: number } | null>(null);
  useEffect(() => () => cancelAnimationFrame(arrived.current?.frame ?? 0), []);
  const apply = useCallback((add: (batch: { details: Record<string, Detail>; traffic: Traffic }) => void) => {
    if (!arrived.current) {
      const frame = requestAnimationFrame(() => {
        const batch = arrived.current!;
        arrived.current = null;
        if (Object.keys(batch.details).length) setDetails((d) => ({ ...d, ...batch.details }));
        if (Object.keys(batch.traffic).length) setTraffic((t) => ({ ...t, ...batch.traffic }));
      });
      arrived.current = { details: {}, traffic: {}, frame };
    }
    add(arrived.current);
  }, []);

  const loadProject = useCallback(
    (name: string) =>
      Promise.all([api.request<ProjectStatusJson>('GET', `/api/projects/${enc(name)}/status`), api.request<RunJson[]>('GET', `/api/projects/${enc(name)}/runs?limit=${runsRead}`)]).then(
        ([status, runs]) => apply((b) => (b.details[name] = { status, runs })),
        fail,
      ),
    [api, fail, apply],
  );

  const loadTraffic = useCallback(
    (name: string) =>
      api.request<TrafficJson>('GET', `/api/projects/${enc(name)}/traffic`).then(
        (t) => apply((b) => (b.traffic[name] = Object.fromEntries(t.environments.map((e) => [e.environment, e.samples])))),
        fail,
      ),
    [api, fail, apply],
  );

  const loadAll = useCallback(() => {
    api.request<ProjectJson[]>('GET', '/api/projects').then((list) => {
      setProjects(list);
      setError(null);
      for (const p of list) {
        void loadProject(p.name);
        void loadTraffic(p.name);
      }
    }, fail);
  }, [api, fail, loadProject, loadTraffic]);

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
      {projects?.map((project) => <ProjectCard key={project.name} project={project} detail={details[project.name]} traffic={traffic[project.name]} />)}
    </section>
  );
}
