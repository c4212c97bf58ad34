// The environment page's URL, /projects/NAME/environments/ENV: made for links, read back by the app.
import { navigate } from '../location.ts';

export function environmentPath(project: string, environment: string): string {
  return `/projects/${encodeURIComponent(project)}/environments/${encodeURIComponent(environment)}`;
}

export function matchEnvironmentPath(path: string): { project: string; environment: string } | null {
  const m = /^\/projects\/([^/]+)\/environments\/([^/]+)\/?$/.exec(path);
  if (!m) return null;
  try {
    return { project: decodeURIComponent(m[1]!), environment: decodeURIComponent(m[2]!) };
  } catch {
    return null;
  }
}

/** A link's click inside the app: a plain click navigates without reloading; modified clicks keep the browser's behaviour. */
export function followLink(e: MouseEvent, to: string): void {
  if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  navigate(to);
}
