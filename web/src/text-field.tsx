// A labelled text input of a form (the label names it for assistive technology and for tests).
export function TextField({ label, hint, value, onValue, secret = false }: { label: string; hint?: string; value: string; onValue: (value: string) => void; secret?: boolean }) {
  const onInput = (e: { currentTarget: HTMLInputElement }): void => onValue(e.currentTarget.value);
  return (
    <label class="field">
      <span>
        {label}
        {hint !== undefined && <span class="muted-inline"> ({hint})</span>}
      </span>
      {secret ? <input type="password" value={value} onInput={onInput} autocomplete="new-password" /> : <input type="text" value={value} onInput={onInput} autocomplete="off" spellcheck={false} />}
    </label>
  );
}
