// One value on demand, for an admin: the API's audited read (GET /api/secrets/GROUP/KEY, or
// ?version=N for an older one; recorded before the value is decrypted). The value stays in this
// page's memory until hidden, for a minute at most.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { SecretValueJson } from '../api-types.ts';
import { ErrorNote } from '../error-note.tsx';
import type { PageProps } from '../page-props.ts';
import { useAction } from '../use-action.ts';

const revealMs = 60_000;
const seg = encodeURIComponent;

/** `version`: that version; without it, the current one. */
export function Reveal({ api, onError, group, secretKey, version }: Pick<PageProps, 'api' | 'onError'> & { group: string; secretKey: string; version?: number }) {
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
  const which = version === undefined ? secretKey : `${secretKey} version ${version}`;
  if (value !== null) {
    return (
      <span class="revealed" role="group" aria-label={`value of ${which}`}>
        <code>{value.value}</code>{' '}
        <button type="button" ref={hide} onClick={() => setValue(null)}>
          Hide
        </button>
      </span>
    );
  }
  const path = `/api/secrets/${seg(group)}/${seg(secretKey)}${version === undefined ? '' : `?version=${version}`}`;
  return (
    <>
      <button
        type="button"
        ref={reveal}
        disabled={action.busy}
        aria-label={`Reveal ${which} (audited)`}
        onClick={() =>
          action.run(async () => {
            setValue(await api.request<SecretValueJson>('GET', path));
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
