// The releases of an environment, newest first, each with what changed since the one before:
// the commit range, the configuration keys and the secret versions (never values). Any release
// that went live can be rolled back to, after a confirmation.
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
  canRollBack: boolean;
  rollBack: (to: number) => Promise<void>;
  onError: (error: unknown) => boolean;
}

export function ReleasesSection({ releases, live, canRollBack, rollBack, onError }: ReleasesSectionProps) {
  return (
    <section aria-labelledby="releases-title">
      <h2 id="releases-title">Releases</h2>
      {releases.length === 0 ? (
        <p class="muted">No releases yet.</p>
      ) : (
        <ol class="releases">
          {releases.map((r) => (
            <li key={r.number} class={r.number === live ? 'release live' : 'release'}>
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
