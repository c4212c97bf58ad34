// Where the dashboard is: the path is the page, so every view has a URL that can be shared and
// reloaded (the server answers index.html for every path outside the API).
import { useEffect, useState } from 'preact/hooks';

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  dispatchEvent(new PopStateEvent('popstate'));
}

export function useLocation(): { path: string; search: URLSearchParams } {
  const read = (): { path: string; search: URLSearchParams } => ({ path: location.pathname, search: new URLSearchParams(location.search) });
  const [here, setHere] = useState(read);
  useEffect(() => {
    const onPop = (): void => setHere(read());
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  return here;
}

/** A page's own path to come back to after signing in; only same-site paths (never //host). */
export function safeNext(next: string | null): string {
  return next !== null && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/sign-in') ? next : '/';
}

export function signInPath(next: string): string {
  return next === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`;
}
