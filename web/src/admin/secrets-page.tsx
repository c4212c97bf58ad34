// Secrets: the groups with their grants, a group's keys with their current version (never a
// value), and for an unlimited admin: set a value, grant or revoke a group, and reveal one value.
// A reveal is the API's audited read (GET /api/secrets/GROUP/KEY, admins only, recorded before the
// value is decrypted); the value stays in this page's memory until hidden, for a minute at most.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { SecretListingJson, SecretOverviewJson, SecretValueJson } from '../api-types.ts';
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
import './admin.css';

const revealMs = 60_000;
const seg = encodeURIComponent;

export function SecretsPage(props: PageProps) {
  const { api, onError, session } = props;
  const { search } = useLocation();
  const group = search.get('group');
  const overview = useApiData<SecretOverviewJson>(api, onError, '/api/secrets');
  const admin = isGlobalAdmin(session);
  // Bumped by every change, so that the group's keys are read again.
  const [round, setRound] = useState(0);
  const changed = (): void => {
    overview.reload();
    setRound((n) => n + 1);
  };
  const onSet = (g: string): void => {
    changed();
    if (g !== group) navigate(withSearch('/secrets', { group: g }));
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
            {group !== null ? <GroupView {...props} group={group} grants={overview.data.grants.filter((g) => g.group === group)} round={round} onChanged={changed} /> : <p>Choose a group.</p>}
            {admin && <SetValueForm {...props} group={group} onSet={onSet} />}
          </div>
        </div>
      )}
    </section>
  );
}

function GroupView({ api, onError, session, group, grants, round, onChanged }: PageProps & { group: string; grants: SecretOverviewJson['grants']; round: number; onChanged: () => void }) {
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
                      <code>{k.key}</code>
                    </td>
                    <td>v{k.version}</td>
                    <td>{k.createdBy}</td>
                    <td>
                      <time dateTime={k.createdAt}>{when(k.createdAt)}</time>
                    </td>
                    {admin && (
                      <td>
                        <Reveal {...{ api, onError }} group={group} secret={k} />
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollArea>
        ))}
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

/** One key's value on demand: the audited read, shown until hidden or for a minute. */
function Reveal({ api, onError, group, secret }: Pick<PageProps, 'api' | 'onError'> & { group: string; secret: SecretListingJson }) {
  const [value, setValue] = useState<SecretValueJson | null>(null);
  const action = useAction(onError);
  // Focus follows the control that replaces the one pressed (keyboard users stay in place).
  const hide = useRef<HTMLButtonElement>(null);
  const reveal = useRef<HTMLButtonElement>(null);
  const moved = useRef(false);
  useEffect(() => {
    if (moved.current) (value === null ? reveal : hide).current?.focus();
    if (value === null) return;
    const timer = setTimeout(() => setValue(null), revealMs);
    return () => clearTimeout(timer);
  }, [value]);
  if (value !== null) {
    return (
      <span class="revealed" role="group" aria-label={`value of ${secret.key}`}>
        <code>{value.value}</code>{' '}
        <button type="button" ref={hide} onClick={() => setValue(null)}>
          Hide
        </button>
      </span>
    );
  }
  return (
    <>
      <button
        type="button"
        ref={reveal}
        disabled={action.busy}
        aria-label={`Reveal ${secret.key} (audited)`}
        onClick={() =>
          action.run(async () => {
            setValue(await api.request<SecretValueJson>('GET', `/api/secrets/${seg(group)}/${seg(secret.key)}`));
            moved.current = true;
          })
        }
      >
        Reveal
      </button>
      {action.error !== null && <ErrorNote error={action.error} />}
    </>
  );
}

function SetValueForm({ api, onError, group, onSet }: PageProps & { group: string | null; onSet: (group: string) => void }) {
  const [g, setG] = useState(group ?? '');
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const action = useAction(onError);
  useEffect(() => setG(group ?? ''), [group]);
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
          onSet(target);
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

