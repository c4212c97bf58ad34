// A button for a change that needs a second thought: it opens a modal dialog (the browser's
// <dialog>: focus stays inside, Escape cancels) that says what will happen; only its confirm
// button acts. The focus starts on Cancel for a destructive change, else on the confirm button. A refusal is shown in the dialog (a 403 names the role that is needed).
import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { ErrorNote } from '../error-note.tsx';

export interface ConfirmActionProps {
  /** The button's text (also the dialog's title). */
  label: string;
  /** Its accessible name when the text alone is ambiguous (e.g. "Roll back to release 3"). */
  name?: string;
  confirmLabel: string;
  children: ComponentChildren;
  danger?: boolean;
  /** Does the change; throws to keep the dialog open with the error. */
  act: () => Promise<void>;
  /** A 401 ends the session (the app handles it); returns whether it did. */
  onError: (error: unknown) => boolean;
}

export function ConfirmAction({ label, name, confirmLabel, children, danger = false, act, onError }: ConfirmActionProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const confirm = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await act();
      dialog.current?.close();
    } catch (e) {
      if (onError(e)) dialog.current?.close();
      else setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <button type="button" class={danger ? 'danger' : undefined} aria-label={name} onClick={() => (setError(null), dialog.current?.showModal())}>
        {label}
      </button>
      <dialog ref={dialog} class="confirm" aria-label={name ?? label} aria-busy={busy}>
        <h2>{name ?? label}</h2>
        {children}
        {error !== null && <ErrorNote error={error} />}
        <div class="actions">
          <button type="button" class={danger ? 'danger' : 'primary'} autofocus={!danger} disabled={busy} onClick={() => void confirm()}>
            {busy ? 'Working…' : confirmLabel}
          </button>
          <button type="button" autofocus={danger} disabled={busy} onClick={() => dialog.current?.close()}>
            Cancel
          </button>
        </div>
      </dialog>
    </>
  );
}
