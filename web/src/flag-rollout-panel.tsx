// A flag's guarded rollout (…/flags/:key/rollout): its steps, where it is, every analysis
// decision with its figures, promote and abort while it runs; a form to start one otherwise.
import { useState } from 'preact/hooks';
import type { FlagRolloutJson } from '../../src/api/schemas/flag-schemas.ts';
import { ErrorNote } from './error-note.tsx';
import { errorIdOf, fieldError, type FieldError } from './field-error.ts';
import { flagsApi, type FlagSectionProps } from './flag-paths.ts';
import { Options, TableHead } from './table-parts.tsx';

const active = new Set(['progressing', 'paused']);
const startFields = ['variant', 'steps', 'pause', 'analysis'] as const;
type StartField = (typeof startFields)[number];
const form = 'flag-rollout';

interface Props extends FlagSectionProps {
  variants: readonly string[];
  /** The rollout, or null when the flag has had none. */
  rollout: FlagRolloutJson | null;
}

/** A decision's figure as shown: numbers to 3 significant digits, text as it is. */
function shown(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(3);
  return typeof v === 'string' || typeof v === 'boolean' ? String(v) : '—';
}

function figure(d: Record<string, unknown>, key: string): string {
  return shown(d[key]);
}

function samples(d: Record<string, unknown>): string {
  const s = d.samples;
  if (typeof s !== 'object' || s === null) return '—';
  const { canary, baseline } = s as { canary?: unknown; baseline?: unknown };
  return `${shown(canary)} / ${shown(baseline)}`;
}

function Decisions({ rollout }: { rollout: FlagRolloutJson }) {
  if (rollout.decisions.length === 0) return <p class="muted">No analysis decision yet.</p>;
  return (
    <div class="scroll">
      <table>
        <caption>Analysis decisions</caption>
        <TableHead columns={['When', 'Step', 'Metric', 'Verdict', 'Samples (variant / rest)', 'Statistic', 'p', 'Threshold', 'Reason']} />
        <tbody>
          {rollout.decisions.map((d, i) => (
            <tr key={i}>
              <td>{d.at.replace('T', ' ').slice(0, 19)}</td>
              <td>{figure(d, 'step')}</td>
              <td>{d.metric}</td>
              <td>{d.verdict}</td>
              <td>{samples(d)}</td>
              <td>{figure(d, 'statistic')}</td>
              <td>{figure(d, 'pValue')}</td>
              <td>{figure(d, 'threshold')}</td>
              <td>{d.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function FlagRolloutPanel({ api, onError, project, environment, flagKey, variants, rollout, canChange, onChanged }: Props) {
  const [draft, setDraft] = useState<Record<StartField, string>>({ variant: variants.find((v) => v === 'on') ?? variants[0] ?? '', steps: '5,25,50,100', pause: '1m', analysis: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ refused: FieldError; error: unknown } | null>(null);
  const base = `${flagsApi(project, environment, flagKey)}/rollout`;

  const call = (path: string, body: unknown): void => {
    setBusy(true);
    api.request<FlagRolloutJson>('POST', path, body).then(
      () => {
        setBusy(false);
        setError(null);
        onChanged();
      },
      (e: unknown) => {
        setBusy(false);
        if (!onError(e)) setError({ refused: fieldError(e, startFields), error: e });
      },
    );
  };
  const note = (f: StartField) =>
    error?.refused.field === f ? (
      <span class="field-error" id={errorIdOf(form, f)} role="alert">
        {error.refused.message}
      </span>
    ) : null;
  const described = (f: StartField) => (error?.refused.field === f ? { 'aria-invalid': true, 'aria-describedby': errorIdOf(form, f) } : {});
  const text = (f: Exclude<StartField, 'variant'>, label: string, placeholder: string) => (
    <div class="field">
      <label>
        {label}
        <input name={f} value={draft[f]} placeholder={placeholder} onInput={(e) => setDraft((d) => ({ ...d, [f]: e.currentTarget.value }))} {...described(f)} />
      </label>
      {note(f)}
    </div>
  );
  const running = rollout !== null && active.has(rollout.state);

  return (
    <section aria-labelledby="rollout-title">
      <h2 id="rollout-title">Guarded rollout</h2>
      {rollout === null ? (
        <p class="muted">This flag has had no rollout.</p>
      ) : (
        <>
          <p>
            {running ? 'Rolling out' : 'Last rollout:'} <strong>{rollout.variant}</strong> · <span class="state">{rollout.state}</span> ({rollout.phase}) · started by {rollout.startedBy}
          </p>
          <ol class="steps" aria-label="Steps">
            {rollout.steps.map((s, i) => (
              <li key={i} aria-current={running && i === rollout.step ? 'step' : undefined}>
                {s}%
              </li>
            ))}
          </ol>
          <p>
            {rollout.variant} serves {rollout.weights.canary}% of users.{rollout.reason && ` ${rollout.reason}`}
          </p>
          {running && canChange && (
            <div class="actions">
              <button type="button" disabled={busy} onClick={() => call(`${base}/promote`, {})}>
                Promote to the next step
              </button>
              <button type="button" disabled={busy} onClick={() => call(`${base}/promote`, { full: true })}>
                Promote fully
              </button>
              <button type="button" disabled={busy} onClick={() => call(`${base}/abort`, {})}>
                Abort rollout
              </button>
            </div>
          )}
          <Decisions rollout={rollout} />
        </>
      )}
      {!running && canChange && (
        <form
          class="fields"
          aria-label="Start a rollout"
          onSubmit={(e) => {
            e.preventDefault();
            call(base, { variant: draft.variant, steps: draft.steps, ...(draft.pause.trim() ? { pause: draft.pause.trim() } : {}), ...(draft.analysis.trim() ? { analysis: draft.analysis.trim() } : {}) });
          }}
        >
          <div class="field">
            <label>
              Variant to roll out
              <select name="variant" value={draft.variant} onChange={(e) => setDraft((d) => ({ ...d, variant: e.currentTarget.value }))} {...described('variant')}>
                <Options values={variants} />
              </select>
            </label>
            {note('variant')}
          </div>
          {text('steps', 'Steps (%)', '5,25,50,100')}
          {text('pause', 'Pause at each step', '1m')}
          {text('analysis', 'Analysis', 'maxErrorRate=1%,maxP99=500ms')}
          <div class="actions wide">
            <button type="submit" disabled={busy}>
              Start rollout
            </button>
          </div>
        </form>
      )}
      {error !== null && error.refused.field === null && <ErrorNote error={error.error} />}
    </section>
  );
}
