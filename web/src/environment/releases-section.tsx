// The releases of an environment, newest first, each with what changed since the one before:
// the commit range, the configuration keys and the secret versions (never values). Any release
// that went live can be rolled back to, after a confirmation.
import { useEffect, useRef } from 'preact/hooks';
import type { ReleaseJson } from '../../../src/api/schemas/deploy-schemas.ts';
import { ConfirmAction } from './confirm-action.tsx';

const short = (sha: string): string => sha.slice(0, 7);

function CommitRange({ release }: { release: ReleaseJson }) {
  const from = release.changes.commits?.from ?? null;
  if (from === null) return <code>{short(release.commit)}</code>;
  if (from === release.commit) return <span>same commit <code>{short(release.commit)}</code></span>;
  return (
    <code title={`${from}..${release.commit}`}>
      {short(from)}..{short(release.commit)}
    </code>
  );
}

function Changes({ release }: { release: ReleaseJson }) {
  const { added, removed, changed, secrets } = release.changes;
  const keys = [...added.map((k) => `+${k}`), ...removed.map((k) => `−${k}`), ...changed.map((k) => `~${k}`)];
  return (
    <dl class="changes">
      <dt>Commits</dt>
      <dd>
        <CommitRange release={release} />
      </dd>
      <dt>Configuration</dt>
      <dd>{keys.length ? keys.map((k) => <code key={k}>{k} </code>) : 'unchanged'}</dd>
      <dt>Secrets</dt>
      <dd>
        {secrets.length
          ? secrets.map((s) => (
              <code key={`${s.group}/${s.key}`}>
                {s.group}/{s.key} {s.from === null ? 'new' : `v${s.from}`} → {s.to === null ? 'removed' : `v${s.to}`}{' '}
              </code>
            ))
          : (release.config.secretRefs ?? []).length
            ? `unchanged (${(release.config.secretRefs ?? []).map((r) => `${r.key} v${r.version}`).join(', ')})`
            : 'none'}
      </dd>
    </dl>
  );
}

export interface ReleasesSectionProps {
  releases: readonly ReleaseJson[];
  live: number | null;
  /** A release to mark and scroll to (once: live re-reads do not move the page again). */
  focus: number | null;
  canRollBack: boolean;
  rollBack: (to: number) => Promise<void>;
  onError: (error: unknown) => boolean;
}

export function ReleasesSection({ releases, live, focus, canRollBack, rollBack, onError }: ReleasesSectionProps) {
  const scrolledTo = useRef<number | null>(null);
  const shown = focus !== null && releases.some((r) => r.number === focus);
  useEffect(() => {
    if (!shown || scrolledTo.current === focus) return;
    scrolledTo.current = focus;
    const item = document.getElementById(`release-${focus}`);
    item?.scrollIntoView({ block: 'start' });
    item?.focus({ preventScroll: true });
  }, [focus, shown]);
  return (
    <section aria-labelledby="releases-title">
      <h2 id="releases-title">Releases</h2>
      {releases.length === 0 ? (
        <p class="muted">No releases yet.</p>
      ) : (
        <ol class="releases">
          {releases.map((r) => (
            <li key={r.number} id={`release-${r.number}`} tabIndex={r.number === focus ? -1 : undefined} aria-current={r.number === focus ? 'true' : undefined} class={`release${r.number === live ? ' live' : ''}${r.number === focus ? ' focused' : ''}`}>
              <div class="release-head">
                <h3>Release {r.number}</h3>
                <span class={`state state-${r.state}`}>{r.number === live ? 'live' : r.state}</span>
                {r.run !== undefined && <span class="muted">run #{r.run}</span>}
                {r.rolledBackFrom !== undefined && <span class="muted">rollback from {r.rolledBackFrom}</span>}
                <time dateTime={r.createdAt} class="muted">
                  {new Date(r.createdAt).toLocaleString()}
                </time>
              </div>
              {r.reason && <p class="muted">{r.reason}</p>}
              <Changes release={r} />
              {canRollBack && live !== null && r.number !== live && r.state !== 'failed' && r.state !== 'deploying' && (
                <ConfirmAction label="Roll back" name={`Roll back to release ${r.number}`} confirmLabel="Roll back" danger act={() => rollBack(r.number)} onError={onError}>
                  <p>
                    Release {live} is live. Rolling back deploys release {r.number} again (commit <code>{short(r.commit)}</code>) with the configuration and secret versions it had.
                  </p>
                </ConfirmAction>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
