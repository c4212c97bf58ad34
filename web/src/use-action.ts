// A change made from a page: busy while it runs (its button disabled), the API's refusal shown
// as the API words it, a 401 handed to App (back to sign-in).
import { useCallback, useState } from 'preact/hooks';

export interface Action {
  busy: boolean;
  error: unknown;
  run: (change: () => Promise<void>) => void;
}

export function useAction(onError: (e: unknown) => boolean): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(
    (change: () => Promise<void>) => {
      setBusy(true);
      setError(null);
      change().then(
        () => setBusy(false),
        (e: unknown) => {
          setBusy(false);
          if (!onError(e)) setError(e);
        },
      );
    },
    [onError],
  );
  return { busy, error, run };
}
