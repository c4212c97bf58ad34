// One API read for a page: loading, the answer or the error, and a reload after a change.
// `refreshMs` re-reads while the page is open (never below 5 s: no page polls faster).
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { ApiClient } from './api-client.ts';

export interface ApiData<T> {
  data: T | null;
  error: unknown;
  reload: () => void;
}

const minRefreshMs = 5_000;

export function useApiData<T>(api: ApiClient, onError: (e: unknown) => boolean, path: string | null, refreshMs?: number): ApiData<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [round, setRound] = useState(0);
  const reload = useCallback(() => setRound((n) => n + 1), []);

  useEffect(() => {
    setData(null);
    setError(null);
  }, [path]);

  useEffect(() => {
    if (path === null) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const again = (): void => {
      if (refreshMs !== undefined) timer = setTimeout(tick, Math.max(minRefreshMs, refreshMs));
    };
    const tick = (): void => {
      api.request<T>('GET', path).then(
        (d) => {
          if (stopped) return;
          setData(d);
          setError(null);
          again();
        },
        (e: unknown) => {
          if (stopped || onError(e)) return;
          setError(e);
          again();
        },
      );
    };
    tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [api, onError, path, refreshMs, round]);

  return { data, error, reload };
}
