// Changing a flag as `sluice flag set` does (PUT …/flags/:key): on, off, disable, enable, one
// variant for everyone, or a percentage of users. The API's refusal shows beside the field.
import { useState } from 'preact/hooks';
import type { FlagDetailJson } from '../../src/api/schemas/flag-schemas.ts';
import type { ApiClient } from './api-client.ts';
import { ErrorNote } from './error-note.tsx';
import { errorIdOf, fieldError, type FieldError } from './field-error.ts';
import { flagsApi } from './flag-paths.ts';
import { Options } from './table-parts.tsx';

type Command = { kind: 'on' | 'off' | 'enable' | 'disable' } | { kind: 'variant'; variant: string } | { kind: 'percent'; percent: number; variant?: string };
type Where = 'buttons' | 'variant' | 'percent';

interface Props {
  api: ApiClient;
  onError: (error: unknown) => boolean;
  flag: FlagDetailJson;
  project: string;
  environment: string;
  onChanged: (flag: FlagDetailJson) => void;
}

const form = 'flag-set';

export function FlagChangeForm({ api, onError, flag, project, environment, onChanged }: Props) {
  const variants = Object.keys(flag.definition.variants);
  const [variant, setVariant] = useState(flag.served?.defaultVariant ?? variants[0] ?? '');
  const [percent, setPercent] = useState('');
  const [percentVariant, setPercentVariant] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ where: Where; refused: FieldError | null; error: unknown } | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const send = (where: Where, command: Command, said: string): void => {
    setBusy(true);
    setDone(null);
    api.request<FlagDetailJson>('PUT', flagsApi(project, environment, flag.key), command).then(
      (view) => {
        setBusy(false);
        setError(null);
        setDone(`${said}: version ${view.version}${view.published === false ? ' (stored; evaluations will serve it once the data plane confirms)' : ', served now'}.`);
        onChanged(view);
      },
      (e: unknown) => {
        setBusy(false);
        if (onError(e)) return;
        const refused = fieldError(e, ['percent', 'variant']);
        // The percentage form has one free field: a refusal of its body is about it.
        setError({ where, refused: refused.field === null && where === 'percent' ? { field: 'percent', message: refused.message } : refused, error: e });
      },
    );
  };
  const has = (...names: string[]): boolean => names.some((n) => variants.includes(n));
  const errorOf = (where: Where) => (error?.where === where && (error.refused === null || error.refused.field === null) ? <ErrorNote error={error.error} /> : null);
  const percentRefused = error?.where === 'percent' && error.refused?.field === 'percent' ? error.refused.message : null;

  return (
    <section aria-labelledby="change-title">
      <h2 id="change-title">Change</h2>
      <div class="actions">
        {has('on', 'true') && (
          <button type="button" disabled={busy} onClick={() => send('buttons', { kind: 'on' }, 'Turned on')}>
            Turn on
          </button>
        )}
        {has('off', 'false') && (
          <button type="button" disabled={busy} onClick={() => send('buttons', { kind: 'off' }, 'Turned off')}>
            Turn off
          </button>
        )}
        {flag.served?.state === 'DISABLED' ? (
          <button type="button" disabled={busy} onClick={() => send('buttons', { kind: 'enable' }, 'Enabled')}>
            Enable
          </button>
        ) : (
          <button type="button" disabled={busy} onClick={() => send('buttons', { kind: 'disable' }, 'Disabled')}>
            Disable
          </button>
        )}
      </div>
      {errorOf('buttons')}
      <form
        class="fields"
        aria-label="Serve one variant to everyone"
        onSubmit={(e) => {
          e.preventDefault();
          send('variant', { kind: 'variant', variant }, `Serving ${variant}`);
        }}
      >
        <label>
          Variant for everyone
          <select value={variant} onChange={(e) => setVariant(e.currentTarget.value)}>
            <Options values={variants} />
          </select>
        </label>
        <div class="actions">
          <button type="submit" disabled={busy}>
            Serve variant
          </button>
        </div>
      </form>
      {errorOf('variant')}
      <form
        class="fields"
        aria-label="Serve a variant to a percentage of users"
        onSubmit={(e) => {
          e.preventDefault();
          const p = percent.trim() === '' ? Number.NaN : Number(percent);
          // NaN goes as null, which the API refuses with its own message.
          send('percent', { kind: 'percent', percent: p, ...(percentVariant ? { variant: percentVariant } : {}) }, `Serving ${percentVariant || 'the on variant'} to ${percent}%`);
        }}
      >
        <div class="field">
          <label>
            Percent of users
            <input
              name="percent"
              inputMode="decimal"
              value={percent}
              onInput={(e) => setPercent(e.currentTarget.value)}
              aria-invalid={percentRefused !== null}
              aria-describedby={percentRefused !== null ? errorIdOf(form, 'percent') : undefined}
            />
          </label>
          {percentRefused !== null && (
            <span class="field-error" id={errorIdOf(form, 'percent')} role="alert">
              {percentRefused}
            </span>
          )}
        </div>
        <label>
          Of variant
          <select value={percentVariant} onChange={(e) => setPercentVariant(e.currentTarget.value)}>
            <option value="">on (default)</option>
            <Options values={variants} />
          </select>
        </label>
        <div class="actions">
          <button type="submit" disabled={busy}>
            Serve to percentage
          </button>
        </div>
      </form>
      {errorOf('percent')}
      {done !== null && (
        <p role="status" class="done">
          {done}
        </p>
      )}
    </section>
  );
}
