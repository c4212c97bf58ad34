// The sign-in page: paste an API token (or use SSO where OpenID Connect is configured). A wrong
// token shows the API's own message; after signing in, back to the page that was asked for.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, type ApiClient, type SessionInfo } from './api-client.ts';

export interface SignInProps {
  api: ApiClient;
  next: string;
  /** Why the person is here again (an expired session). */
  notice: string | null;
  onSignedIn: (session: SessionInfo) => void;
}

export function SignInPage({ api, next, notice, onSignedIn }: SignInProps) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [oidc, setOidc] = useState(false);

  useEffect(() => {
    api.request<{ oidc: boolean }>('GET', '/api/auth/config').then(
      (c) => setOidc(c.oidc),
      () => setOidc(false),
    );
  }, [api]);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api.request<SessionInfo>('POST', '/api/session', { token: token.trim() }));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <h1>Sluice</h1>
      {notice && <p class="notice" role="status">{notice}</p>}
      <form onSubmit={(e) => void submit(e)}>
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autoComplete="off" required value={token} onInput={(e) => setToken(e.currentTarget.value)} aria-describedby={error ? 'sign-in-error' : undefined} />
        <button type="submit" disabled={busy || token.trim() === ''}>Sign in</button>
        {error && <p id="sign-in-error" class="error" role="alert">{error}</p>}
      </form>
      {oidc && (
        <p>
          <a class="button" href={`/api/auth/oidc/login?return=${encodeURIComponent(next)}`}>Sign in with SSO</a>
        </p>
      )}
      <p class="hint">Create a token with <code>sluice token create NAME --role viewer</code>; a new server writes its admin token to <code>&lt;data&gt;/admin.token</code>.</p>
    </main>
  );
}
