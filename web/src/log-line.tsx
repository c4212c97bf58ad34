// One log line: its time, level, where it came from, and links to its run and its release (the
// environment's page) when it has them; the text wraps (no sideways scrolling at 360 px).
import type { LogEntryJson } from '../../src/api/schemas/observe-schemas.ts';
import { Link } from './link.tsx';

export function runPath(runId: string): string {
  return `/runs/${encodeURIComponent(runId)}`;
}

export function releasePath(project: string, environment: string, release: number): string {
  return `/projects/${encodeURIComponent(project)}/environments/${encodeURIComponent(environment)}?release=${release}`;
}

export function LogLine({ entry }: { entry: LogEntryJson }) {
  const where = [entry.service, entry.instance].filter((x) => x !== null).join(' · ');
  return (
    <li class={`log-line${entry.level ? ` level-${entry.level}` : ''}`} data-id={entry.id}>
      <div class="log-meta">
        <time dateTime={entry.at} title={entry.at}>
          {entry.at.replace('T', ' ').slice(0, 23)}
        </time>
        {entry.level && <span class="log-level">{entry.level}</span>}
        <span>{entry.stream === 'stdout' || entry.stream === 'stderr' ? entry.stream : entry.source}</span>
        {where && <span>{where}</span>}
        {entry.release !== null && entry.environment !== null && <Link href={releasePath(entry.project, entry.environment, entry.release)}>release {entry.release}</Link>}
        {entry.runId !== null && (
          <Link href={runPath(entry.runId)} label={`run ${entry.runId} of line ${entry.id}`}>
            run
          </Link>
        )}
      </div>
      <code class="log-text">{entry.line}</code>
    </li>
  );
}
