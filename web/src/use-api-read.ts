// Reads one API path for a page and reads it again whenever `reloads` changes (a page's single
// reload() after a change, or a change announced by the live stream, web/src/live.ts). A 401 goes to the app (back to
// sign-in); other errors are the page's to show. The data shown stays while a reload runs.
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { ApiClient } from './api-client.ts';

export type Read<T> = { state: 'loading' } | { state: 'ok'; data: T } | { state: 'failed'; error: unknown };

export function useApiRead<T>(api: ApiClient, onError: (error: unknown) => boolean, path: string, reloads: number): Read<T> {
  return useLoad(() => api.request<T>('GET', path), onError, path, reloads);
}

/** useApiRead for a reading of several requests: `load` is called again when `what` or `reloads` changes. */
export function useLoad<T>(load: () => Promise<T>, onError: (error: unknown) => boolean, what: string, reloads: number): Read<T> {
  const [read, setRead] = useState<Read<T>>({ state: 'loading' });
  useEffect(() => setRead({ state: 'loading' }), [what]);
  useEffect(() => {
    let stopped = false;
    load().then(
      (data) => !stopped && setRead({ state: 'ok', data }),
      (error: unknown) => !stopped && !onError(error) && setRead({ state: 'failed', error }),
    );
    return () => {
      stopped = true;
    };
    // `load` is a new function at every render; `what` names what it reads.
  }, [onError, what, reloads]);
  return read;
}

/** A counter to pass as `reloads` and the function that bumps it (after a change, or from useLiveReload). */
export function useReload(): [number, () => void] {
  const [n, setN] = useState(0);
  return [n, useCallback(() => setN((x) => x + 1), [])];
}
