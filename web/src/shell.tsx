// The signed-in layout: a header with navigation, who is signed in and sign-out; the page below.
// Navigation lists only pages that exist.
import type { ComponentChildren } from 'preact';
import type { SessionInfo } from './api-client.ts';
import { navigate } from './location.ts';
import { LiveBanner } from './live.ts';

const pages = [
  { path: '/', label: 'Overview' },
  { path: '/logs', label: 'Logs' },
  { path: '/flags', label: 'Flags' },
  { path: '/secrets', label: 'Secrets' },
  { path: '/tokens', label: 'Tokens' },
  { path: '/audit', label: 'Audit' },
  { path: '/dora', label: 'DORA' },
  { path: '/domains', label: 'Domains' },
] as const;

export function Shell({ session, path, onSignOut, children }: { session: SessionInfo; path: string; onSignOut: () => void; children: ComponentChildren }) {
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="bar">
        <span class="brand">Sluice</span>
        <nav aria-label="Main">
          {pages.map((p) => (
            <a
              key={p.path}
              href={p.path}
              aria-current={path === p.path ? 'page' : undefined}
              onClick={(e) => {
                if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
                e.preventDefault();
                navigate(p.path);
              }}
            >
              {p.label}
            </a>
          ))}
        </nav>
        <span class="who" title={`signed in as ${session.name} (${session.role})`}>
          {session.name} · {session.role}
        </span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <LiveBanner />
        {children}
      </main>
    </>
  );
}
