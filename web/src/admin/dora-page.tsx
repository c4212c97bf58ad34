// DORA: the four keys of one environment over a window, and the same keys per day (or week) as
// charts and a table (GET /api/projects/NAME/dora?every=…). Project, environment and window are
// in the URL.
import { useCallback, useId } from 'preact/hooks';
import type { DoraJson, DoraPeriodJson, ProjectStatusJson } from '../api-types.ts';
import { LineChart } from '../charts/line-chart.tsx';
import { ErrorNote } from '../error-note.tsx';
import { ScrollArea } from '../scroll-area.tsx';
import { Options, TableHead } from '../table-parts.tsx';
import { duration } from '../format.ts';
import { withSearch } from '../link.tsx';
import { navigate, useLocation } from '../location.ts';
import type { PageProps } from '../page-props.ts';
import { useApiData } from '../use-api-data.ts';
import { ProjectPicker, useChosenProject } from './project-picker.tsx';
import './admin.css';

const windows = { '7d': '1d', '30d': '1d', '90d': '7d' } as const;
type Window = keyof typeof windows;
const isWindow = (s: string | null): s is Window => s !== null && s in windows;
const seg = encodeURIComponent;

function percent(ratio: number | null): string {
  return ratio === null ? '—' : `${(ratio * 100).toFixed(ratio < 0.1 ? 1 : 0)}%`;
}

function median(seconds: number | null): string {
  return seconds === null ? '—' : `${duration(seconds)} median`;
}

function dayOf(ms: number): string {
  return new Date(ms).toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}

const day = (iso: string): string => dayOf(Date.parse(iso));

export function DoraPage(props: PageProps) {
  const { api, onError } = props;
  const { search } = useLocation();
  const since: Window = isWindow(search.get('since')) ? (search.get('since') as Window) : '30d';
  const asked = search.get('project');
  const env = search.get('env');
  const go = useCallback((to: { project?: string; env?: string; since?: string }) => navigate(withSearch('/dora', { project: to.project ?? asked ?? undefined, env: to.env, since: to.since ?? since }), true), [asked, since]);
  const chooseProject = useCallback((project: string) => go({ project }), [go]);
  const { names, project, note } = useChosenProject(props, asked, chooseProject);
  const status = useApiData<ProjectStatusJson>(api, onError, project ? `/api/projects/${seg(project)}/status` : null);
  const deployed = status.data?.environments.filter((e) => e.release !== null).map((e) => e.name) ?? null;
  const environment = env ?? (deployed?.includes('production') ? 'production' : deployed?.[0]) ?? null;
  const ready = project !== null && environment !== null && deployed !== null && deployed.includes(environment);
  const report = useApiData<DoraJson>(api, onError, ready ? withSearch(`/api/projects/${seg(project)}/dora`, { env: environment, since, every: windows[since] }) : null);

  return (
    <section aria-labelledby="dora-title">
      <h1 id="dora-title">DORA</h1>
      {note}
      {names !== null && project !== null && (
        <form class="filters" aria-label="What to measure" onSubmit={(e) => e.preventDefault()}>
          <ProjectPicker names={names} value={project} onChange={(p) => go({ project: p })} />
          {deployed !== null && deployed.length > 0 && (
            <label class="field">
              Environment
              <select value={environment ?? ''} onChange={(e) => go({ env: e.currentTarget.value })}>
                <Options values={deployed} />
              </select>
            </label>
          )}
          <label class="field">
            Window
            <select value={since} onChange={(e) => go({ env: environment ?? undefined, since: e.currentTarget.value })}>
              <option value="7d">7 days</option>
              <option value="30d">30 days</option>
              <option value="90d">90 days</option>
            </select>
          </label>
        </form>
      )}
      {status.error !== null && <ErrorNote error={status.error} />}
      {project !== null && status.data === null && status.error === null && <p aria-busy="true">Loading…</p>}
      {deployed !== null && deployed.length === 0 && <p>Nothing of {project} is deployed yet: the keys start with its first release.</p>}
      {deployed !== null && deployed.length > 0 && environment !== null && !deployed.includes(environment) && <p>Nothing is deployed to {environment} yet.</p>}
      {report.error !== null && <ErrorNote error={report.error} />}
      {ready && report.data === null && report.error === null && <p aria-busy="true">Loading…</p>}
      {report.data !== null && <DoraReport report={report.data} />}
    </section>
  );
}

