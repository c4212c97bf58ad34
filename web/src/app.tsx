// The dashboard: asks the API who is signed in, shows the sign-in page when nobody is (keeping
// the page asked for in ?next=), else the shell with the page of the current path.
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import { ApiClient, ApiError, type SessionInfo } from './api-client.ts';
import { AuditPage } from './admin/audit-page.tsx';
import { DomainsPage } from './admin/domains-page.tsx';
import { DoraPage } from './admin/dora-page.tsx';
import { SecretsPage } from './admin/secrets-page.tsx';
import { TokensPage } from './admin/tokens-page.tsx';
import { EnvironmentPage } from './environment/environment-page.tsx';
import { matchEnvironmentPath } from './environment/environment-path.ts';
import { ErrorNote } from './error-note.tsx';
import { LiveProvider } from './live.ts';
import { navigate, safeNext, signInPath, useLocation } from './location.ts';
import { logsFlagsPage } from './logs-flags-routes.tsx';
import { OverviewPage } from './overview-page.tsx';
import type { PageProps } from './page-props.ts';
import { RunPage, runRefOf } from './run-page.tsx';
import { Shell } from './shell.tsx';
import { SignInPage } from './sign-in-page.tsx';

/** The pages by path (besides the Overview); the shell's navigation lists them. */
const pageOf: Readonly<Record<string, (props: PageProps) => JSX.Element>> = {
  '/secrets': SecretsPage,
  '/tokens': TokensPage,
  '/audit': AuditPage,
  '/dora': DoraPage,
  '/domains': DomainsPage,
};

type Auth = { state: 'checking' } | { state: 'signed-out'; notice: string | null } | { state: 'signed-in'; session: SessionInfo } | { state: 'failed'; error: unknown };

export function App() {
  const api = useMemo(() => new ApiClient(), []);
  const { path, search } = useLocation();
  const [auth, setAuth] = useState<Auth>({ state: 'checking' });

  const signedIn = useCallback(
    (session: SessionInfo) => {
      api.setSession(session);
      setAuth({ state: 'signed-in', session });
    },
    [api],
  );

  const signedOut = useCallback(
    (notice: string | null) => {
      api.setSession(null);
      setAuth({ state: 'signed-out', notice });
    },
    [api],
  );

  useEffect(() => {
    api.request<SessionInfo | { signedIn: false; reason?: string }>('GET', '/api/session').then(
      (s) => {
        if (s.signedIn) signedIn(s);
        else signedOut(s.reason ? `Your session ended (${s.reason}).` : null);
      },
      (e: unknown) => setAuth({ state: 'failed', error: e }),
    );
  }, [api, signedIn, signedOut]);

  // Where each state belongs: signed out on /sign-in (remembering the page), signed in anywhere else.
  useEffect(() => {
    if (auth.state === 'signed-out' && path !== '/sign-in') navigate(signInPath(path + location.search), true);
    if (auth.state === 'signed-in' && path === '/sign-in') navigate(safeNext(search.get('next')), true);
  }, [auth.state, path, search]);

  /** A 401 from any page: the session ended; back to sign-in, keeping this page. Returns whether it handled the error. */
  const onError = useCallback(
    (e: unknown): boolean => {
      if (!(e instanceof ApiError) || e.status !== 401) return false;
      signedOut(`Your session ended (${e.message}). Sign in again to continue.`);
      return true;
    },
    [signedOut],
  );

  const signOut = useCallback(() => {
    api.request('DELETE', '/api/session').then(
      () => {
        signedOut(null);
        navigate('/sign-in', true);
      },
      (e: unknown) => {
        if (!onError(e)) setAuth({ state: 'failed', error: e });
      },
    );
  }, [api, onError, signedOut]);

  const environmentPage = matchEnvironmentPath(path);
  if (auth.state === 'checking') return <p aria-busy="true">Loading…</p>;
  if (auth.state === 'failed') return <ErrorNote error={auth.error} />;
  if (auth.state === 'signed-out') return path === '/sign-in' ? <SignInPage api={api} next={safeNext(search.get('next'))} notice={auth.notice} onSignedIn={signedIn} /> : null;
  const Page = pageOf[path];
  return (
    <LiveProvider onSignedOut={() => signedOut('Your session ended. Sign in again to continue.')}>
      <Shell session={auth.session} path={path} onSignOut={signOut}>
        {path === '/' ? (
          <OverviewPage api={api} onError={onError} />
        ) : Page ? (
          <Page api={api} session={auth.session} onError={onError} />
        ) : environmentPage ? (
          <EnvironmentPage key={path} api={api} session={auth.session} project={environmentPage.project} environment={environmentPage.environment} focusRelease={Number(search.get('release')) || null} onError={onError} />
        ) : runRefOf(path) !== null ? (
          <RunPage key={path} api={api} session={auth.session} runRef={runRefOf(path)!} onError={onError} />
        ) : path === '/sign-in' ? null : (
          (logsFlagsPage({ api, onError, session: auth.session, path, search }) ?? (
            <section>
              <h1>Not found</h1>
              <p>
                No page at <code>{path}</code>.{' '}
                <a href="/" onClick={(e) => (e.preventDefault(), navigate('/'))}>
                  Overview
                </a>
              </p>
            </section>
          ))
        )}
      </Shell>
    </LiveProvider>
  );
}
