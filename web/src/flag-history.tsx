// A flag's changes, newest first (…/flags/:key/history), each with a way back to it (revert).
import { useState } from 'preact/hooks';
import type { FlagChangeJson, FlagDetailJson } from '../../src/api/schemas/flag-schemas.ts';
import { ErrorNote } from './error-note.tsx';
import { flagsApi, type FlagSectionProps } from './flag-paths.ts';
import { TableHead } from './table-parts.tsx';

interface Props extends FlagSectionProps {
  changes: readonly FlagChangeJson[];
}

export function FlagHistory({ api, onError, project, environment, flagKey, changes, canChange, onChanged }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const revert = (to: number): void => {
    setBusy(true);
    api.request<FlagDetailJson>('POST', `${flagsApi(project, environment, flagKey)}/revert`, { to }).then(
      (view) => {
        setBusy(false);
        setError(null);
        setDone(`Back to version ${to}, as version ${view.version}.`);
        onChanged();
      },
      (e: unknown) => {
        setBusy(false);
        if (!onError(e)) setError(e);
      },
    );
  };
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      {error !== null && <ErrorNote error={error} />}
      {done !== null && (
        <p role="status" class="done">
          {done}
        </p>
      )}
      {changes.length === 0 ? (
        <p class="muted">No changes.</p>
      ) : (
        <div class="scroll">
          <table>
            <TableHead columns={['Version', 'When', 'By', 'Change', ...(canChange ? ['Revert'] : [])]} />
            <tbody>
              {changes.map((c, i) => (
                <tr key={c.version}>
                  <td>{c.version}</td>
                  <td>{c.at.replace('T', ' ').slice(0, 19)}</td>
                  <td>{c.actor}</td>
                  <td>
                    {c.action}: {c.summary}
                  </td>
                  {canChange && (
                    <td>
                      {i > 0 && (
                        <button type="button" disabled={busy} onClick={() => revert(c.version)}>
                          Revert to version {c.version}
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
