// A key's versions (GET /api/secrets/GROUP/KEY/versions), newest first: who set or unset it and
// when, never a value; an admin may reveal any version that holds one (audited).
import { useEffect } from 'preact/hooks';
import type { SecretVersionJson } from '../api-types.ts';
import { ErrorNote } from '../error-note.tsx';
import { when } from '../format.ts';
import { isGlobalAdmin, type PageProps } from '../page-props.ts';
import { ScrollArea } from '../scroll-area.tsx';
import { TableHead } from '../table-parts.tsx';
import { useApiData } from '../use-api-data.ts';
import { Reveal } from './secret-reveal.tsx';

const seg = encodeURIComponent;

/** `round` changes when a value was set from the page: the versions are read again. */
export function SecretVersions({ api, onError, session, group, secretKey, round }: PageProps & { group: string; secretKey: string; round: number }) {
  const versions = useApiData<SecretVersionJson[]>(api, onError, `/api/secrets/${seg(group)}/${seg(secretKey)}/versions`);
  const admin = isGlobalAdmin(session);
  const reload = versions.reload;
  useEffect(() => {
    if (round > 0) reload();
  }, [round, reload]);
  return (
    <section aria-labelledby="versions-title">
      <h3 id="versions-title">
        Versions of <code>{secretKey}</code>
      </h3>
      {versions.error !== null && <ErrorNote error={versions.error} />}
      {versions.data === null && versions.error === null && <p aria-busy="true">Loading…</p>}
      {versions.data !== null && (
        <ScrollArea label={`Versions of ${secretKey}`}>
          <table>
            <caption class="sr-only">Versions of {secretKey}, newest first</caption>
            <TableHead columns={['Version', 'Change', 'By', 'At', ...(admin ? ['Value'] : [])]} />
            <tbody>
              {versions.data.map((v, i) => (
                <tr key={v.version}>
                  <td>
                    v{v.version}
                    {i === 0 && v.state === 'set' && <span class="muted-inline"> (current)</span>}
                  </td>
                  <td>{v.state}</td>
                  <td>{v.createdBy}</td>
                  <td>
                    <time dateTime={v.createdAt}>{when(v.createdAt)}</time>
                  </td>
                  {admin && <td>{v.state === 'set' ? <Reveal {...{ api, onError }} group={group} secretKey={v.key} version={v.version} /> : <span class="muted-inline">no value</span>}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollArea>
      )}
    </section>
  );
}
