// Secrets: the groups with their grants, a group's keys with their current version, and one key's
// versions (/secrets?group=G&key=K), never a value; for an unlimited admin: set a value, grant or
// revoke a group, and reveal one value, current or older (secret-reveal.tsx: the audited read).
import { useEffect, useState } from 'preact/hooks';
import type { SecretListingJson, SecretOverviewJson } from '../api-types.ts';
import { ErrorNote } from '../error-note.tsx';
import { ScrollArea } from '../scroll-area.tsx';
import { TableHead } from '../table-parts.tsx';
import { TextField } from '../text-field.tsx';
import { when } from '../format.ts';
import { Link, withSearch } from '../link.tsx';
import { navigate, useLocation } from '../location.ts';
import { isGlobalAdmin, type PageProps } from '../page-props.ts';
import { useAction } from '../use-action.ts';
import { useApiData } from '../use-api-data.ts';
import { Reveal } from './secret-reveal.tsx';
import { SecretVersions } from './secret-versions.tsx';
import './admin.css';

const seg = encodeURIComponent;

export function SecretsPage(props: PageProps) {
  const { api, onError, session } = props;
  const { search } = useLocation();
  const group = search.get('group');
  const key = search.get('key');
  const overview = useApiData<SecretOverviewJson>(api, onError, '/api/secrets');
  const admin = isGlobalAdmin(session);
  // Bumped by every change, so that the group's keys are read again.
  const [round, setRound] = useState(0);
  const changed = (): void => {
    overview.reload();
    setRound((n) => n + 1);
  };
  // The key just set is shown with its versions.
  const onSet = (g: string, k: string): void => {
    changed();
    if (g !== group || k !== key) navigate(withSearch('/secrets', { group: g, key: k }));
  };

  return (
    <section aria-labelledby="secrets-title">
      <h1 id="secrets-title">Secrets</h1>
      <p class="muted">Values are never shown here; an admin may reveal one, and every reveal is in the audit log.</p>
      {overview.error !== null && <ErrorNote error={overview.error} />}
      {overview.data === null && overview.error === null && <p aria-busy="true">Loading…</p>}
      {overview.data !== null && (
        <div class="columns">
          <nav aria-label="Secret groups" class="panel">
            <h2>Groups</h2>
            {overview.data.groups.length === 0 ? (
              <p class="muted">No groups yet.</p>
            ) : (
              <ul class="plain">
                {overview.data.groups.map((g) => (
                  <li key={g}>
                    <Link href={withSearch('/secrets', { group: g })} current={g === group}>
                      {g}
                    </Link>
                  </li>
                ))}
              </ul>
            )}
          </nav>
          <div>
            {group !== null ? <GroupView {...props} group={group} secretKey={key} grants={overview.data.grants.filter((g) => g.group === group)} round={round} onChanged={changed} /> : <p>Choose a group.</p>}
            {admin && <SetValueForm {...props} group={group} secretKey={key} onSet={onSet} />}
          </div>
        </div>
      )}
    </section>
  );
}

function GroupView({ api, onError, session, group, secretKey, grants, round, onChanged }: PageProps & { group: string; secretKey: string | null; grants: SecretOverviewJson['grants']; round: number; onChanged: () => void }) {
  const keys = useApiData<SecretListingJson[]>(api, onError, `/api/secrets/${seg(group)}`);
  const admin = isGlobalAdmin(session);
  const action = useAction(onError);
  const [project, setProject] = useState('');
  const reloadKeys = keys.reload;
  useEffect(() => {
    if (round > 0) reloadKeys();
  }, [round, reloadKeys]);
  const change = (method: string, path: string): void =>
    action.run(async () => {
      await api.request(method, path);
      onChanged();
    });

  return (
    <div>
      <h2>Group {group}</h2>
      {keys.error !== null && <ErrorNote error={keys.error} />}
      {keys.data === null && keys.error === null && <p aria-busy="true">Loading…</p>}
      {keys.data !== null &&
        (keys.data.length === 0 ? (
          <p class="muted">No keys in this group.</p>
        ) : (
          <ScrollArea label={`Keys of ${group}`}>
            <table>
              <caption class="sr-only">Keys of {group}</caption>
              <TableHead columns={['Key', 'Version', 'Set by', 'Set at', ...(admin ? ['Value'] : [])]} />
              <tbody>
                {keys.data.map((k) => (
                  <tr key={k.key}>
                    <td>
                      <Link href={withSearch('/secrets', { group, key: k.key })} current={k.key === secretKey}>
                        <code>{k.key}</code>
                      </Link>
                    </td>
                    <td>v{k.version}</td>
                    <td>{k.createdBy}</td>
                    <td>
                      <time dateTime={k.createdAt}>{when(k.createdAt)}</time>
                    </td>
                    {admin && (
                      <td>
                        <Reveal {...{ api, onError }} group={group} secretKey={k.key} />
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollArea>
        ))}
      {secretKey !== null && <SecretVersions {...{ api, onError, session }} group={group} secretKey={secretKey} round={round} />}
      {keys.data !== null && keys.data.length > 0 && secretKey === null && <p class="muted">Choose a key to see its versions.</p>}
      <h3>Grants</h3>
      <p class="muted">Projects whose sluice.yaml may name this group.</p>
      {grants.length === 0 ? (
        <p class="muted">No project may use it yet.</p>
      ) : (
        <ul class="plain">
          {grants.map((g) => (
            <li key={g.project} class="row">
              <span>
                <strong>{g.project}</strong> <span class="muted-inline">by {g.createdBy}, {when(g.createdAt)}</span>
              </span>
              {admin && (
                <button type="button" disabled={action.busy} onClick={() => change('DELETE', `/api/secrets/${seg(group)}/grants/${seg(g.project)}`)}>
                  Revoke grant to {g.project}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {admin && (
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            change('PUT', `/api/secrets/${seg(group)}/grants/${seg(project.trim())}`);
          }}
        >
          <TextField label="Project" value={project} onValue={setProject} />
          <button type="submit" disabled={action.busy || project.trim() === ''}>
            Grant {group}
          </button>
        </form>
      )}
      {action.error !== null && <ErrorNote error={action.error} />}
    </div>
  );
}

function SetValueForm({ api, onError, group, secretKey, onSet }: PageProps & { group: string | null; secretKey: string | null; onSet: (group: string, key: string) => void }) {
  const [g, setG] = useState(group ?? '');
  const [key, setKey] = useState(secretKey ?? '');
  const [value, setValue] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const action = useAction(onError);
  useEffect(() => setG(group ?? ''), [group]);
  useEffect(() => setKey(secretKey ?? ''), [secretKey]);
  return (
    <form
      class="panel form"
      aria-labelledby="set-title"
      onSubmit={(e) => {
        e.preventDefault();
        const target = g.trim();
        const name = key.trim();
        setDone(null);
        action.run(async () => {
          const set = await api.request<SecretListingJson>('PUT', `/api/secrets/${seg(target)}/${seg(name)}`, { value });
          setValue('');
          setDone(`${target}/${set.key} is now version ${set.version}.`);
          onSet(target, set.key);
        });
      }}
    >
      <h2 id="set-title">Set a value</h2>
      <TextField label="Group" value={g} onValue={setG} />
      <TextField label="Key" value={key} onValue={setKey} />
      <TextField label="Value" value={value} onValue={setValue} secret />
      <button type="submit" disabled={action.busy || g.trim() === '' || key.trim() === ''}>
        Set value
      </button>
      {done !== null && <p role="status">{done}</p>}
      {action.error !== null && <ErrorNote error={action.error} />}
    </form>
  );
}

