// One flag of an environment (/projects/:name/environments/:env/flags/:key): what it serves and
// why, its variants, the controls to change it (for people who may), its guarded rollout and
// its history. One reload() reads all three again: after each change made here, and whenever the
// live stream says the environment's flags or flag rollouts changed (a rollout's next decision).
import type { FlagChangeJson, FlagDetailJson, FlagRolloutJson } from '../../src/api/schemas/flag-schemas.ts';
import type { ApiClient, SessionInfo } from './api-client.ts';
import { ErrorNote } from './error-note.tsx';
import { FlagChangeForm } from './flag-change-form.tsx';
import { FlagHistory } from './flag-history.tsx';
import { flagsApi, flagsPath } from './flag-paths.ts';
import { FlagRolloutPanel } from './flag-rollout-panel.tsx';
import { servedSummary } from './flags-page.tsx';
import { Link } from './link.tsx';
import { useLiveReload } from './live.ts';
import { mayChange } from './may-change.ts';
import { useLoad, useReload } from './use-api-read.ts';
import { TableHead } from './table-parts.tsx';

interface FlagData {
  flag: FlagDetailJson;
  history: FlagChangeJson[];
  rollout: FlagRolloutJson | null;
}

async function loadFlag(api: ApiClient, project: string, environment: string, key: string): Promise<FlagData> {
  const path = flagsApi(project, environment, key);
  const [flag, history, rollouts] = await Promise.all([
    api.request<FlagDetailJson>('GET', path),
    api.request<FlagChangeJson[]>('GET', `${path}/history?limit=50`),
    // The list (newest first, empty when none) rather than …/rollout, which answers 404 for none.
    api.request<FlagRolloutJson[]>('GET', `${path}/rollouts`),
  ]);
  return { flag, history, rollout: rollouts[0] ?? null };
}

interface Props {
  api: ApiClient;
  onError: (error: unknown) => boolean;
  session: SessionInfo;
  project: string;
  environment: string;
  flagKey: string;
}

export function FlagPage({ api, onError, session, project, environment, flagKey }: Props) {
  const [reloads, reload] = useReload();
  useLiveReload(`flag:${project}/${environment}`, reload);
  const current = useLoad(() => loadFlag(api, project, environment, flagKey), onError, flagsApi(project, environment, flagKey), reloads);
  const canChange = mayChange(session, project, environment);

  return (
    <section aria-labelledby="flag-title">
      <p class="muted">
        <Link href={flagsPath(project, environment)}>
          Flags of {project} / {environment}
        </Link>
      </p>
      <h1 id="flag-title">Flag {flagKey}</h1>
      {current.state === 'loading' && <p aria-busy="true">Loading…</p>}
      {current.state === 'failed' && <ErrorNote error={current.error} />}
      {current.state === 'ok' && (
        <>
          <dl class="facts">
            <dt>Serves</dt>
            <dd data-testid="served">{servedSummary(current.data.flag)}</dd>
            <dt>Type</dt>
            <dd>{current.data.flag.type}</dd>
            <dt>Version</dt>
            <dd>{current.data.flag.version}</dd>
            <dt>Changed here</dt>
            <dd>{current.data.flag.override ? 'yes: the environment overrides the flag file' : 'no: as in the flag file'}</dd>
            <dt>In browsers</dt>
            <dd>{current.data.flag.client ? 'yes (client: true)' : 'no'}</dd>
          </dl>
          <div class="scroll">
            <table>
              <caption>Variants</caption>
              <TableHead columns={['Variant', 'Value']} />
              <tbody>
                {Object.entries(current.data.flag.definition.variants).map(([name, value]) => (
                  <tr key={name}>
                    <td>
                      {name}
                      {current.data.flag.served?.defaultVariant === name && <strong> (default)</strong>}
                    </td>
                    <td>
                      <code>{JSON.stringify(value)}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {canChange && !current.data.flag.archived && <FlagChangeForm api={api} onError={onError} flag={current.data.flag} project={project} environment={environment} onChanged={reload} />}
          <FlagRolloutPanel api={api} onError={onError} project={project} environment={environment} flagKey={flagKey} variants={Object.keys(current.data.flag.definition.variants)} rollout={current.data.rollout} canChange={canChange && !current.data.flag.archived} onChanged={reload} />
          <FlagHistory api={api} onError={onError} project={project} environment={environment} flagKey={flagKey} changes={current.data.history} canChange={canChange && !current.data.flag.archived} onChanged={reload} />
        </>
      )}
    </section>
  );
}
