// API tokens (admins): the list (never values), a new token with its role and scope whose value
// is shown once, and revoking one after a confirmation.
import { useState } from 'preact/hooks';
import type { TokenJson } from '../api-types.ts';
import { ErrorNote } from '../error-note.tsx';
import { ScrollArea } from '../scroll-area.tsx';
import { Options, TableHead } from '../table-parts.tsx';
import { TextField } from '../text-field.tsx';
import { when } from '../format.ts';
import { isGlobalAdmin, type PageProps } from '../page-props.ts';
import { useAction } from '../use-action.ts';
import { useApiData } from '../use-api-data.ts';
import './admin.css';

const roleOptions = [
  ['viewer', 'viewer: reads'],
  ['deployer', 'deployer: runs, approves, rolls back'],
  ['admin', 'admin: everything'],
] as const;

function scopeOf(t: TokenJson): string {
  const parts = [t.projects ? `projects ${t.projects.join(', ')}` : null, t.environments ? `environments ${t.environments.join(', ')}` : null].filter((p) => p !== null);
  return parts.length ? parts.join('; ') : 'everything';
}

/** "a, b" → ["a", "b"]; empty → null (no limit). */
function namesOf(text: string): string[] | null {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return names.length ? names : null;
}

export function TokensPage(props: PageProps) {
  const { api, onError, session } = props;
  const tokens = useApiData<TokenJson[]>(api, onError, '/api/tokens');
  const [confirming, setConfirming] = useState<string | null>(null);
  const revoke = useAction(onError);
  const admin = isGlobalAdmin(session);

  return (
    <section aria-labelledby="tokens-title">
      <h1 id="tokens-title">API tokens</h1>
      {tokens.error !== null && <ErrorNote error={tokens.error} />}
      {tokens.data === null && tokens.error === null && <p aria-busy="true">Loading…</p>}
      {tokens.data !== null && (
        <ScrollArea label="API tokens">
          <table>
            <caption class="sr-only">API tokens</caption>
            <TableHead columns={['Name', 'Role', 'Scope', 'Created', 'Expires', 'State']} />
            <tbody>
              {tokens.data.map((t) => (
                <tr key={t.name}>
                  <td>
                    <code>{t.name}</code>
                  </td>
                  <td>{t.role}</td>
                  <td>{scopeOf(t)}</td>
                  <td>
                    {when(t.createdAt)} <span class="muted-inline">by {t.createdBy}</span>
                  </td>
                  <td>{t.expiresAt === null ? 'never' : when(t.expiresAt)}</td>
                  <td>
                    {t.revokedAt !== null ? (
                      <span class="state state-revoked">revoked {when(t.revokedAt)}</span>
                    ) : !admin ? (
                      'active'
                    ) : confirming === t.name ? (
                      <span class="row">
                        <button
                          type="button"
                          class="danger"
                          disabled={revoke.busy}
                          onClick={() =>
                            revoke.run(async () => {
                              await api.request('POST', `/api/tokens/${encodeURIComponent(t.name)}/revoke`);
                              setConfirming(null);
                              tokens.reload();
                            })
                          }
                        >
                          Revoke {t.name} now
                        </button>
                        <button type="button" onClick={() => setConfirming(null)}>
                          Keep
                        </button>
                      </span>
                    ) : (
                      <button type="button" onClick={() => setConfirming(t.name)}>
                        Revoke…
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollArea>
      )}
      {revoke.error !== null && <ErrorNote error={revoke.error} />}
      {admin && tokens.error === null && <CreateTokenForm {...props} onCreated={tokens.reload} />}
    </section>
  );
}

function CreateTokenForm({ api, onError, onCreated }: PageProps & { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<TokenJson['role']>('viewer');
  const [projects, setProjects] = useState('');
  const [environments, setEnvironments] = useState('');
  const [expires, setExpires] = useState('90d');
  const [created, setCreated] = useState<TokenJson | null>(null);
  const action = useAction(onError);
  return (
    <form
      class="panel form"
      aria-labelledby="create-title"
      onSubmit={(e) => {
        e.preventDefault();
        setCreated(null);
        action.run(async () => {
          const body = { name: name.trim(), role, projects: namesOf(projects), environments: namesOf(environments), expires: expires.trim() || null };
          setCreated(await api.request<TokenJson>('POST', '/api/tokens', body));
          setName('');
          onCreated();
        });
      }}
    >
      <h2 id="create-title">Create a token</h2>
      <TextField label="Name" value={name} onValue={setName} />
      <label class="field">
        Role
        <select value={role} onChange={(e) => setRole(e.currentTarget.value as TokenJson['role'])}>
          <Options values={roleOptions} />
        </select>
      </label>
      <TextField label="Projects" hint="comma-separated; empty: all" value={projects} onValue={setProjects} />
      <TextField label="Environments" hint="comma-separated; empty: all" value={environments} onValue={setEnvironments} />
      <TextField label="Expires after" hint="e.g. 90d; empty: never" value={expires} onValue={setExpires} />
      <button type="submit" disabled={action.busy}>
        Create token
      </button>
      {action.error !== null && <ErrorNote error={action.error} />}
      {created?.token !== undefined && (
        <div class="once" role="status">
          <p>
            Token <code>{created.name}</code> ({created.role}). Copy it now: it is shown only this once.
          </p>
          <label class="field">
            Token value
            <input class="secret" readOnly value={created.token} onFocus={(e) => e.currentTarget.select()} spellcheck={false} />
          </label>
        </div>
      )}
    </form>
  );
}
