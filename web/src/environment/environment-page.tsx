// The environment page (/projects/NAME/environments/ENV): its state and live release, the latest
// rollout with its analysis, the releases with what changed and a rollback to any of them, and the
// alerts. One reload() reads everything again: on every live change of the environment (releases,
// rollouts, its events; web/src/live.ts), after every change made here (not awaited: the
// confirmation closes first, then the page may drop the button that opened it), and on a timer
// while the page is visible: every 30 s with the stream open (alert values are not pushed), and
// while it is down every 5 s during a rollout, else every 15 s.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { ReleaseJson, RolloutJson } from '../../../src/api/schemas/deploy-schemas.ts';
import type { AlertJson } from '../../../src/api/schemas/observe-schemas.ts';
import type { ProjectStatusJson } from '../../../src/api/schemas/project-schemas.ts';
import { ApiError, type ApiClient, type SessionInfo } from '../api-client.ts';
import { ErrorNote } from '../error-note.tsx';
import { useLiveReload } from '../live.ts';
import { AlertsSection } from './alerts-section.tsx';
import { followLink } from './environment-path.ts';
import { ReleasesSection } from './releases-section.tsx';
import { RolloutSection } from './rollout-section.tsx';
import './environment-page.css';

type EnvironmentStatus = ProjectStatusJson['environments'][number];

interface EnvironmentData {
  status: EnvironmentStatus | null;
  releases: ReleaseJson[];
  rollout: RolloutJson | null;
  alerts: AlertJson[];
  readAt: number;
}

const liveMs = 30_000;
const activeMs = 5_000;
const idleMs = 15_000;

/** Deployers and admins whose scope covers this environment may change it (the server checks again). */
export function mayChange(session: SessionInfo, project: string, environment: string): boolean {
  return session.role !== 'viewer' && (session.projects === null || session.projects.includes(project)) && (session.environments === null || session.environments.includes(environment));
}

async function load(api: ApiClient, project: string, environment: string): Promise<EnvironmentData> {
  const base = `/api/projects/${encodeURIComponent(project)}`;
  const here = `${base}/environments/${encodeURIComponent(environment)}`;
  const [status, releases, alerts] = await Promise.all([
    api.request<ProjectStatusJson>('GET', `${base}/status`),
    api.request<ReleaseJson[]>('GET', `${here}/releases`),
    api.request<AlertJson[]>('GET', `${base}/alerts?env=${encodeURIComponent(environment)}`),
  ]);
  // Every deploy makes a rollout, so only an environment without releases has none: asking then
  // would be a 404, which the browser logs as an error.
  const rollout =
    releases.length === 0
      ? null
      : await api.request<RolloutJson>('GET', `${here}/rollout`).catch((e: unknown) => {
          if (e instanceof ApiError && e.status === 404) return null;
          throw e;
        });
  return { status: status.environments.find((e) => e.name === environment) ?? null, releases, rollout, alerts, readAt: Date.now() };
}

export interface EnvironmentPageProps {
  api: ApiClient;
  session: SessionInfo;
  project: string;
  environment: string;
  /** `?release=N` (a log line's link): that release is marked and scrolled to once it is read. */
  focusRelease: number | null;
  onError: (error: unknown) => boolean;
}

export function EnvironmentPage({ api, session, project, environment, focusRelease, onError }: EnvironmentPageProps) {
  const [data, setData] = useState<EnvironmentData | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const latest = useRef(0);

  const reload = useCallback(async (): Promise<void> => {
    const mine = ++latest.current;
    try {
      const d = await load(api, project, environment);
      // An older read that ends after a newer one must not win.
      if (mine !== latest.current) return;
      setData(d);
      setError(null);
    } catch (e) {
      if (mine !== latest.current || onError(e)) return;
      setError(e);
    }
  }, [api, project, environment, onError]);

  const active = data?.rollout ? data.rollout.state !== 'promoted' && data.rollout.state !== 'aborted' : false;

  useEffect(() => {
    setData(null);
    setNotice(null);
    void reload();
  }, [reload]);

  const live = useLiveReload(`environment:${project}/${environment}`, () => void reload());

  useEffect(() => {
    const timer = setInterval(
      () => {
        if (document.visibilityState === 'visible') void reload();
      },
      live === 'open' ? liveMs : active ? activeMs : idleMs,
    );
    return () => clearInterval(timer);
  }, [reload, active, live]);

  const here = `/api/projects/${encodeURIComponent(project)}/environments/${encodeURIComponent(environment)}`;
  const canChange = mayChange(session, project, environment);

  const rollBack = async (to: number): Promise<void> => {
    const release = await api.request<ReleaseJson>('POST', `${here}/rollback`, { to });
    setNotice(`Rolled back to release ${to}: release ${release.number} is live.`);
    void reload();
  };
  const promote = async (): Promise<void> => {
    const r = await api.request<RolloutJson>('POST', `${here}/promote`, {});
    setNotice(`Promote requested for release ${r.release}.`);
    void reload();
  };
  const abort = async (): Promise<void> => {
    const r = await api.request<RolloutJson>('POST', `${here}/abort`, {});
    setNotice(`Abort requested for release ${r.release}.`);
    void reload();
  };

  const status = data?.status ?? null;
  return (
    <section aria-labelledby="environment-title" class="environment">
      <p class="crumbs">
        <a href="/" onClick={(e) => followLink(e, '/')}>
          Overview
        </a>{' '}
        / {project}
      </p>
      <h1 id="environment-title">
        {project} · {environment}
      </h1>
      {error !== null && <ErrorNote error={error} />}
      {data === null && error === null && <p aria-busy="true">Loading…</p>}
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {data !== null && (
        <>
          {status && (
            <p>
              <span class={`state state-${status.state}`}>{status.state}</span>
              {status.release ? ` · release ${status.release.number} (${status.release.commit.slice(0, 7)}) is live` : ' · nothing live'}
              {' · '}
              <a href={status.url} rel="noreferrer">
                {status.url}
              </a>
              {status.reason && <span class="muted"> · {status.reason}</span>}
            </p>
          )}
          <RolloutSection rollout={data.rollout} canChange={canChange} promote={promote} abort={abort} onError={onError} readAt={data.readAt} />
          <ReleasesSection releases={data.releases} live={status?.release?.number ?? null} focus={focusRelease} canRollBack={canChange} rollBack={rollBack} onError={onError} />
          <AlertsSection alerts={data.alerts} />
        </>
      )}
    </section>
  );
}