function DoraReport({ report }: { report: DoraJson }) {
  const tableId = useId();
  const series = report.series ?? [];
  const at = (p: DoraPeriodJson): number => Date.parse(p.since);
  return (
    <>
      <dl class="keys">
        <div>
          <dt>Deployment frequency</dt>
          <dd>{report.deploymentFrequency.perDay === null ? 'no deploys' : `${report.deploymentFrequency.perDay.toFixed(2)} a day`}</dd>
          <dd class="muted-inline">{report.deploymentFrequency.deploys} deploys</dd>
        </div>
        <div>
          <dt>Lead time for changes</dt>
          <dd>{median(report.leadTimeForChanges.p50Seconds)}</dd>
          <dd class="muted-inline">p90 {duration(report.leadTimeForChanges.p90Seconds)}</dd>
        </div>
        <div>
          <dt>Change failure rate</dt>
          <dd>{percent(report.changeFailureRate.ratio)}</dd>
          <dd class="muted-inline">
            {report.changeFailureRate.failed} of {report.changeFailureRate.total}
          </dd>
        </div>
        <div>
          <dt>Time to restore</dt>
          <dd>{median(report.timeToRestore.p50Seconds)}</dd>
          <dd class="muted-inline">{report.timeToRestore.incidents} incidents</dd>
        </div>
      </dl>
      {series.length > 0 && (
        <>
          <h2>Deploys per period</h2>
          <LineChart title="Deploys per period" desc={`Deploys to ${report.environment} per period from ${day(report.since)} to ${day(report.until)}`} series={[{ name: 'deploys', points: series.map((p) => ({ at: at(p), value: p.deploymentFrequency.deploys })) }]} tableId={tableId} timeLabel={dayOf} />
          <h2>Lead time</h2>
          <LineChart
            title="Median lead time per period, in hours"
            desc="From commit to live; periods without a deploy have no point."
            series={[{ name: 'lead time p50', points: series.flatMap((p) => (p.leadTimeForChanges.p50Seconds === null ? [] : [{ at: at(p), value: p.leadTimeForChanges.p50Seconds / 3600 }])) }]}
            unit=" h"
            tableId={tableId}
            timeLabel={dayOf}
          />
          <h2>Change failure rate</h2>
          <LineChart
            title="Change failure rate per period, in percent"
            desc="Failed changes of all changes; periods without a change have no point."
            series={[{ name: 'change failure rate', points: series.flatMap((p) => (p.changeFailureRate.ratio === null ? [] : [{ at: at(p), value: p.changeFailureRate.ratio * 100 }])) }]}
            yMax={100}
            unit="%"
            tableId={tableId}
            timeLabel={dayOf}
          />
          <ScrollArea label="The keys per period">
            <table id={tableId}>
              <caption>The keys per period</caption>
              <TableHead columns={['From', 'Deploys', 'Lead time p50', 'Failure rate', 'Restore p50']} />
              <tbody>
                {series.map((p) => (
                  <tr key={p.since}>
                    <th scope="row">{day(p.since)}</th>
                    <td>{p.deploymentFrequency.deploys}</td>
                    <td>{duration(p.leadTimeForChanges.p50Seconds)}</td>
                    <td>{percent(p.changeFailureRate.ratio)}</td>
                    <td>{duration(p.timeToRestore.p50Seconds)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollArea>
        </>
      )}
    </>
  );
}
